/**
 * The streamed exports: the PNG written strip by strip through a streaming deflate decodes (by sharp) to
 * exactly the photo's samples over random odd sizes, 8/16 bit, RGB/RGBA, with the profile and EXIF; a file
 * written as it is encoded holds the same bytes as the in-memory export in every format (the TIFF's header
 * patched in place on disk); progress only grows and ends complete; a full disk reports the file's size.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exportImage,
  exportImageToFile,
  loadPhoto,
  MemorySink,
  neededBytes,
  writeStreamedFile,
  type Photo,
} from '../../../../electron/core/imaging';
import { encodeTiff, writeTiff } from '../../../../electron/core/imaging/tiff';
import { normaliseExif } from '../../../../electron/core/imaging/exif';
import { encodePsd } from '../../../../electron/core/imaging/export-psd';
import { photoBytes } from './helpers';
import { magickLayers, psdFile } from './psd-reader';
import { rng } from '../../../support/prng';
import { execFileSync } from 'node:child_process';

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-export-stream-'));
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function randomPhoto(
  r: () => number,
  size: { width: number; height: number },
  depth: 8 | 16,
  channels: 3 | 4,
  meta: { icc: Uint8Array | null; exif: Uint8Array | null },
): Photo {
  const n = size.width * size.height * channels;
  const max = depth === 8 ? 255 : 65535;
  const pixels = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  // Half noise, half smooth ramps: both the filter's edge cases and long deflate matches.
  const smooth = r() < 0.5;
  for (let i = 0; i < n; i++)
    pixels[i] = smooth ? Math.floor((((i * 7) % 1024) / 1024) * max) : Math.floor(r() * (max + 1));
  return { ...size, channels, depth, pixels, ...meta, format: 'png' };
}

async function decodedSamples(png: Uint8Array, depth: 8 | 16): Promise<Buffer> {
  // The samples as stored: without ignoreIcc sharp would convert them from the embedded profile to sRGB.
  // rgb16 keeps 16-bit samples whole (sharp's default output would be the 8-bit values).
  return sharp(png, { limitInputPixels: false, ignoreIcc: true })
    .toColourspace(depth === 16 ? 'rgb16' : 'srgb')
    .raw({ depth: depth === 16 ? 'ushort' : 'uchar' })
    .toBuffer();
}

/** The body of the PNG's first chunk of this type, or null. */
function chunkOf(png: Uint8Array, type: string): Uint8Array | null {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let off = 8; off + 12 <= png.length;) {
    const len = dv.getUint32(off);
    if (Buffer.from(png.subarray(off + 4, off + 8)).toString('latin1') === type)
      return png.subarray(off + 8, off + 8 + len);
    off += 12 + len;
  }
  return null;
}

function samples(photo: Photo): Buffer {
  const p = photo.pixels;
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

/** A photo with a profile (rocket.jpg's) and an EXIF block, as loadPhoto decodes it. */
async function taggedPhoto(): Promise<Photo> {
  const jpeg = await sharp(photoBytes('rocket.jpg'))
    .keepIccProfile()
    .withExif({ IFD0: { Copyright: 'Maskroom test', Artist: 'Export stream' } })
    .jpeg()
    .toBuffer();
  return loadPhoto(new Uint8Array(jpeg));
}

describe('streamed PNG export', () => {
  it('decodes to exactly the photo, with its profile and EXIF, over random odd sizes, depths and channels', async () => {
    const tagged = await taggedPhoto();
    expect(tagged.icc).not.toBeNull();
    expect(tagged.exif).not.toBeNull();
    const r = rng(1313);
    const sizes = [
      { width: 1, height: 1 },
      { width: 1, height: 97 },
      { width: 211, height: 1 },
      // Larger than one 4 MB strip of filtered rows at every depth: strips meet inside the image.
      { width: 1201, height: 1003 },
    ];
    for (let k = 0; k < 10; k++)
      sizes.push({ width: 1 + Math.floor(r() * 400), height: 1 + Math.floor(r() * 300) });
    let round = 0;
    for (const size of sizes)
      for (const depth of [8, 16] as const)
        for (const channels of [3, 4] as const) {
          const withMeta = round++ % 2 === 0;
          const photo = randomPhoto(r, size, depth, channels, {
            icc: withMeta ? tagged.icc : null,
            exif: withMeta ? tagged.exif : null,
          });
          const what = `${size.width}x${size.height} ${depth}-bit ${channels} channels`;
          const png = await exportImage(photo, { format: 'png' });
          const meta = await sharp(png).metadata();
          expect(meta, what).toMatchObject({
            width: size.width,
            height: size.height,
            channels,
            depth: depth === 16 ? 'ushort' : 'uchar',
          });
          expect((await decodedSamples(png, depth)).equals(samples(photo)), what).toBe(true);
          if (withMeta) {
            expect(Buffer.from(meta.icc!).equals(Buffer.from(tagged.icc!)), what).toBe(true);
            expect(
              Buffer.from(chunkOf(png, 'eXIf')!).equals(Buffer.from(normaliseExif(tagged.exif!)!)),
              what,
            ).toBe(true);
          } else {
            expect(meta.icc, what).toBeUndefined();
          }
        }
  }, 120_000);
});

describe('export streamed to a file', () => {
  it('writes the same bytes as the in-memory export in every format, and progress grows to complete', async () => {
    const tagged = await taggedPhoto();
    const r = rng(77);
    for (const depth of [8, 16] as const)
      for (const channels of [3, 4] as const) {
        const size = { width: 300 + Math.floor(r() * 900), height: 200 + Math.floor(r() * 700) };
        const photo = randomPhoto(r, size, depth, channels, { icc: tagged.icc, exif: tagged.exif });
        for (const format of ['png', 'tiff', 'psd', 'jpeg', 'webp'] as const) {
          const what = `${format} ${size.width}x${size.height} ${depth}-bit ${channels} channels`;
          const calls: [number, number][] = [];
          const inMemory = await exportImage(photo, { format, quality: 90 });
          const file = path.join(work, `out-${depth}-${channels}.${format}`);
          const bytes = await exportImageToFile(
            photo,
            {
              format,
              quality: 90,
              onProgress: (done, total) => calls.push([done, total]),
            },
            file,
          );
          const onDisk = await fs.readFile(file);
          expect(bytes, what).toBe(onDisk.length);
          expect(onDisk.equals(Buffer.from(inMemory)), what).toBe(true);
          expect(calls.length, what).toBeGreaterThan(0);
          const total = calls[0]![1];
          expect(
            calls.every(([, t]) => t === total),
            what,
          ).toBe(true);
          expect(
            calls.map(([d]) => d),
            what,
          ).toEqual(calls.map(([d]) => d).sort((a, b) => a - b));
          expect(calls.at(-1), what).toEqual([total, total]);
        }
        // The TIFF streamed into memory is the TIFF encoded at once, byte for byte.
        const sink = new MemorySink();
        await writeTiff(photo, sink);
        expect(Buffer.from(sink.bytes()).equals(Buffer.from(encodeTiff(photo)))).toBe(true);
      }
    // Nothing is left beside the files (the temporary files were renamed).
    expect((await fs.readdir(work)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 120_000);

  it('on a full disk leaves no file and says how large the export is', async () => {
    const file = path.join(work, 'full.png');
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    let err: unknown;
    try {
      await writeStreamedFile(
        file,
        async (sink) => {
          await sink.write(new Uint8Array(1000));
          throw full;
        },
        undefined,
        async (sink) => {
          for (let i = 0; i < 3; i++) await sink.write(new Uint8Array(12_345));
        },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBe(full);
    expect(neededBytes(err)).toBe(3 * 12_345);
    expect(neededBytes(new Error('other'))).toBeUndefined();
    expect((await fs.readdir(work)).filter((n) => n.startsWith('full.png'))).toEqual([]);
  });
});

describe('8-bit layered PSD with transparency', () => {
  it('keeps the alpha exactly and stores the composite over white, as the 16-bit writer does', async () => {
    const r = rng(5);
    const base = randomPhoto(r, { width: 37, height: 23 }, 8, 4, { icc: null, exif: null });
    const rgba = new Uint8Array(5 * 4 * 4).map(() => Math.floor(r() * 256));
    const { data } = await encodePsd(
      base,
      [{ name: 'e', patch: { rect: { x: 3, y: 2, width: 5, height: 4 }, depth: 8, rgba } }],
      base,
    );
    const file = psdFile(data);
    expect(magickLayers(file).map((l) => [l.width, l.height, l.depth])).toEqual([
      [37, 23, 8],
      [37, 23, 8],
      [5, 4, 8],
    ]);
    const read = (args: string[]) => new Uint8Array(execFileSync('convert', args, { timeout: 60_000 }));
    const alpha = read([`${file}[0]`, '-alpha', 'extract', '-depth', '8', 'gray:-']);
    const onWhite = read(['-define', 'psd:alpha-unblend=off', `${file}[0]`, '-depth', '8', 'rgb:-']);
    for (let i = 0; i < 37 * 23; i++) {
      const a = base.pixels[i * 4 + 3]!;
      expect(alpha[i]).toBe(a);
      for (let c = 0; c < 3; c++)
        expect(onWhite[i * 3 + c]).toBe(Math.round(255 - ((255 - base.pixels[i * 4 + c]!) * a) / 255));
    }
  });
});
