/**
 * A mask saved lossy (JPEG, lossy WebP) reads as the user painted it: the encoder's noise near black and
 * white is snapped, so the region sent is the PNG mask's, while genuine greys are kept. Lossless files read
 * exactly as stored (mask-decode.test.ts).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maskBounds, maskFromFile, type Mask } from '../../../../electron/core/imaging';
import { rng } from '../../../support/prng';

/** How far from its edge a lossy encoder's ringing may reach: one 8x8 block (JPEG's, and WebP's 4x4 twice). */
const BLOCK = 8;

/** A random shape of hard or soft edge: a rectangle, a disc or a thick line. */
function randomShape(w: number, h: number, r: () => number): Uint8Array {
  const d = new Uint8Array(w * h);
  const kind = Math.floor(r() * 3);
  const feather = r() < 0.4 ? 0 : 2 + r() * 30;
  const cx = w * (0.3 + r() * 0.4);
  const cy = h * (0.3 + r() * 0.4);
  const a = 10 + r() * w * 0.25;
  const b = 10 + r() * h * 0.25;
  const slope = -2 + r() * 4;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const e =
        kind === 0
          ? Math.max(Math.abs(x - cx) - a, Math.abs(y - cy) - b)
          : kind === 1
            ? Math.hypot(x - cx, y - cy) - a
            : Math.abs(y - cy - slope * (x - cx)) / Math.hypot(1, slope) - b / 4;
      d[y * w + x] =
        feather === 0
          ? e <= 0
            ? 255
            : 0
          : Math.max(0, Math.min(255, Math.round(255 * (0.5 - e / feather))));
    }
  return d;
}

/** Whether the pixel at i has every pixel within `r` (Chebyshev) equal to v. */
function deepIn(d: Uint8Array, w: number, h: number, i: number, v: number, r: number): boolean {
  const x = i % w;
  const y = (i - x) / w;
  for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
    for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++)
      if (d[yy * w + xx] !== v) return false;
  return true;
}

type Lossy = 'jpeg-grey' | 'jpeg-rgb' | 'webp';

async function encode(d: Uint8Array, w: number, h: number, as: Lossy | 'png', quality: number) {
  let s = sharp(Buffer.from(d), { raw: { width: w, height: h, channels: 1 } });
  s = as === 'jpeg-grey' || as === 'png' ? s.toColourspace('b-w') : s.toColourspace('srgb');
  if (as === 'png') return new Uint8Array(await s.png().toBuffer());
  if (as === 'webp') return new Uint8Array(await s.webp({ quality }).toBuffer());
  return new Uint8Array(await s.jpeg({ quality }).toBuffer());
}

describe('maskFromFile on lossy files', () => {
  it('sends the PNG mask region for random shapes at every JPEG and WebP quality from 50 to 95', async () => {
    const r = rng(2026);
    const kinds: Lossy[] = ['jpeg-grey', 'jpeg-rgb', 'webp'];
    for (let t = 0; t < 36; t++) {
      const w = 96 + Math.floor(r() * 160);
      const h = 80 + Math.floor(r() * 120);
      const shape = randomShape(w, h, r);
      const as = kinds[t % kinds.length]!;
      const quality = 50 + Math.floor(r() * 46);
      const label = `${as} q${quality} ${w}x${h} case ${t}`;
      const png: Mask = await maskFromFile(await encode(shape, w, h, 'png', 0), w, h);
      const lossy = await maskFromFile(await encode(shape, w, h, as, quality), w, h);
      const want = maskBounds(png)!;
      const got = maskBounds(lossy);
      expect(got, label).not.toBeNull();
      // The region is the PNG mask's, grown at most by the ringing next to its edge.
      expect(got!.x, label).toBeGreaterThanOrEqual(want.x - BLOCK);
      expect(got!.y, label).toBeGreaterThanOrEqual(want.y - BLOCK);
      expect(got!.x + got!.width, label).toBeLessThanOrEqual(want.x + want.width + BLOCK);
      expect(got!.y + got!.height, label).toBeLessThanOrEqual(want.y + want.height + BLOCK);
      expect(got!.x, label).toBeLessThanOrEqual(want.x + BLOCK);
      expect(got!.x + got!.width, label).toBeGreaterThanOrEqual(want.x + want.width - BLOCK);
      // Away from the edge: nothing outside changes, everything inside changes fully.
      let outside = 0;
      let inside = 0;
      for (let i = 0; i < w * h; i++) {
        if (shape[i] === 0 && deepIn(shape, w, h, i, 0, BLOCK) && lossy.data[i] !== 0) outside++;
        if (shape[i] === 255 && deepIn(shape, w, h, i, 255, BLOCK) && lossy.data[i] !== 255) inside++;
      }
      expect(outside, `${label}: pixels changed outside the painted area`).toBe(0);
      expect(inside, `${label}: pixels not fully changed inside it`).toBe(0);
    }
  });

  it('keeps genuine greys: a half-strength and a faint area read as their grey, not snapped', async () => {
    const w = 128;
    const h = 64;
    const d = new Uint8Array(w * h);
    for (let y = 8; y < 56; y++) for (let x = 0; x < w; x++) d[y * w + x] = x < 40 ? 0 : x < 88 ? 128 : 24;
    for (const as of ['jpeg-grey', 'jpeg-rgb', 'webp'] as const)
      for (const quality of [50, 75, 95]) {
        const m = await maskFromFile(await encode(d, w, h, as, quality), w, h);
        for (const [x, v] of [
          [64, 128],
          [108, 24],
        ] as const) {
          const got = m.data[32 * w + x]!;
          expect(Math.abs(got - v), `${as} q${quality} grey ${v}`).toBeLessThanOrEqual(4);
        }
      }
  });

  it('reads a lossless WebP exactly as stored, with its faint values', async () => {
    const w = 32;
    const h = 16;
    const d = new Uint8Array(w * h);
    for (let i = 0; i < d.length; i++) d[i] = i % 7 === 0 ? 2 : i % 5 === 0 ? 253 : 0;
    const bytes = new Uint8Array(
      await sharp(Buffer.from(d), { raw: { width: w, height: h, channels: 1 } })
        .webp({ lossless: true })
        .toBuffer(),
    );
    expect(Buffer.from((await maskFromFile(bytes, w, h)).data).equals(Buffer.from(d))).toBe(true);
  });
});
