import { describe, expect, it } from 'vitest';
import {
  fitView,
  zoomAt,
  screenToPhoto,
  actualSizeView,
  visiblePhotoRect,
} from '../../../../renderer/canvas/view';

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
