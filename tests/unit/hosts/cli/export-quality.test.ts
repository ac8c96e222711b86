/**
 * `export --quality N` only means something to the lossy encoders (JPEG, WebP). For a PNG, TIFF or PSD
 * export, and for --in-place (which writes the photo in its own format), it is refused in one sentence
 * before anything is read or written, instead of being ignored without a word.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { type FakeSegmind } from '../../../fake-segmind/server';
import { envFor, runCli, useChelseaWork } from './helpers';

let fake: FakeSegmind;
let work: string;
let template: string;

useChelseaWork('maskroom-export-quality-', (w) => void ({ fake, work, template } = w));

/** A small deterministic generator, so each case is reproducible from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const lossless: Array<[string, string]> = [
  ['png', 'PNG'],
  ['tif', 'TIFF'],
  ['tiff', 'TIFF'],
  ['psd', 'PSD'],
];

describe('export --quality', () => {
  it('is refused for every lossless format and for --in-place, whatever the value, writing nothing', async () => {
    const r = rng(7);
    const before = await fs.readFile(path.join(template, 'project.json'));
    for (const [ext, label] of lossless) {
      const q = String(1 + Math.floor(r() * 100));
      const out = path.join(work, `q-${ext}-${q}.${ext}`);
      const res = await runCli(['export', '--project', template, '--out', out, '--quality', q], {
        env: envFor(fake),
      });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toBe(`maskroom: --quality applies to JPEG and WebP; leave it out for ${label}.\n`);
      await expect(fs.stat(out)).rejects.toThrow();
      expect((await fs.readdir(work)).filter((n) => n.startsWith(`q-${ext}-`))).toEqual([]);
    }
    const inPlace = await runCli(['export', '--project', template, '--in-place', '--quality', '80'], {
      env: envFor(fake),
    });
    expect(inPlace.code, inPlace.stderr).toBe(1);
    expect(inPlace.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(inPlace.stderr).toMatch(
      /^maskroom: --quality applies to JPEG and WebP exports with --out; leave it out for --in-place/,
    );
    expect(await fs.readFile(path.join(template, 'project.json'))).toEqual(before);
  }, 90_000);

  it('is still taken for JPEG and WebP', async () => {
    for (const ext of ['jpg', 'webp']) {
      const out = path.join(work, `ok.${ext}`);
      const res = await runCli(['export', '--project', template, '--out', out, '--quality', '60'], {
        env: envFor(fake),
      });
      expect(res.code, res.stderr).toBe(0);
      expect((await sharp(out).metadata()).width).toBe(451);
    }
  }, 60_000);
});
