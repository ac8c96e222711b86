/**
 * The CLI's edit-parameter flags (--size, --quality...): their checks and their lines of --help, built from the
 * contract's EditParams schema through shared/edit-params.ts, so the CLI offers exactly what the app sends.
 */
import { EditParams } from '../../shared/contract';
import {
  editParamFields,
  isChoiceParam,
  paramDefault,
  paramOptions,
  paramRange,
  type EditParamKey,
} from '../../shared/edit-params';
import { AppError } from '../../shared/errors';

const invalid = (message: string) => new AppError('invalid-input', message);

/** A whole number from `lo` to `hi`, or undefined when the flag is absent. */
export function intIn(v: string | undefined, flag: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw invalid(`${flag} must be a whole number from ${lo} to ${hi}, not "${v}".`);
  return n;
}

/** A number from `lo` to `hi`, or undefined when the flag is absent. */
export function numIn(v: string | undefined, flag: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi)
    throw invalid(`${flag} must be a number from ${lo} to ${hi}, not "${v}".`);
  return n;
}

/** One of `allowed`, or undefined when the flag is absent. */
export function oneOf<T extends string>(
  v: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw invalid(`${flag} must be one of ${allowed.join(', ')}, not "${v}".`);
  return v as T;
}

/** The edit parameters from the flags, each checked with a message naming the flag; absent ones default. */
export function editParamsFromFlags(v: Readonly<Record<string, unknown>>): EditParams {
  const input: Partial<Record<EditParamKey, unknown>> = {};
  for (const f of editParamFields) {
    const raw = v[f.flag];
    const value = typeof raw === 'string' ? raw : undefined;
    const flag = `--${f.flag}`;
    if (isChoiceParam(f.key)) input[f.key] = oneOf(value, flag, paramOptions(f.key));
    else {
      const r = paramRange(f.key);
      input[f.key] = intIn(value, flag, r.min, r.max);
    }
  }
  const parsed = EditParams.safeParse(input);
  if (!parsed.success)
    throw invalid(
      `Invalid edit parameters (${parsed.error.issues[0]?.message ?? 'unknown'}); see maskroom --help.`,
    );
  return parsed.data;
}

/** What --help says around a parameter's values, where a list and a default are not enough. */
const helpWords: Partial<Record<EditParamKey, { before?: string; after?: string; whyDefault?: string }>> = {
  size: { whyDefault: ': the best fit for the region' },
  quality: { before: 'edit: ' },
  outputFormat: { after: ': the format the service answers in' },
};

/** The --help line of one edit parameter: `  --size SIZE   auto | 1024x1024 ... (default auto...).` */
export function paramHelp(key: EditParamKey): string {
  const f = editParamFields.find((x) => x.key === key);
  if (!f) throw new Error(`no CLI flag for the edit parameter ${key}`);
  const w = helpWords[key] ?? {};
  let values: string;
  if (isChoiceParam(key)) values = paramOptions(key).join(' | ');
  else {
    const r = paramRange(key);
    values = `${r.min}-${r.max}`;
  }
  const text = `${w.before ?? ''}${values}${w.after ?? ''} (default ${String(paramDefault(key))}${w.whyDefault ?? ''}).`;
  return `  ${`--${f.flag} ${f.metavar}`.padEnd(26)}${text}`;
}
