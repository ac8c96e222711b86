/**
 * rehearseComposite runs the composite's result-dependent code on made-up pixels while an edit waits. It
 * must leave nothing behind: the preparation is unchanged, and the patch compositePrepared makes afterwards
 * is bit for bit the one it makes without a rehearsal (8 and 16 bit, seamless colour match and none). What
 * it gives back is the first rows of the blend box packed as a patch is, the weight as alpha, for
 * rehearsing the layer's files.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildApiInputs, encodePatch, planRegion } from '../../../../electron/core/imaging';
import {
  compositePrepared,
  prepareComposite,
  rehearseComposite,
} from '../../../../electron/core/imaging/composite';
import { decodePatch } from '../../../../electron/core/imaging/patch';
import { rng } from '../../../support/prng';
import { discMask, gradientNoisePhoto as photo } from './helpers';

/** Deep equality, typed arrays compared as bytes (vitest's toEqual walks them element by element). */
function sameDeep(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    );
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => sameDeep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe('rehearseComposite', () => {
  it(
    'changes neither the preparation nor the patch made after it (seeded)',
    { timeout: 120_000 },
    async () => {
      const r = rng(5);
      const cases = [
        { w: 900, h: 640, rad: 140, depth: 8 as const, colorMatch: true },
        { w: 1300, h: 1700, rad: 420, depth: 16 as const, colorMatch: true },
        { w: 700, h: 500, rad: 90, depth: 8 as const, colorMatch: false },
        { w: 3000, h: 2000, rad: 700, depth: 8 as const, colorMatch: true },
      ];
      for (const c of cases) {
        const p = photo(c.w, c.h, c.depth, r);
        const mask = discMask(c.w, c.h, c.w / 2 + 7, c.h / 2 - 5, c.rad);
        const plan = planRegion(mask, p);
        const inputs = await buildApiInputs(p, mask, plan);
        // A model's answer: the sent image, brighter (the seam field has a drift to correct).
        const result = new Uint8Array(
          await sharp(inputs.image).modulate({ brightness: 1.08 }).png().toBuffer(),
        );
        const prep = await prepareComposite(p, mask, plan, { feather: 4, colorMatch: c.colorMatch });
        const before = structuredClone(prep);
        const alone = await compositePrepared(prep, result);

        const rehearsed = rehearseComposite(prep);
        expect(sameDeep(prep, before)).toBe(true);
        const after = await compositePrepared(prep, result);
        expect(after.rect).toEqual(alone.rect);
        expect(Buffer.from(after.rgba.buffer).equals(Buffer.from(alone.rgba.buffer)), `${c.w}x${c.h}`).toBe(
          true,
        );

        // The rehearsal's patch: the blend box's first rows, where the patch lands, with the weight as alpha.
        const rows = Math.min(prep.wb.height, 256);
        expect(rehearsed.rect).toEqual({ ...prep.rect, height: rows });
        expect(rehearsed.depth).toBe(c.depth);
        const unit = c.depth === 16 ? 257 : 1;
        let painted = 0;
        let wrong = 0;
        for (let i = 0; i < prep.wb.width * rows; i++) {
          if (rehearsed.rgba[i * 4 + 3] !== prep.weight[i]! * unit) wrong++;
          if (prep.weight[i]! > 0) painted++;
        }
        expect(wrong).toBe(0);
        expect(painted).toBeGreaterThan(0);
        // And it encodes as a patch does.
        const back = await decodePatch(await encodePatch(rehearsed));
        expect(back.rect).toEqual(rehearsed.rect);
        expect(Buffer.from(back.rgba.buffer).equals(Buffer.from(rehearsed.rgba.buffer))).toBe(true);
      }
    },
  );
});
