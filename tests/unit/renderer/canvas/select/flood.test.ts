import { describe, expect, it } from 'vitest';
import { wandSelect, type RgbaImage } from '../../../../../renderer/canvas/select/flood';
import { rng } from './rng';

/** A random image of a few colour patches (so regions are large and touch), some near-colours. */
function patches(rand: () => number, w: number, h: number): RgbaImage {
  const palette = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => [
    Math.floor(rand() * 256),
    Math.floor(rand() * 256),
    Math.floor(rand() * 256),
  ]);
  const cell = 1 + Math.floor(rand() * 6);
  const data = new Uint8Array(w * h * 4);
  const cols = Math.ceil(w / cell);
  const pick = Array.from({ length: cols * Math.ceil(h / cell) }, () => Math.floor(rand() * palette.length));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const c = palette[pick[Math.floor(y / cell) * cols + Math.floor(x / cell)]!]!;
      const o = (y * w + x) * 4;
      const jitter = rand() < 0.2 ? Math.floor(rand() * 20) - 10 : 0;
      data[o] = Math.max(0, Math.min(255, c[0]! + jitter));
      data[o + 1] = c[1]!;
      data[o + 2] = c[2]!;
      data[o + 3] = 255;
    }
  return { width: w, height: h, data };
}

/** The reference: a breadth-first search over 4-neighbours with a per-pixel colour test. */
function reference(img: RgbaImage, sx: number, sy: number, t: number, contiguous: boolean): Uint8Array {
  const { width: w, height: h, data } = img;
  const s = (sy * w + sx) * 4;
  const ok = (i: number) => [0, 1, 2].every((c) => Math.abs(data[i * 4 + c]! - data[s + c]!) <= t);
  const out = new Uint8Array(w * h);
  if (!contiguous) {
    for (let i = 0; i < w * h; i++) if (ok(i)) out[i] = 255;
    return out;
  }
  const queue = [sy * w + sx];
  out[queue[0]!] = 255;
  while (queue.length) {
    const i = queue.shift()!;
    const x = i % w;
    const y = (i / w) | 0;
    for (const [nx, ny] of [
      [x - 1, y],
      [x + 1, y],
      [x, y - 1],
      [x, y + 1],
    ] as const) {
      if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
      const j = ny * w + nx;
      if (!out[j] && ok(j)) {
        out[j] = 255;
        queue.push(j);
      }
    }
  }
  return out;
}

describe('magic wand and colour range', () => {
  it('select exactly the 4-connected region (or every pixel) within the tolerance of the clicked colour', () => {
    const rand = rng(13);
    for (let round = 0; round < 120; round++) {
      const w = 1 + Math.floor(rand() * 60);
      const h = 1 + Math.floor(rand() * 60);
      const img = patches(rand, w, h);
      const sx = Math.floor(rand() * w);
      const sy = Math.floor(rand() * h);
      const t = [0, 5, 12, 40, 255][round % 5]!;
      const contiguous = round % 2 === 0;
      const sel = wandSelect(img, sx + rand() * 0.99, sy + rand() * 0.99, { tolerance: t, contiguous })!;
      const got = new Uint8Array(w * h);
      for (let y = 0; y < sel.rect.height; y++)
        got.set(
          sel.data.subarray(y * sel.rect.width, (y + 1) * sel.rect.width),
          (sel.rect.y + y) * w + sel.rect.x,
        );
      const want = reference(img, sx, sy, t, contiguous);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      // The rectangle is the tight bounding box of what was selected.
      let minX = w,
        minY = h,
        maxX = -1,
        maxY = -1;
      want.forEach((v, i) => {
        if (!v) return;
        minX = Math.min(minX, i % w);
        maxX = Math.max(maxX, i % w);
        minY = Math.min(minY, (i / w) | 0);
        maxY = Math.max(maxY, (i / w) | 0);
      });
      expect(sel.rect).toEqual({ x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 });
    }
  });

  it('on wide photos, regions that wind across the 256-column blocks the fill scans are found whole', () => {
    // Random walls (vertical and horizontal strokes of a second colour) make mazes whose corridors cross the
    // blocks' edges in both directions; some walls stand exactly on a block edge.
    const rand = rng(31);
    for (let round = 0; round < 24; round++) {
      const w = 200 + Math.floor(rand() * 700);
      const h = 1 + Math.floor(rand() * 90);
      const data = new Uint8Array(w * h * 4);
      const wall = new Uint8Array(w * h);
      for (let n = 0; n < 10 + rand() * 60; n++) {
        const vertical = rand() < 0.5;
        const x0 =
          rand() < 0.3 ? 256 * Math.floor(rand() * 4) + Math.floor(rand() * 2) - 1 : Math.floor(rand() * w);
        const y0 = Math.floor(rand() * h);
        const len = 1 + Math.floor(rand() * (vertical ? h : w / 2));
        for (let k = 0; k < len; k++) {
          const x = vertical ? x0 : x0 + k;
          const y = vertical ? y0 + k : y0;
          if (x >= 0 && x < w && y >= 0 && y < h) wall[y * w + x] = 1;
        }
      }
      for (let i = 0; i < w * h; i++) {
        const v = wall[i] ? 30 : 200 + Math.floor(rand() * 6);
        data.set([v, v, v, 255], i * 4);
      }
      const img = { width: w, height: h, data };
      const sx = Math.floor(rand() * w);
      const sy = Math.floor(rand() * h);
      const sel = wandSelect(img, sx, sy, { tolerance: 10, contiguous: true })!;
      const got = new Uint8Array(w * h);
      const d = sel.data;
      for (let y = 0; y < sel.rect.height; y++)
        got.set(d.subarray(y * sel.rect.width, (y + 1) * sel.rect.width), (sel.rect.y + y) * w + sel.rect.x);
      expect(Buffer.from(got).equals(Buffer.from(reference(img, sx, sy, 10, true))), `round ${round}`).toBe(
        true,
      );
    }
  });

  it('a click outside the photo selects nothing', () => {
    const img = patches(rng(1), 10, 10);
    expect(wandSelect(img, -1, 3, { tolerance: 10, contiguous: true })).toBeNull();
    expect(wandSelect(img, 3, 10, { tolerance: 10, contiguous: false })).toBeNull();
  });
});
