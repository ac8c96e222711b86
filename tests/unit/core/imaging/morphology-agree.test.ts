/**
 * Grow and shrink are round, and the same in the imaging core (growMask/shrinkMask, which work on the
 * mask's box widened by r) and on the canvas (dilate/erode on the buffer the canvas holds).
 */
import { describe, expect, it } from 'vitest';
import { growMask, shrinkMask, type Mask } from '../../../../electron/core/imaging';
import { dilate, erode } from '../../../../renderer/canvas/mask/morphology';
import { dilateDisc, dilateRuns, erodeDisc } from '../../../../shared/mask-morphology';
import { discMask, rectMask } from './helpers';
import { rng } from '../../../support/prng';

/** Brute force over the disc dx² + dy² <= r² + r, outside the photo ignored. */
function brute(m: Mask, r: number, isMax: boolean): Uint8Array {
  const { width: W, height: H, data } = m;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = isMax ? 0 : 255;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          if (dx * dx + dy * dy > r * r + r) continue;
          const X = x + dx;
          const Y = y + dy;
          if (X < 0 || Y < 0 || X >= W || Y >= H) continue;
          const s = data[Y * W + X]!;
          v = isMax ? Math.max(v, s) : Math.min(v, s);
        }
      }
      out[y * W + x] = v;
    }
  }
  return out;
}

function randomMask(r: () => number): Mask {
  const W = 8 + Math.floor(r() * 90);
  const H = 8 + Math.floor(r() * 90);
  const kind = Math.floor(r() * 3);
  if (kind === 0) return discMask(W, H, r() * W, r() * H, 2 + r() * 20, Math.floor(r() * 6));
  if (kind === 1) {
    const x = Math.floor(r() * W);
    const y = Math.floor(r() * H);
    return rectMask(W, H, x, y, 1 + Math.floor(r() * (W - x - 1)), 1 + Math.floor(r() * (H - y - 1)));
  }
  // Scattered soft dots, some on the border.
  const data = new Uint8Array(W * H);
  for (let i = 0; i < 12; i++)
    data[Math.floor(r() * H) * W + Math.floor(r() * W)] = 1 + Math.floor(r() * 255);
  return { width: W, height: H, data };
}

describe('grow and shrink: round, and the same in the core and on the canvas', () => {
  it('agree with each other and with a brute-force disc on random masks (seeded)', () => {
    const r = rng(4);
    for (let t = 0; t < 60; t++) {
      const m = randomMask(r);
      const radius = 1 + Math.floor(r() * 12);
      const grown = growMask(m, radius).data;
      const canvasGrown = m.data.slice();
      dilate(canvasGrown, m.width, m.height, radius);
      const shrunk = shrinkMask(m, radius).data;
      const canvasShrunk = m.data.slice();
      erode(canvasShrunk, m.width, m.height, radius);
      const what = `case ${t}: ${m.width}x${m.height} r=${radius}`;
      expect(Buffer.from(grown).equals(Buffer.from(canvasGrown)), `grow ${what}`).toBe(true);
      expect(Buffer.from(shrunk).equals(Buffer.from(canvasShrunk)), `shrink ${what}`).toBe(true);
      expect(Buffer.from(grown).equals(Buffer.from(brute(m, radius, true))), `grow disc ${what}`).toBe(true);
      expect(Buffer.from(shrunk).equals(Buffer.from(brute(m, radius, false))), `shrink disc ${what}`).toBe(
        true,
      );
    }
  });

  it('two-level masks (any two levels, the distance-transform path) grow and shrink exactly as the brute-force disc', () => {
    const r = rng(17);
    for (let t = 0; t < 80; t++) {
      const W = 1 + Math.floor(r() * 70);
      const H = 1 + Math.floor(r() * 70);
      const lo = r() < 0.5 ? 0 : Math.floor(r() * 128);
      const hi = r() < 0.5 ? 255 : 128 + Math.floor(r() * 128);
      const data = new Uint8Array(W * H).fill(lo);
      // Scattered pixels and a few boxes, some on the border; sometimes no hi pixel at all.
      const density = r() < 0.1 ? 0 : r() * 0.05;
      for (let i = 0; i < data.length; i++) if (r() < density) data[i] = hi;
      for (let b = Math.floor(r() * 3); b > 0; b--) {
        const x0 = Math.floor(r() * W);
        const y0 = Math.floor(r() * H);
        const x1 = Math.min(W, x0 + 1 + Math.floor(r() * 20));
        for (let y = y0; y < Math.min(H, y0 + 1 + Math.floor(r() * 20)); y++)
          data.fill(hi, y * W + x0, y * W + x1);
      }
      const m: Mask = { width: W, height: H, data };
      const radius = 1 + Math.floor(r() * 20);
      const what = `case ${t}: ${W}x${H} levels ${lo}/${hi} r=${radius}`;
      const grown = data.slice();
      dilateDisc(grown, W, H, radius);
      const shrunk = data.slice();
      erodeDisc(shrunk, W, H, radius);
      expect(Buffer.from(grown).equals(Buffer.from(brute(m, radius, true))), `grow ${what}`).toBe(true);
      expect(Buffer.from(shrunk).equals(Buffer.from(brute(m, radius, false))), `shrink ${what}`).toBe(true);
    }
  });

  it('the row-runs dilation of a two-level mask is the brute-force disc, or declines and leaves the mask as it was', () => {
    const r = rng(23);
    let used = 0;
    for (let t = 0; t < 120; t++) {
      const W = 1 + Math.floor(r() * 90);
      const H = 1 + Math.floor(r() * 90);
      const lo = r() < 0.7 ? 0 : Math.floor(r() * 128);
      const hi = r() < 0.7 ? 255 : 128 + Math.floor(r() * 128);
      const data = new Uint8Array(W * H).fill(lo);
      // Discs and boxes (few runs a row) or scattered pixels (many).
      if (r() < 0.5) {
        for (let i = 0; i < data.length; i++) if (r() < r() * 0.1) data[i] = hi;
      } else {
        for (let b = 1 + Math.floor(r() * 3); b > 0; b--) {
          const cx = r() * W;
          const cy = r() * H;
          const rad = 1 + r() * 30;
          for (let y = 0; y < H; y++)
            for (let x = 0; x < W; x++) if (Math.hypot(x - cx, y - cy) <= rad) data[y * W + x] = hi;
        }
      }
      const m: Mask = { width: W, height: H, data };
      const radius = 1 + Math.floor(r() * 24);
      const buf = data.slice();
      const what = `case ${t}: ${W}x${H} levels ${lo}/${hi} r=${radius}`;
      if (dilateRuns(buf, W, H, radius, lo, hi)) {
        used++;
        expect(Buffer.from(buf).equals(Buffer.from(brute(m, radius, true))), what).toBe(true);
      } else {
        expect(Buffer.from(buf).equals(Buffer.from(data)), what).toBe(true);
      }
    }
    expect(used).toBeGreaterThan(10);
  });

  it('a single pixel grows into a disc, not a square: the corner of the square stays empty', () => {
    const m: Mask = { width: 61, height: 61, data: new Uint8Array(61 * 61) };
    m.data[30 * 61 + 30] = 255;
    const g = growMask(m, 20).data;
    expect(g[30 * 61 + 50]).toBe(255);
    expect(g[30 * 61 + 51]).toBe(0);
    expect(g[(30 + 15) * 61 + 30 + 15]).toBe(0); // a square (or the old 15,15 corner) would be set here
    expect(g[(30 + 14) * 61 + 30 + 14]).toBe(255);
    let n = 0;
    for (const v of g) if (v) n++;
    expect(Math.abs(n - Math.PI * 20.5 * 20.5) / (Math.PI * 20.5 * 20.5)).toBeLessThan(0.03);
  });
});
