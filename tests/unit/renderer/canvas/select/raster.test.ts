import { describe, expect, it } from 'vitest';
import {
  dragBox,
  rasterEllipse,
  rasterPolygon,
  rasterRect,
  type Selection,
} from '../../../../../renderer/canvas/select/raster';
import { rng } from './rng';

type Pt = { x: number; y: number };

/** The whole photo from a selection (0 outside its rectangle). */
function full(sel: Selection | null, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  if (!sel) return out;
  const { rect, data } = sel;
  expect(rect.x).toBeGreaterThanOrEqual(0);
  expect(rect.y).toBeGreaterThanOrEqual(0);
  expect(rect.x + rect.width).toBeLessThanOrEqual(w);
  expect(rect.y + rect.height).toBeLessThanOrEqual(h);
  expect(data.length).toBe(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++)
    out.set(data.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * w + rect.x);
  return out;
}

/** The reference: every pixel whose centre is inside, by a point test per pixel. */
function reference(w: number, h: number, inside: (x: number, y: number) => boolean): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x + 0.5, y + 0.5)) out[y * w + x] = 255;
  return out;
}

/** Crossing-number point-in-polygon (even-odd), written independently of the scanline filler. */
function inPolygon(pts: Pt[], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const a = pts[i]!;
    const b = pts[j]!;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) c = !c;
  }
  return c;
}

function diff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('selection rasterising', () => {
  it('a dragged rectangle is exactly its photo pixels, clipped to the photo, from any drag direction', () => {
    const rand = rng(7);
    for (let round = 0; round < 200; round++) {
      const w = 1 + Math.floor(rand() * 120);
      const h = 1 + Math.floor(rand() * 120);
      const a = { x: rand() * 1.6 * w - 0.3 * w, y: rand() * 1.6 * h - 0.3 * h };
      const b = { x: rand() * 1.6 * w - 0.3 * w, y: rand() * 1.6 * h - 0.3 * h };
      const box = dragBox(a, b, false);
      const got = full(rasterRect(box, { width: w, height: h }), w, h);
      const x0 = Math.round(Math.min(a.x, b.x));
      const x1 = Math.round(Math.max(a.x, b.x));
      const y0 = Math.round(Math.min(a.y, b.y));
      const y1 = Math.round(Math.max(a.y, b.y));
      expect(
        diff(
          got,
          reference(w, h, (x, y) => x > x0 && x < x1 && y > y0 && y < y1),
        ),
      ).toBe(0);
    }
  });

  it('the rectangle (100,100)–(300,250) is exactly 200×150 pixels at (100,100)', () => {
    const sel = rasterRect(dragBox({ x: 300.2, y: 249.7 }, { x: 99.6, y: 100.4 }, false), {
      width: 400,
      height: 300,
    })!;
    expect(sel.rect).toEqual({ x: 100, y: 100, width: 200, height: 150 });
    expect(sel.data.every((v) => v === 255)).toBe(true);
  });

  it('Shift makes the drag a square on the side of the longer move, in the drag direction', () => {
    const rand = rng(11);
    for (let i = 0; i < 100; i++) {
      const a = { x: Math.round(rand() * 500), y: Math.round(rand() * 500) };
      const b = { x: Math.round(rand() * 500), y: Math.round(rand() * 500) };
      const r = dragBox(a, b, true);
      const s = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y));
      expect(r.width).toBe(s);
      expect(r.height).toBe(s);
      expect(b.x >= a.x ? r.x : r.x + r.width).toBe(a.x);
      expect(b.y >= a.y ? r.y : r.y + r.height).toBe(a.y);
    }
  });

  it('an ellipse is the pixels whose centres are inside the ellipse inscribed in the box', () => {
    const rand = rng(3);
    let worst = 0;
    for (let round = 0; round < 200; round++) {
      const w = 1 + Math.floor(rand() * 150);
      const h = 1 + Math.floor(rand() * 150);
      const box = dragBox(
        { x: rand() * 1.4 * w - 0.2 * w, y: rand() * 1.4 * h - 0.2 * h },
        { x: rand() * 1.4 * w - 0.2 * w, y: rand() * 1.4 * h - 0.2 * h },
        round % 2 === 0,
      );
      const got = full(rasterEllipse(box, { width: w, height: h }), w, h);
      const rx = box.width / 2;
      const ry = box.height / 2;
      const cx = box.x + rx;
      const cy = box.y + ry;
      const want = reference(w, h, (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1);
      worst = Math.max(worst, diff(got, want));
    }
    // Pixel centres exactly on the curve may round either way; nothing else may differ.
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('a polygon (any shape, self-intersecting too) is filled even-odd at pixel centres', () => {
    const rand = rng(5);
    for (let round = 0; round < 150; round++) {
      const w = 1 + Math.floor(rand() * 100);
      const h = 1 + Math.floor(rand() * 100);
      const n = 3 + Math.floor(rand() * 12);
      const pts = Array.from({ length: n }, () => ({
        x: rand() * 1.4 * w - 0.2 * w,
        y: rand() * 1.4 * h - 0.2 * h,
      }));
      const got = full(rasterPolygon(pts, { width: w, height: h }), w, h);
      expect(
        diff(
          got,
          reference(w, h, (x, y) => inPolygon(pts, x, y)),
        ),
      ).toBe(0);
    }
  });

  it('a long freehand lasso (hundreds of points, vertices on pixel centres and rows) is filled even-odd too', () => {
    const rand = rng(17);
    for (let round = 0; round < 40; round++) {
      const w = 20 + Math.floor(rand() * 140);
      const h = 20 + Math.floor(rand() * 140);
      const n = 50 + Math.floor(rand() * 350);
      const cx = w / 2;
      const cy = h / 2;
      // A wobbly loop around the centre, half the rounds snapped to half-pixels (vertices on the scanlines).
      const pts = Array.from({ length: n }, (_, k) => {
        const a = (k / n) * 2 * Math.PI;
        const r = (0.2 + 0.5 * rand()) * Math.min(w, h) * (1 + 0.3 * Math.sin(7 * a));
        const x = cx + r * Math.cos(a);
        const y = cy + r * Math.sin(a);
        return round % 2 ? { x: Math.round(x * 2) / 2, y: Math.round(y * 2) / 2 } : { x, y };
      });
      const got = full(rasterPolygon(pts, { width: w, height: h }), w, h);
      expect(
        diff(
          got,
          reference(w, h, (x, y) => inPolygon(pts, x, y)),
        ),
        `round ${round}`,
      ).toBe(0);
    }
  });

  it('a polygon through the corners of a rectangle is that rectangle', () => {
    const rand = rng(9);
    for (let i = 0; i < 50; i++) {
      const x0 = Math.floor(rand() * 50);
      const y0 = Math.floor(rand() * 50);
      const x1 = x0 + 1 + Math.floor(rand() * 50);
      const y1 = y0 + 1 + Math.floor(rand() * 50);
      const poly = rasterPolygon(
        [
          { x: x0, y: y0 },
          { x: x1, y: y0 },
          { x: x1, y: y1 },
          { x: x0, y: y1 },
        ],
        { width: 120, height: 120 },
      );
      expect(poly).toEqual(
        rasterRect({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, { width: 120, height: 120 }),
      );
    }
  });
});
