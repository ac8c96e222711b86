/**
 * Object select's segmentation on synthetic photos of random sizes and shapes: a coloured blob on a striped,
 * noisy gradient, selected from a loose box (the blob's bounds grown by a random margin on each side).
 */
import { describe, expect, it } from 'vitest';
import { cropAround, segmentObject } from '../../../../../renderer/canvas/segment/segment';
import { iou, makeScene, rng } from '../../../../../renderer/canvas/dev/object-scene';

function cropOf(
  s: ReturnType<typeof makeScene>,
  box: { x: number; y: number; width: number; height: number },
) {
  const crop = cropAround(box, s);
  const data = new Uint8ClampedArray(crop.width * crop.height * 4);
  for (let y = 0; y < crop.height; y++) {
    const o = ((crop.y + y) * s.width + crop.x) * 4;
    data.set(s.data.subarray(o, o + crop.width * 4), y * crop.width * 4);
  }
  return { crop, data };
}

/** segmentObject on the crop around `box` (the box given in the crop's coordinates), as the tool runs it. */
function segmentInBox(
  s: ReturnType<typeof makeScene>,
  box: { x: number; y: number; width: number; height: number },
) {
  const { crop, data } = cropOf(s, box);
  const mask = segmentObject({
    width: crop.width,
    height: crop.height,
    data,
    box: { x: box.x - crop.x, y: box.y - crop.y, width: box.width, height: box.height },
  });
  return { crop, mask };
}

describe('segmentObject', () => {
  it('finds the object inside a loose box (IoU ≥ 0.9) on random scenes', () => {
    const r = rng(20261201);
    for (let t = 0; t < 8; t++) {
      const w = 120 + Math.floor(r() * 900);
      const h = 120 + Math.floor(r() * 900);
      const s = makeScene(w, h, 1 + Math.floor(r() * 1e6));
      const m = () => (0.05 + 0.2 * r()) * Math.max(s.bbox.width, s.bbox.height);
      const [l, top, rt, bt] = [m(), m(), m(), m()];
      const box = {
        x: s.bbox.x - l,
        y: s.bbox.y - top,
        width: s.bbox.width + l + rt,
        height: s.bbox.height + top + bt,
      };
      const { crop, mask } = segmentInBox(s, box);
      expect(mask).not.toBeNull();
      expect(iou(s, mask!, crop), `scene ${w}x${h}`).toBeGreaterThanOrEqual(0.9);
      // Nothing outside the box is ever selected.
      for (let y = 0; y < crop.height; y++)
        for (let x = 0; x < crop.width; x++) {
          const inBox =
            x + crop.x >= Math.floor(box.x) &&
            x + crop.x < Math.ceil(box.x + box.width) &&
            y + crop.y >= Math.floor(box.y) &&
            y + crop.y < Math.ceil(box.y + box.height);
          if (!inBox && mask![y * crop.width + x]) throw new Error(`selected outside the box at ${x},${y}`);
        }
    }
  });

  it('the box alone is not the answer: background inside the box stays out', () => {
    const s = makeScene(400, 300, 99);
    const box = { x: s.bbox.x - 40, y: s.bbox.y - 30, width: s.bbox.width + 80, height: s.bbox.height + 60 };
    const mask = segmentInBox(s, box).mask!;
    let on = 0;
    for (const v of mask) if (v) on++;
    let truth = 0;
    for (const v of s.truth) truth += v;
    expect(on).toBeLessThan(truth * 1.1);
    expect(on).toBeGreaterThan(truth * 0.9);
  });

  it('stops when cancelled, and a degenerate box selects nothing', () => {
    const s = makeScene(200, 200, 5);
    expect(
      segmentObject({ ...s, box: { x: 10, y: 10, width: 150, height: 150 } }, { cancelled: () => true }),
    ).toBeNull();
    const none = segmentObject({ ...s, box: { x: 50, y: 50, width: 1, height: 80 } })!;
    expect(none.every((v) => v === 0)).toBe(true);
  });
});
