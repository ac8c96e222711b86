/**
 * `maskroom batch --out` writes the result of a greyscale photo greyscale, as save back writes into one: one
 * grey channel at the photo's depth, each sample outside the edit (and its feather) the photo's own, while an
 * RGB photo's result stays RGB. Over seeded random grey noise in PNG and TIFF, 8 and 16 bit, and a JPEG.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { encodePng } from '../../../../electron/core/imaging/png';
import { writeTiff } from '../../../../electron/core/imaging/tiff';
import { MemorySink } from '../../../../electron/core/imaging/export-sink';
import { rng } from '../../../support/prng';
import { cliArgs, dilate, envFor, readMask, runCli, tempDir, writeEllipseMask } from './helpers';

const W = 160;
const H = 120;

let fake: FakeSegmind;
let work: string;

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 0 });
  work = await tempDir('maskroom-batch-grey-');
  await writeEllipseMask(path.join(work, 'mask.png'), W, H, 80, 60, 30, 20);
});

afterAll(async () => {
  await fake?.close();
  await fs.rm(work, { recursive: true, force: true });
});

/** One grey channel's samples of a file, at its depth. */
async function greySamples(file: string, depth: 8 | 16): Promise<Uint8Array | Uint16Array> {
  const { data, info } = await sharp(file)
    .extractChannel(0)
    .raw(depth === 16 ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return depth === 16
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Uint8Array(data);
}

interface Case {
  name: string;
  depth: 8 | 16;
  /** Samples are kept exactly (a lossless format). */
  exact: boolean;
}

describe('batch --out of a greyscale photo', () => {
  it('writes it greyscale at its depth with its own samples outside the edit; an RGB photo stays RGB', async () => {
    const r = rng(20261203);
    const images = path.join(work, 'photos');
    await fs.mkdir(images);
    const cases: Case[] = [];
    for (const depth of [8, 16] as const) {
      const max = depth === 16 ? 65535 : 255;
      const pixels = depth === 16 ? new Uint16Array(W * H) : new Uint8Array(W * H);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(r() * (max + 1));
      const png = encodePng({ width: W, height: H, channels: 1, depth, pixels });
      await fs.writeFile(path.join(images, `grey${depth}.png`), png);
      cases.push({ name: `grey${depth}.png`, depth, exact: true });
      // The project's TIFF writer: sharp's would write 16-bit grey as 8 bit.
      const tiff = new MemorySink();
      await writeTiff({ width: W, height: H, channels: 1, depth, pixels }, tiff);
      await fs.writeFile(path.join(images, `grey${depth}.tif`), tiff.bytes());
      cases.push({ name: `grey${depth}.tif`, depth, exact: true });
    }
    await sharp(path.join(images, 'grey8.png'))
      .toColourspace('b-w')
      .jpeg({ quality: 90 })
      .toFile(path.join(images, 'grey8.jpg'));
    cases.push({ name: 'grey8.jpg', depth: 8, exact: false });
    await sharp({ create: { width: W, height: H, channels: 3, background: '#3366cc' } })
      .png()
      .toFile(path.join(images, 'colour.png'));
    const source = new Map<string, sharp.Metadata>();
    for (const c of cases) {
      const m = await sharp(path.join(images, c.name)).metadata();
      expect([m.channels, m.depth], c.name).toEqual([1, c.depth === 16 ? 'ushort' : 'uchar']);
      source.set(c.name, m);
    }

    const out = path.join(work, 'out');
    const run = await runCli(
      cliArgs('batch', {
        out,
        images,
        mask: path.join(work, 'mask.png'),
        prompt: 'a hat',
        quality: 'low',
        feather: '4',
      }),
      { env: envFor(fake) },
    );
    expect(run.code, run.stderr).toBe(0);

    const reach = dilate(await readMask(path.join(work, 'mask.png')), 12);
    for (const c of cases) {
      const file = path.join(out, c.name);
      const m = await sharp(file).metadata();
      const was = source.get(c.name)!;
      expect([m.width, m.height, m.channels, m.space, m.depth], c.name).toEqual([
        W,
        H,
        1,
        was.space,
        was.depth,
      ]);
      if (!c.exact) continue;
      const before = await greySamples(path.join(images, c.name), c.depth);
      const after = await greySamples(file, c.depth);
      let kept = 0;
      for (let i = 0; i < W * H; i++) {
        if (reach[i]) continue;
        expect(after[i], `${c.name} sample ${i}`).toBe(before[i]);
        kept++;
      }
      expect(kept).toBeGreaterThan((W * H) / 2);
    }
    const colour = await sharp(path.join(out, 'colour.png')).metadata();
    expect([colour.channels, colour.space]).toEqual([3, 'srgb']);
  }, 120_000);
});
