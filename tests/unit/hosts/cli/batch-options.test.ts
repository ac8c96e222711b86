/**
 * `maskroom batch` reads its options as `maskroom edit` does: a single-value option given twice is refused
 * in one sentence before anything is read, planned or sent, whatever its position or spelling; the options
 * meant to repeat (--image, --reference) still repeat.
 */
import { describe, expect, it } from 'vitest';
import { cmdBatch, type BatchHost, type BatchIo } from '../../../../electron/hosts/cli-batch';
import { AppError } from '../../../../shared/errors';

const io: BatchIo = { out: () => {}, err: () => {} };
const host: BatchHost = {
  pipelineDeps: () => {
    throw new Error('the service must not be reached');
  },
};

/** The options of batch that take one value each (docs/cli.md, "batch"). */
const single = [
  'out',
  'images',
  'mask',
  'masks',
  'prompt',
  'concurrency',
  'size',
  'quality',
  'background',
  'output-format',
  'output-compression',
  'moderation',
  'feather',
  'mode',
  'timeout',
];

/** A small deterministic generator, so each case is reproducible from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function refusal(argv: string[]): Promise<AppError> {
  const e: unknown = await cmdBatch(argv, io, {}, host).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, argv.join(' ')).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('batch options', () => {
  it('refuses any repeated single-value option, in any position and spelling', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const name = single[Math.floor(r() * single.length)]!;
      const value = () => (r() < 0.3 ? '-1' : `v${Math.floor(r() * 100)}`);
      const word = (n: string) => (r() < 0.4 ? [`--${n}=${value()}`] : [`--${n}`, value()]);
      const others = single.filter((n) => n !== name && r() < 0.3).map((n) => word(n));
      const cut = Math.floor(r() * (others.length + 1));
      const argv = [
        ...word(name),
        ...others.slice(0, cut).flat(),
        ...word(name),
        ...others.slice(cut).flat(),
      ];
      const e = await refusal(argv);
      expect(e.code, argv.join(' ')).toBe('invalid-input');
      expect(e.message, argv.join(' ')).toBe(
        `--${name} is given more than once, and only one can be used; give it once (only --image and --reference may be repeated).`,
      );
    }
  });

  it('still takes --image and --reference more than once', async () => {
    const e = await refusal([
      '--image',
      'a.jpg',
      'b.jpg',
      '--image',
      'c.jpg',
      '--reference',
      'r.png',
      '--reference',
      'r.png',
      '--json',
      '--json',
    ]);
    expect(e.message).toMatch(/^--out is missing/);
  });
});
