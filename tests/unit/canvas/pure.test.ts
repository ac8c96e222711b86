import { describe, expect, it } from 'vitest';
import { packBits, unpackBits } from '../../../renderer/canvas/packbits';
import { dilate, erode, octagonParts } from '../../../renderer/canvas/morphology';
import {
  fitView,
  zoomAt,
  screenToPhoto,
  actualSizeView,
  visiblePhotoRect,
} from '../../../renderer/canvas/view';
import { overlayLut, renderOverlayRect, parseColor } from '../../../renderer/canvas/overlay';
import { MaskEngine } from '../../../renderer/canvas/mask-engine';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
}

describe('packBits', () => {
  it('round-trips runs, literals, noise and edge cases', () => {
    const r = rng(1);
    const cases = [
      new Uint8Array(0),
      new Uint8Array([7]),
      new Uint8Array(65536),
      new Uint8Array(65536).fill(255),
      Uint8Array.from({ length: 5000 }, () => r()),
      Uint8Array.from({ length: 5000 }, (_, i) => (i % 300 < 150 ? 0 : i % 7)),
      Uint8Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : (i >> 4) & 1)),
    ];
    for (const c of cases) {
      const p = packBits(c);
      expect(Buffer.from(unpackBits(p, new Uint8Array(c.length))).equals(Buffer.from(c))).toBe(true);
      expect(p.length).toBeLessThanOrEqual(c.length + Math.ceil(c.length / 128) + 1);
    }
    expect(packBits(new Uint8Array(65536)).length).toBeLessThan(1100);
  });
});

/** Brute-force dilation by the same octagon (Minkowski sum of the parts), to check the fast passes. */
function bruteDilate(src: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const { square: a, diamond: b } = octagonParts(r);
  const offs: [number, number][] = [];
  for (let dy = -(a + b); dy <= a + b; dy++) {
    for (let dx = -(a + b); dx <= a + b; dx++) {
      // In the octagon if it is within the square a expanded by a diamond of b.
      const ex = Math.max(0, Math.abs(dx) - a);
      const ey = Math.max(0, Math.abs(dy) - a);
      if (ex + ey <= b) offs.push([dx, dy]);
    }
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
  it('matches a brute-force octagon dilation and its dual erosion', () => {
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

  it('grows a single pixel into a near-round octagon of the given radius', () => {
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

describe('view', () => {
  it('fits a 6000x4000 photo into 1280x800 centred, and zooms toward a point', () => {
    const v = fitView({ width: 6000, height: 4000 }, { width: 1280, height: 800 });
    expect(v.scale).toBeCloseTo((800 - 32) / 4000, 6);
    expect(v.x + (6000 * v.scale) / 2).toBeCloseTo(640, 6);
    const before = screenToPhoto(v, 300, 200);
    const z = zoomAt(v, 300, 200, v.scale * 3);
    const after = screenToPhoto(z, 300, 200);
    expect(after.x).toBeCloseTo(before.x, 6);
    expect(after.y).toBeCloseTo(before.y, 6);
    const one = actualSizeView(v, { width: 1280, height: 800 });
    expect(one.scale).toBe(1);
    expect(visiblePhotoRect(one, { width: 1280, height: 800 }, { width: 6000, height: 4000 })).toEqual({
      x: 2360,
      y: 1600,
      width: 1280,
      height: 800,
    });
  });
});

describe('overlay', () => {
  it('tints mask values once: the same value always gives the same colour, alpha = value·opacity', () => {
    const lut = overlayLut('#ff0000', 0.5);
    expect(lut[0]).toBe(0);
    expect(lut[255]! >>> 24).toBe(128);
    expect(lut[255]! & 255).toBe(255);
    expect(parseColor('#0f0')).toEqual([0, 255, 0]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
  });

  it('samples the mask at the photo pixel under each screen pixel', () => {
    const e = new MaskEngine(600, 400);
    e.beginStroke({ mode: 'paint', size: 40, hardness: 1 });
    e.strokeTo(100, 100);
    e.strokeTo(500, 100);
    e.endStroke();
    // Overlapping second stroke: crossing must not change the tint.
    e.beginStroke({ mode: 'paint', size: 40, hardness: 1 });
    e.strokeTo(300, 20);
    e.strokeTo(300, 380);
    e.endStroke();
    const lut = overlayLut('#00ff00', 0.6);
    const W = 300;
    const H = 200;
    const out = new Uint32Array(W * H);
    const v = { scale: 0.5, x: 0, y: 0 };
    renderOverlayRect(e, v, out, W, { x: 0, y: 0, width: W, height: H }, lut);
    expect(out[50 * W + 100]).toBe(lut[255]); // single stroke (photo 200,100)
    expect(out[50 * W + 150]).toBe(lut[255]); // crossing (photo 300,100)
    expect(out[150 * W + 150]).toBe(lut[255]); // vertical stroke alone
    expect(out[150 * W + 50]).toBe(0);
    // A partial rect leaves the rest untouched.
    const out2 = new Uint32Array(W * H).fill(7);
    renderOverlayRect(e, v, out2, W, { x: 140, y: 40, width: 20, height: 20 }, lut);
    expect(out2[0]).toBe(7);
    expect(out2[50 * W + 150]).toBe(lut[255]);
  });
});
