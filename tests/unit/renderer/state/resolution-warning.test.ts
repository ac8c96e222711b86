/**
 * The prompt panel's low-resolution warning as the state derives it: from the mask's box reported by the
 * canvas, the photo's size and the size chosen in Advanced, it agrees with the region the core plans for
 * the same mask (planRegion), for any photo, box and size.
 */
import { describe, expect, it } from 'vitest';
import { apiSizes, type ApiSize } from '../../../../shared/contract';
import { generatedScale } from '../../../../shared/region-scale';
import { planRegion } from '../../../../electron/core/imaging/region';
import { resolutionWarning } from '../../../../renderer/state/edit-request';
import { initialState, type EditorState } from '../../../../renderer/state/model';
import { maskChangedTo } from '../../../../renderer/state/tools-view';
import { pick, project, rng } from './fake-api';

function stateFor(width: number, height: number, size: ApiSize | 'auto'): EditorState {
  const s = initialState();
  return { ...s, project: { ...project(1, []), width, height }, params: { ...s.params, size } };
}

describe('resolutionWarning', () => {
  it('warns exactly when the core would generate the region below half the resolution, at that percentage', () => {
    const r = rng(11);
    const int = (n: number) => Math.floor(r() * n);
    let warned = 0;
    let quiet = 0;
    for (let round = 0; round < 80; round++) {
      const w = 64 + int(2500);
      const h = 64 + int(2500);
      const bw = 1 + int(w);
      const bh = 1 + int(h);
      const bounds = { x: int(w - bw + 1), y: int(h - bh + 1), width: bw, height: bh };
      const size = pick(r, ['auto', ...apiSizes] as const);
      // The mask the core would get: its box's two corners painted.
      const data = new Uint8Array(w * h);
      data[bounds.y * w + bounds.x] = 255;
      data[(bounds.y + bh - 1) * w + bounds.x + bw - 1] = 255;
      const scale = generatedScale(
        planRegion({ width: w, height: h, data }, { width: w, height: h }, { size }).scale,
      );

      const s0 = stateFor(w, h, size);
      const s = {
        ...s0,
        ...maskChangedTo(s0, { empty: false, canUndo: true, canRedo: false, bounds }, false),
      };
      const warning = resolutionWarning(s);
      if (scale < 0.5) {
        warned++;
        expect(warning).toContain(`${Math.round(scale * 100)} % of the photo's resolution`);
        expect(warning).toMatch(/smaller mask|several edits/);
      } else {
        quiet++;
        expect(warning).toBeNull();
      }
      // Once the mask is cleared there is no box and no warning, whatever the box was.
      const cleared = { ...s, ...maskChangedTo(s, { empty: true }, true) };
      expect(cleared.mask.bounds).toBeNull();
      expect(resolutionWarning(cleared)).toBeNull();
    }
    // The random boxes covered both sides of the threshold.
    expect(warned).toBeGreaterThan(5);
    expect(quiet).toBeGreaterThan(5);
  });

  it('follows the size chosen in Advanced and needs a photo', () => {
    // A wide band on a 6000x4000 photo (a 2600x1240 region with its margin): the landscape size, which auto
    // picks, keeps it above half; the square and portrait ones, fixed in Advanced, do not.
    const bounds = { x: 2000, y: 1900, width: 1560, height: 200 };
    const at = (size: ApiSize | 'auto') => {
      const s0 = stateFor(6000, 4000, size);
      return resolutionWarning({ ...s0, ...maskChangedTo(s0, { bounds, empty: false }, false) });
    };
    expect(at('1536x1024')).toBeNull();
    expect(at('auto')).toBeNull();
    expect(at('1024x1024')).toMatch(/^This edit would be generated at 39 %/);
    expect(at('1024x1536')).toMatch(/^This edit would be generated at 39 %/);
    const noPhoto = { ...initialState(), mask: { empty: false, canUndo: true, canRedo: false, bounds } };
    expect(resolutionWarning(noPhoto)).toBeNull();
  });
});
