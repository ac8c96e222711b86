/** The CLI's edit-parameter flags: checked and documented from the contract's schema. */
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { editParamFields, isChoiceParam, paramOptions, paramRange } from '../../../../shared/edit-params';
import { AppError } from '../../../../shared/errors';
import { editParamsFromFlags, paramHelp } from '../../../../electron/hosts/cli-params';
import { HELP } from '../../../../electron/hosts/cli';

function refusal(flags: Record<string, string>): AppError {
  try {
    editParamsFromFlags(flags);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`);
}

describe('edit parameter flags', () => {
  it('default every parameter the flags leave out, as the schema does', () => {
    expect(editParamsFromFlags({})).toEqual(EditParams.parse({}));
  });

  it('accept every value the schema accepts, each flag alone and all together', () => {
    const all: Record<string, string> = {};
    const expected: Record<string, string | number> = {};
    for (const f of editParamFields) {
      const values = isChoiceParam(f.key)
        ? [...paramOptions(f.key)]
        : [paramRange(f.key).min, paramRange(f.key).max].map(String);
      for (const v of values) {
        const got = editParamsFromFlags({ [f.flag]: v });
        expect(String(got[f.key]), `--${f.flag} ${v}`).toBe(v);
      }
      all[f.flag] = values.at(-1)!;
      expected[f.key] = isChoiceParam(f.key) ? values.at(-1)! : Number(values.at(-1));
    }
    expect(editParamsFromFlags(all)).toEqual({ ...EditParams.parse({}), ...expected });
  });

  it('refuse a value outside the schema in one sentence naming the flag and what it takes', () => {
    for (const f of editParamFields) {
      const bad = isChoiceParam(f.key)
        ? ['nope', paramOptions(f.key)[0]!.toUpperCase()]
        : ['-1', '101', '5.5', 'x'];
      for (const v of bad) {
        const e = refusal({ [f.flag]: v });
        expect(e.code).toBe('invalid-input');
        expect(e.message, v).toContain(`--${f.flag} must be`);
        expect(e.message, v).toContain(`"${v}"`);
        if (isChoiceParam(f.key)) expect(e.message).toContain(paramOptions(f.key).join(', '));
        expect(e.message.match(/\.\s/g), e.message).toBeNull();
      }
    }
  });

  it('are documented in --help with the schema values and defaults', () => {
    const defaults = EditParams.parse({});
    for (const f of editParamFields) {
      const line = paramHelp(f.key);
      expect(HELP.split('\n')).toContain(line);
      expect(line).toMatch(new RegExp(`^  --${f.flag} ${f.metavar} +\\S`));
      expect(line.indexOf(f.metavar) + f.metavar.length).toBeLessThanOrEqual(28);
      const values = isChoiceParam(f.key)
        ? paramOptions(f.key).join(' | ')
        : `${paramRange(f.key).min}-${paramRange(f.key).max}`;
      expect(line).toContain(values);
      expect(line).toContain(`(default ${String(defaults[f.key])}`);
    }
  });
});
