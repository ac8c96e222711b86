/**
 * Our own decoder of patch files (readPatch / decodePatch) against libvips, which decoded every patch before
 * and is kept here as the oracle (the decode as it was, through sharp): over many sizes, both depths, flat
 * and noisy contents, None and Sub rows and split IDATs, the samples are the same, and applying the rows
 * (unfiltered while blending) leaves the same image as applying libvips' patch. Files of another layout go
 * to libvips; a damaged file (cut short, a byte changed) gives what the libvips decode gives: the same
 * pixels or the same one-sentence error.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { Patch, Photo } from '../../../../electron/core/imaging';
import {
  applyPatchInPlace,
  decodePatch,
  encodePatch,
  readPatch,
} from '../../../../electron/core/imaging/patch';
import { encodePng, pngChunk, textChunk } from '../../../../electron/core/imaging/png';
import { rng } from '../../../support/prng';

/** The patch decode as it was before our own decoder: libvips for every file. */
async function libvipsDecode(bytes: Uint8Array, r: Rect): Promise<Patch> {
  try {
    const depth: 8 | 16 = bytes[24] === 16 ? 16 : 8;
    const img = sharp(bytes, {
      failOn: 'error',
      limitInputPixels: r.width * r.height + 1,
      ignoreIcc: true,
    }).ensureAlpha();
    const { data, info } =
      depth === 16
        ? await img.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
        : await img.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== r.width || info.height !== r.height || info.channels !== 4)
      throw new Error('patch shape mismatch');
    const copy = new Uint8Array(data);
    return { rect: r, depth, rgba: depth === 16 ? new Uint16Array(copy.buffer) : copy };
  } catch (e) {
    throw new AppError(
      'corrupt-project',
      'A layer file is damaged; hide or delete that layer, or restore the project from a backup.',
      { cause: e },
    );
  }
}

/** What a decode gives, comparable: its samples, or its error's code and message. */
async function outcome(p: Promise<Patch>): Promise<string> {
  try {
    const { rgba, depth } = await p;
    return `${depth}:${Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength).toString('base64')}`;
  } catch (e) {
    return e instanceof AppError ? `error ${e.code}: ${e.message}` : `other error: ${String(e)}`;
  }
}

/** A patch of this size: smooth, flat or noisy colours; alpha in runs of 0 and max with ramps, or noise. */
function randomPatch(width: number, height: number, depth: 8 | 16, rand: () => number): Patch {
  const max = depth === 16 ? 65535 : 255;
  const n = width * height * 4;
  const rgba = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const kind = Math.floor(rand() * 3);
  const noisyAlpha = rand() < 0.3;
  const base = [rand(), rand(), rand()].map((v) => Math.floor(v * max));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v =
          kind === 0
            ? base[c]!
            : kind === 1
              ? base[c]! + (x + y) * (c + 1) * (depth === 16 ? 97 : 1)
              : Math.floor(rand() * (max + 1));
        rgba[o + c] = ((v % (max + 1)) + max + 1) % (max + 1);
      }
      const d = Math.abs(x - width / 2) / Math.max(1, width / 2);
      const r = rand();
      rgba[o + 3] = noisyAlpha
        ? r < 0.3
          ? 0
          : r < 0.6
            ? max
            : Math.floor(rand() * (max + 1))
        : d > 0.9
          ? 0
          : d < 0.6
            ? max
            : Math.round(((0.9 - d) / 0.3) * max);
    }
  return { rect: { x: 0, y: 0, width, height }, depth, rgba };
}

/** The same PNG with its IDAT split into chunks of at most `size` bytes (a valid PNG as any encoder may write). */
function splitIdat(png: Uint8Array, size: number): Uint8Array {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (let off = 8; off < png.length;) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT')
      for (let i = 0; i < len; i += size) parts.push(pngChunk('IDAT', data.subarray(i, i + size)));
    else parts.push(png.subarray(off, off + 12 + len));
    off += 12 + len;
  }
  return new Uint8Array(Buffer.concat(parts));
}

function randomImage(width: number, height: number, rand: () => number): Photo {
  const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
  const channels: 3 | 4 = rand() < 0.5 ? 3 : 4;
  const n = width * height * channels;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) pixels[i] = Math.floor(rand() * (depth === 16 ? 65536 : 256));
  return { width, height, channels, depth, pixels, icc: null, exif: null, format: 'png' };
}

const copyOf = (p: Photo): Photo => ({
  ...p,
  pixels: p.depth === 16 ? new Uint16Array(p.pixels) : new Uint8Array(p.pixels),
});
const bytesOf = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Sizes from one pixel up, thin rows and columns, and a few wider ones. */
function sizes(rand: () => number, count: number): Array<[number, number]> {
  const fixed: Array<[number, number]> = [
    [1, 1],
    [1, 7],
    [7, 1],
    [2, 2],
    [3, 5],
    [257, 3],
  ];
  const out = [...fixed];
  while (out.length < count) out.push([1 + Math.floor(rand() * 90), 1 + Math.floor(rand() * 40)]);
  return out;
}

describe('readPatch / decodePatch', () => {
  it('decodes our patch files to the samples libvips gives, and their rows apply as libvips’ patch does', async () => {
    const rand = rng(20261202);
    let rowsTaken = 0;
    const seen = new Set<string>();
    for (const [width, height] of sizes(rand, 80)) {
      const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
      const patch = randomPatch(width, height, depth, rand);
      const what = `${width}x${height} ${depth} bit`;
      // As encodePatch writes it (Sub rows, one IDAT), with None rows, and with the IDAT in pieces.
      const rectText = textChunk('maskroom:rect', `0,0,${width},${height}`);
      const none = encodePng(
        { width, height, channels: 4, depth, pixels: patch.rgba },
        { filter: 'none', chunks: [rectText] },
      );
      const own = await encodePatch(patch);
      const files: Array<[string, Uint8Array]> = [
        ['sub', own],
        ['none', none],
        ['split', splitIdat(own, 1 + Math.floor(rand() * 64))],
      ];
      for (const [layout, png] of files) {
        const label = `${what}, ${layout}`;
        const want = await libvipsDecode(png, patch.rect);
        // The samples libvips gives are the ones encoded (the oracle itself is right).
        expect(bytesOf(want.rgba).equals(bytesOf(patch.rgba)), label).toBe(true);
        const got = await decodePatch(png);
        expect([got.depth, got.rect], label).toEqual([depth, patch.rect]);
        expect(bytesOf(got.rgba).equals(bytesOf(want.rgba)), label).toBe(true);

        const rows = await readPatch(png, patch.rect);
        if ('rows' in rows) rowsTaken++;
        // Applied where it reaches an edge of a random image of either depth and channel count.
        const img = randomImage(width + 2, height + 1, rand);
        const at = { ...patch.rect, x: Math.floor(rand() * 3), y: Math.floor(rand() * 2) };
        const a = copyOf(img);
        const b = copyOf(img);
        applyPatchInPlace(a, { ...rows, rect: at });
        applyPatchInPlace(b, { ...want, rect: at });
        expect(bytesOf(a.pixels).equals(bytesOf(b.pixels)), `${label} on ${img.depth}x${img.channels}`).toBe(
          true,
        );
        seen.add(`${depth}on${img.depth}`);
      }
    }
    // Every file here is laid out as ours: none went to libvips; every depth pairing was applied.
    expect(rowsTaken).toBe(80 * 3);
    expect(seen.size).toBe(4);
  });

  it('leaves PNGs of other layouts to libvips, with the same samples', async () => {
    const rand = rng(7);
    for (let round = 0; round < 12; round++) {
      const width = 1 + Math.floor(rand() * 40);
      const height = 1 + Math.floor(rand() * 30);
      const patch = randomPatch(width, height, 8, rand);
      const rect = { x: 0, y: 0, width, height };
      const raw = { raw: { width, height, channels: 4 as const } };
      const others: Array<[string, Uint8Array]> = [
        // Adaptive filters (Up, Average, Paeth) as libpng chooses them.
        ['libpng', new Uint8Array(await sharp(patch.rgba, raw).png({ adaptiveFiltering: true }).toBuffer())],
        // No alpha channel.
        ['rgb', new Uint8Array(await sharp(patch.rgba, raw).removeAlpha().png().toBuffer())],
        // Interlaced.
        ['adam7', new Uint8Array(await sharp(patch.rgba, raw).png({ progressive: true }).toBuffer())],
        // An ancillary chunk of another kind before IDAT.
        [
          'chunk',
          encodePng(
            { width, height, channels: 4, depth: 8, pixels: patch.rgba },
            { chunks: [pngChunk('gAMA', new Uint8Array([0, 0, 0xb1, 0x8f]))] },
          ),
        ],
      ];
      for (const [name, png] of others) {
        const p = await readPatch(png, rect);
        expect('rows' in p, `${name} round ${round}`).toBe(false);
        expect(await outcome(decodePatch(png, rect)), `${name} round ${round}`).toBe(
          await outcome(libvipsDecode(png, rect)),
        );
      }
    }
  });

  it('gives what libvips gives for a damaged file: cut short anywhere or one byte changed anywhere', async () => {
    const rand = rng(99);
    let errors = 0;
    let pixels = 0;
    for (let round = 0; round < 40; round++) {
      const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
      const width = 1 + Math.floor(rand() * 30);
      const height = 1 + Math.floor(rand() * 20);
      const patch = randomPatch(width, height, depth, rand);
      const png = await encodePatch(patch);
      const damaged: Uint8Array[] = [];
      for (let k = 0; k < 4; k++) damaged.push(png.subarray(0, Math.floor(rand() * png.length)));
      for (let k = 0; k < 6; k++) {
        const b = new Uint8Array(png);
        const at = Math.floor(rand() * b.length);
        b[at] = b[at]! ^ (1 + Math.floor(rand() * 255));
        damaged.push(b);
      }
      // Bytes after IEND, and a zlib stream with bytes after its end (the CRC made right again).
      damaged.push(new Uint8Array(Buffer.concat([png, Buffer.from([0, 1, 2])])));
      const z = zlib.deflateSync(Buffer.from('extra'));
      damaged.push(withIdat(png, (idat) => Buffer.concat([idat, z])));
      // With the CRC right: a wrong Adler-32, rows one byte short, rows one byte long.
      damaged.push(
        withIdat(png, (idat) => Buffer.concat([idat.subarray(0, -1), Buffer.from([idat.at(-1)! ^ 1])])),
      );
      const rows = zlib.inflateSync(idatOf(png));
      damaged.push(withIdat(png, () => zlib.deflateSync(rows.subarray(0, -1))));
      damaged.push(withIdat(png, () => zlib.deflateSync(Buffer.concat([rows, Buffer.from([0])]))));
      // A row filter this decoder does not undo (Up), the stream otherwise valid: libvips decodes it.
      const up = Buffer.from(rows);
      up[0] = 2;
      damaged.push(withIdat(png, () => zlib.deflateSync(up)));
      for (const [i, b] of damaged.entries()) {
        const label = `round ${round}, damage ${i}`;
        const got = await outcome(decodePatch(b, patch.rect));
        expect(got, label).toBe(await outcome(libvipsDecode(b, patch.rect)));
        if (got.startsWith('error')) errors++;
        else pixels++;
      }
    }
    // Both kinds of outcome were compared (most damage is an error; some leaves the pixels as they were).
    expect(errors).toBeGreaterThan(100);
    expect(pixels).toBeGreaterThan(0);
  });

  it('says a damaged file in the one sentence it always did', async () => {
    const png = await encodePatch(randomPatch(20, 10, 8, rng(3)));
    const err = await decodePatch(png.subarray(0, png.length - 40)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'corrupt-project',
      message: 'A layer file is damaged; hide or delete that layer, or restore the project from a backup.',
    });
  });
});

/** The data of the PNG's (single) IDAT. */
function idatOf(png: Uint8Array): Buffer {
  let got: Buffer = Buffer.alloc(0);
  withIdat(png, (idat) => (got = idat));
  return got;
}

/** The PNG with its (single) IDAT's data replaced, the chunk's CRC computed for the new data. */
function withIdat(png: Uint8Array, f: (idat: Buffer) => Buffer): Uint8Array {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (let off = 8; off < png.length;) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    if (type === 'IDAT') parts.push(pngChunk('IDAT', f(Buffer.from(png.subarray(off + 8, off + 8 + len)))));
    else parts.push(png.subarray(off, off + 12 + len));
    off += 12 + len;
  }
  return new Uint8Array(Buffer.concat(parts));
}
