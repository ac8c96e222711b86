/**
 * The region rule in shared/region-scale.ts is the one the core plans with: the renderer computes the scale
 * from the mask's box alone and must get what planRegion gets from the mask.
 */
import { describe, expect, it } from 'vitest';
import { maskBounds, planRegion, type Mask } from '../../../../electron/core/imaging';
import type { ApiSize } from '../../../../shared/contract';
import {
  generatedScale,
  lowResolutionWarning,
  regionFrame,
  resolutionNote,
} from '../../../../shared/region-scale';
import { rng } from '../../../support/prng';

describe('the shared region rule', () => {
  it('gives the scale and API size planRegion plans, for random photos, masks and size options', () => {
    const r = rng(38);
    const sizes: (ApiSize | 'auto')[] = ['auto', '1024x1024', '1536x1024', '1024x1536'];
    for (let t = 0; t < 300; t++) {
      const W = 1 + Math.floor(r() ** 2 * 5000);
      const H = 1 + Math.floor(r() ** 2 * 5000);
      // A few scattered painted pixels: the box is what matters, not the shape.
      const data = new Uint8Array(W * H);
      const n = 1 + Math.floor(r() * 4);
      for (let k = 0; k < n; k++)
        data[Math.floor(r() * H) * W + Math.floor(r() * W)] = 1 + Math.floor(r() * 255);
      const mask: Mask = { width: W, height: H, data };
      const size = sizes[Math.floor(r() * sizes.length)]!;
      const margin = r() < 0.3 ? Math.floor(r() * 300) : undefined;
      const plan = planRegion(mask, { width: W, height: H }, { size, margin });
      const f = regionFrame(maskBounds(mask)!, { width: W, height: H }, { size, margin });
      expect(f.scale, `${W}x${H} ${size} ${margin}`).toBe(plan.scale);
      expect(f.apiSize).toBe(plan.apiSize);
      expect(f.frameWidth).toBe(plan.crop.width + plan.pad.left + plan.pad.right);
      expect(f.frameHeight).toBe(plan.crop.height + plan.pad.top + plan.pad.bottom);
    }
  });

  it('caps the generated scale at 1 and words the notes by the percentage', () => {
    expect(generatedScale(2.5)).toBe(1);
    expect(generatedScale(0.38)).toBe(0.38);
    expect(resolutionNote(0.38)).toBe("generated at 38 % of the photo's resolution");
    expect(resolutionNote(1)).toBeNull();
    expect(resolutionNote(0.996)).toBeNull();
    expect(resolutionNote(null)).toBeNull();
    expect(lowResolutionWarning(0.6)).toBeNull();
    expect(lowResolutionWarning(4)).toBeNull();
    const w = lowResolutionWarning(0.25)!;
    expect(w).toContain('25 %');
    expect(w).toContain('smaller mask');
    expect(w.split('. ').length).toBe(1);
  });

  it('a whole 24 MP photo comes back at 26 %, a 1000x700 mask on it at full resolution', () => {
    const whole = regionFrame({ x: 0, y: 0, width: 6000, height: 4000 }, { width: 6000, height: 4000 });
    expect(Math.round(generatedScale(whole.scale) * 100)).toBe(26);
    const small = regionFrame({ x: 2500, y: 1650, width: 1000, height: 700 }, { width: 6000, height: 4000 });
    expect(generatedScale(small.scale)).toBeLessThan(1);
    expect(generatedScale(small.scale)).toBeGreaterThan(0.5);
  });
});
