/** The edit parameters as fields: every parameter of the schema once, with the schema's options and ranges. */
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../shared/contract';
import {
  editParamFields,
  isChoiceParam,
  paramDefault,
  paramOptions,
  paramRange,
} from '../../../shared/edit-params';
import { limits, range } from '../../../shared/limits';

describe('edit parameter fields', () => {
  it('list every parameter of the schema exactly once, each with a label and a CLI flag of its own', () => {
    expect(editParamFields.map((f) => f.key).sort()).toEqual(Object.keys(EditParams.shape).sort());
    for (const k of ['label', 'flag', 'metavar'] as const) {
      const values = editParamFields.map((f) => f[k]);
      expect(new Set(values).size, k).toBe(values.length);
      for (const v of values) expect(v.trim(), k).not.toBe('');
    }
  });

  it('offer exactly the values the schema accepts, and it refuses the rest', () => {
    for (const f of editParamFields) {
      if (!isChoiceParam(f.key)) continue;
      const options = paramOptions(f.key);
      expect(options.length, f.key).toBeGreaterThan(1);
      for (const o of options)
        expect(EditParams.safeParse({ [f.key]: o }).success, `${f.key}=${o}`).toBe(true);
      for (const o of options.map((x) => `${x}x`))
        expect(EditParams.safeParse({ [f.key]: o }).success, `${f.key}=${o}`).toBe(false);
      expect(options).toContain(paramDefault(f.key));
    }
  });

  it('give number parameters the range the schema checks, and the limits module declares', () => {
    for (const f of editParamFields) {
      if (isChoiceParam(f.key)) continue;
      const r = paramRange(f.key);
      expect(r).toEqual(limits[f.key]);
      for (const n of [r.min, r.max, Math.round((r.min + r.max) / 2)])
        expect(EditParams.safeParse({ [f.key]: n }).success, `${f.key}=${n}`).toBe(true);
      for (const n of [r.min - 1, r.max + 1, r.min + 0.5])
        expect(EditParams.safeParse({ [f.key]: n }).success, `${f.key}=${n}`).toBe(false);
    }
  });

  it('take their defaults from the schema', () => {
    const defaults = EditParams.parse({});
    for (const f of editParamFields) expect(paramDefault(f.key), f.key).toBe(defaults[f.key]);
  });
});

describe('limits', () => {
  it('list the whole numbers of a range, ends included', () => {
    for (let min = -3; min <= 3; min++)
      for (let max = min; max <= min + 6; max++) {
        const r = range({ min, max });
        expect(r.length).toBe(max - min + 1);
        expect(r[0]).toBe(min);
        expect(r.at(-1)).toBe(max);
        expect(r.every((n, i) => i === 0 || n === r[i - 1]! + 1)).toBe(true);
      }
    expect(range(limits.variations)).toEqual([1, 2, 3, 4]);
  });
});
