import { describe, expect, it } from 'vitest';
import { MaskEngine } from '../../../../../renderer/canvas/mask/engine';
import { maskInfo } from '../../../../../renderer/canvas/mask-actions';

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

/** The box of the non-zero bytes, found by reading every pixel (the reference). */
function scanBounds(bytes: Uint8Array, w: number, h: number) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (bytes[y * w + x] === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('MaskTiles.bounds (the painted box the prompt panel warns from)', () => {
  it('equals a scan of every pixel after random strokes, erasing, regions, single pixels and undo', () => {
    const rand = rng(7);
    const int = (n: number) => Math.floor(rand() * n);
    let checked = 0;
    for (let round = 0; round < 60; round++) {
      const tileSize = [8, 16, 64, 256][round % 4]!;
      const w = 1 + int(400);
      const h = 1 + int(400);
      const e = new MaskEngine(w, h, { tileSize });
      expect(e.bounds()).toBeNull();
      for (let op = 0; op < 12; op++) {
        const kind = int(6);
        if (kind <= 1) {
          // A stroke of a few points, painting or erasing, with any brush size and hardness.
          e.beginStroke({ mode: kind === 0 ? 'paint' : 'erase', size: 1 + int(60), hardness: rand() });
          for (let k = 1 + int(4); k > 0; k--) e.strokeTo(rand() * w, rand() * h);
          e.endStroke();
        } else if (kind === 2) {
          // A region of sparse values (a selection tool's write), zeros included.
          const rw = 1 + int(w);
          const rh = 1 + int(h);
          const r = { x: int(w - rw + 1), y: int(h - rh + 1), width: rw, height: rh };
          const d = new Uint8Array(rw * rh);
          for (let i = 0; i < d.length; i++) if (rand() < 0.002) d[i] = 1 + int(255);
          e.writeRegion(r, d);
        } else if (kind === 3) {
          // One pixel anywhere, the photo's corners and edges included.
          const x = [0, w - 1, int(w)][int(3)]!;
          const y = [0, h - 1, int(h)][int(3)]!;
          e.writeRegion({ x, y, width: 1, height: 1 }, new Uint8Array([1 + int(255)]));
        } else if (kind === 4) {
          e.undo();
        } else if (rand() < 0.3) {
          e.clear();
        } else {
          e.invert();
        }
        const want = scanBounds(e.toBytes(), w, h);
        expect(e.bounds()).toEqual(want);
        expect(maskInfo(e)).toMatchObject({ empty: want === null, bounds: want });
        checked++;
      }
    }
    expect(checked).toBe(720);
  });

  it('skips a tile that is allocated but all zero', () => {
    const e = new MaskEngine(100, 60, { tileSize: 16 });
    e.restore(0, new Uint8Array(16 * 16), true);
    expect(e.bounds()).toBeNull();
    e.writeRegion({ x: 50, y: 40, width: 1, height: 1 }, new Uint8Array([9]));
    expect(e.bounds()).toEqual({ x: 50, y: 40, width: 1, height: 1 });
  });
});
