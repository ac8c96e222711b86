import { describe, expect, it } from 'vitest';
import { dilate, erode } from '../../../../../renderer/canvas/mask/morphology';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
}

/** Brute-force dilation by the same disc (dx² + dy² <= r² + r), to check the fast passes. */
function bruteDilate(src: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const offs: [number, number][] = [];
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r + r) offs.push([dx, dy]);
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (const [dx, dy] of offs) {
        const X = x + dx;
        const Y = y + dy;
        if (X >= 0 && Y >= 0 && X < w && Y < h && src[Y * w + X]! > m) m = src[Y * w + X]!;
      }
      out[y * w + x] = m;
    }
  return out;
}

describe('morphology', () => {
  it('matches a brute-force disc dilation and its dual erosion', () => {
    const r = rng(9);
    const w = 47;
    const h = 39;
    for (const radius of [1, 2, 3, 4, 5, 7, 10]) {
      // Sources at least r from the border (near it, chained passes may reach a little less far: documented).
      const src = Uint8Array.from({ length: w * h }, (_, i) => {
        const x = i % w;
        const y = Math.floor(i / w);
        const v = r() > 230 ? r() : 0;
        return x >= radius && y >= radius && x < w - radius && y < h - radius ? v : 0;
      });
      const fast = src.slice();
      dilate(fast, w, h, radius);
      expect(
        Buffer.from(fast).equals(Buffer.from(bruteDilate(src, w, h, radius))),
        `dilate r=${radius}`,
      ).toBe(true);
      const inv = Uint8Array.from(src, (v) => 255 - v);
      const ero = src.slice();
      erode(ero, w, h, radius);
      const expected = bruteDilate(inv, w, h, radius).map((v) => 255 - v);
      expect(Buffer.from(ero).equals(Buffer.from(expected)), `erode r=${radius}`).toBe(true);
    }
  });

  it('grows a single pixel into a disc of the given radius', () => {
    const w = 101;
    const buf = new Uint8Array(w * w);
    buf[50 * w + 50] = 255;
    dilate(buf, w, w, 30);
    expect(buf[50 * w + 80]).toBe(255);
    expect(buf[50 * w + 81]).toBe(0);
    expect(buf[80 * w + 50]).toBe(255);
    // Along the diagonal it reaches about r/√2 (≈21), not r (a square would reach 30).
    let d = 0;
    while (buf[(50 + d + 1) * w + 50 + d + 1]) d++;
    expect(d).toBeGreaterThanOrEqual(19);
    expect(d).toBeLessThanOrEqual(23);
  });
});
