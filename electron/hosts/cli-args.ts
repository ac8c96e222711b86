/**
 * What `maskroom edit` and `maskroom batch` share: the edit options both accept and the Ctrl-C / SIGTERM
 * handling around a run. Imports nothing heavy: the
 * CLI loads the core only for the commands that need it.
 */

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
