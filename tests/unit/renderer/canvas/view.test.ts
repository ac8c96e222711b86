import { describe, expect, it } from 'vitest';
import {
  fitView,
  zoomAt,
  screenToPhoto,
  actualSizeView,
  visiblePhotoRect,
  resizedView,
} from '../../../../renderer/canvas/view';
import { rng } from '../../../support/prng';

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

  it('keeps a fitted photo fitted through a resize, and any other view centred on the same photo point', () => {
    const r = rng(5);
    const dim = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo));
    for (let round = 0; round < 300; round++) {
      const photo = { width: dim(1, 12000), height: dim(1, 12000) };
      const from = { width: dim(40, 3000), height: dim(40, 2000) };
      // Often only the height changes (a bar docking under the stage), sometimes both.
      const to = { width: r() < 0.5 ? from.width : dim(40, 3000), height: dim(40, 2000) };
      const fitted = fitView(photo, from);
      expect(resizedView(fitted, photo, from, to)).toEqual(fitView(photo, to));

      const zoomed = zoomAt(fitted, dim(0, from.width), dim(0, from.height), fitted.scale * (1.5 + r() * 8));
      const moved = resizedView(zoomed, photo, from, to);
      expect(moved.scale).toBe(zoomed.scale);
      const c0 = screenToPhoto(zoomed, from.width / 2, from.height / 2);
      const c1 = screenToPhoto(moved, to.width / 2, to.height / 2);
      expect(c1.x).toBeCloseTo(c0.x, 6);
      expect(c1.y).toBeCloseTo(c0.y, 6);
      // Without a photo there is nothing to fit: the centre rule holds for the fitted view too.
      expect(resizedView(fitted, null, from, to).scale).toBe(fitted.scale);
    }
  });
});
