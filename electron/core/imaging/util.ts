/** Shared helpers: error mapping, ICC temp files, colour conversion between a photo's profile and sRGB. */
import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import type { Rect } from '../../../shared/contract';
import type { Photo } from './types';
import { encodePng, iccpChunk } from './png';

/** Bound every sharp job in time: a hostile file must not hang the main process. */
export const SHARP_TIMEOUT_SECONDS = 120;

/**
 * Lets libvips run one operation on every core. sharp's default on glibc Linux is one thread an operation
 * (so that a long-lived process's malloc arenas do not fragment; elsewhere it is the core count); a command
 * of the CLI ends with its work, so it takes them all: alone, a 24 MP JPEG decodes in about 75 ms instead of
 * 110 on two cores, a 24 MP mask PNG in 82 instead of 112.
 */
export function useAllCores(): void {
  sharp.concurrency(os.availableParallelism());
}

export function invalid(message: string): AppError {
  return new AppError('invalid-input', message);
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

const iccFiles = new Map<string, string>();

/** sharp can convert *to* a profile only by file path: keep each profile once in a temp file. */
export async function iccPath(icc: Uint8Array): Promise<string> {
  const key = sha256(icc);
  const known = iccFiles.get(key);
  if (known) return known;
  const dir = path.join(os.tmpdir(), `maskroom-icc-${process.getuid?.() ?? 'u'}`);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${key}.icc`);
  const tmp = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`;
  await fs.writeFile(tmp, icc);
  await fs.rename(tmp, file);
  iccFiles.set(key, file);
  return file;
}

/** 16-bit sample to 8-bit, rounded. */
export function to8(v: number): number {
  return ((v * 255 + 32767) / 65535) | 0;
}

/**
 * Copies a rectangle of a photo as 8-bit interleaved samples with `outChannels` (3 drops alpha, 4 keeps it
 * or adds an opaque one). Only the rectangle is allocated.
 */
export function extract8(photo: Photo, r: Rect, outChannels: 3 | 4 = 3): Uint8Array {
  const { width, channels, pixels, depth } = photo;
  const out = new Uint8Array(r.width * r.height * outChannels);
  let o = 0;
  for (let y = r.y; y < r.y + r.height; y++) {
    let i = (y * width + r.x) * channels;
    for (let x = 0; x < r.width; x++, i += channels) {
      if (depth === 8) {
        out[o++] = pixels[i]!;
        out[o++] = pixels[i + 1]!;
        out[o++] = pixels[i + 2]!;
        if (outChannels === 4) out[o++] = channels === 4 ? pixels[i + 3]! : 255;
      } else {
        out[o++] = to8(pixels[i]!);
        out[o++] = to8(pixels[i + 1]!);
        out[o++] = to8(pixels[i + 2]!);
        if (outChannels === 4) out[o++] = channels === 4 ? to8(pixels[i + 3]!) : 255;
      }
    }
  }
  return out;
}

/**
 * 8-bit pixels in a profile -> sRGB, as a sharp instance (the caller picks the output).
 * A tagged PNG is the only way to hand sharp a profile given as bytes; level 0 keeps it cheap.
 */
export function fromProfileToSrgb(
  raw: Uint8Array,
  width: number,
  height: number,
  channels: 3 | 4,
  icc: Uint8Array | null,
): sharp.Sharp {
  if (!icc) return sharp(raw, { raw: { width, height, channels } });
  const png = encodePng(
    { width, height, channels, depth: 8, pixels: raw },
    { level: 0, chunks: [iccpChunk(icc)] },
  );
  // Default sharp behaviour: an embedded profile is converted to sRGB.
  return sharp(png, { limitInputPixels: false }).toColourspace('srgb');
}

/** 8-bit sRGB pixels -> the photo's profile, raw 8-bit with the same channel count. */
export async function fromSrgbToProfile(
  raw: Uint8Array,
  width: number,
  height: number,
  channels: 3 | 4,
  icc: Uint8Array | null,
): Promise<Uint8Array> {
  if (!icc) return raw;
  const file = await iccPath(icc);
  const { data } = await sharp(raw, { raw: { width, height, channels } })
    .withIccProfile(file)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

export function bufToU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Buffer of big-endian-free native ushort samples -> aligned Uint16Array (copies when misaligned). */
export function bufToU16(b: Buffer): Uint16Array {
  if (b.byteOffset % 2 === 0) return new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Uint16Array(copy.buffer);
}
