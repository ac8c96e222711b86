/**
 * What `maskroom edit` and `maskroom batch` share: the edit options both accept and the Ctrl-C / SIGTERM
 * handling around a run. Imports nothing heavy: the
 * CLI loads the core only for the commands that need it.
 */
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/errors';

/** The parseArgs options of one edit (its parameters, references, feather, mode and timeout). */
export const editOptions = {
  size: { type: 'string' },
  quality: { type: 'string' },
  background: { type: 'string' },
  'output-format': { type: 'string' },
  'output-compression': { type: 'string' },
  moderation: { type: 'string' },
  reference: { type: 'string', multiple: true },
  feather: { type: 'string' },
  mode: { type: 'string' },
  timeout: { type: 'string' },
} as const;

type OptionDefs = Readonly<Record<string, { readonly type: string; readonly multiple?: boolean }>>;

/**
 * parseArgs keeps the last of a repeated option that takes one value: `--prompt p --prompt q` would pay for
 * "q" without a word. A repeated one of those is refused in one sentence naming the options that may repeat
 * (those declared `multiple`); boolean flags are left alone. Pass the tokens of `parseArgs({ tokens: true })`.
 */
export function refuseRepeated(
  options: OptionDefs,
  tokens: ReadonlyArray<{ kind: string; name?: string }>,
): void {
  const repeatable = Object.keys(options)
    .filter((k) => options[k]!.multiple)
    .map((k) => `--${k}`);
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !t.name) continue;
    const def = options[t.name];
    if (!def || def.type !== 'string' || def.multiple) continue;
    if (seen.has(t.name))
      throw new AppError(
        'invalid-input',
        `--${t.name} is given more than once, and only one can be used; give it once (only ${repeatable.join(' and ')} may be repeated).`,
      );
    seen.add(t.name);
  }
}

/** An abort signal that fires with `reason` on Ctrl-C / SIGTERM until disposed. */
export function interruptible(reason: unknown): { signal: AbortSignal; dispose: () => void } {
  const c = new AbortController();
  const stop = () => c.abort(reason);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: c.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/**
 * A path option written `~/...` (or `~` alone) names the home folder: the shell expands it only at the start of
 * a word, so `--out=~/x.jpg` or a quoted "~/x.jpg" would otherwise make a folder named "~" in the current one.
 * `names` are the path options; values of other options are left as they are.
 */
export function expandHome<T extends Record<string, unknown>>(
  values: T,
  names: readonly string[],
  home: string = os.homedir(),
): T {
  const one = (v: string) => (v === '~' ? home : v.startsWith('~/') ? path.join(home, v.slice(2)) : v);
  const out: Record<string, unknown> = { ...values };
  for (const n of names) {
    const v = out[n];
    if (typeof v === 'string') out[n] = one(v);
    else if (Array.isArray(v)) out[n] = v.map((x) => (typeof x === 'string' ? one(x) : x));
  }
  return out as T;
}
