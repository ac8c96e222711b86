/**
 * Patches (layers): straight RGBA over a rectangle, alpha = blend weight. Flattening is integer arithmetic
 * on typed arrays, so alpha 0 leaves the photo bit-identical and alpha max writes the patch exactly.
 * On disk a patch is a PNG (16 bit when the photo is) written by our own encoder, with its rectangle in a
 * tEXt chunk, so it round-trips exactly.
 */
import sharp from 'sharp';
import type { Rect } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { encodePngAsync, readPngText, textChunk } from './png';
import type { Mask, Patch, Photo } from './types';
import { bufToU16, bufToU8 } from './util';

const RECT_KEY = 'maskroom:rect';

/** Applies patches in order to a copy of the original. The original is not modified. */
export function applyPatches(original: Photo, patches: Patch[]): Photo {
  const pixels = original.depth === 16 ? new Uint16Array(original.pixels) : new Uint8Array(original.pixels);
  const out: Photo = { ...original, pixels };
  for (const p of patches) applyPatchInPlace(out, p);
  return out;
}

export function applyPatchInPlace(img: Photo, patch: Patch): void {
  const { rect } = patch;
  if (rect.x < 0 || rect.y < 0 || rect.x + rect.width > img.width || rect.y + rect.height > img.height) {
    throw new AppError(
      'corrupt-project',
      'A layer lies outside the photo; remove that layer or restore the project from a backup.',
    );
  }
  const M = img.depth === 16 ? 65535 : 255;
  // Patch samples are converted to the image's depth when they differ.
  const conv = patch.depth === img.depth ? 1 : img.depth === 16 ? 257 : 1 / 257;
  const half = (M - 1) / 2 + 0.5;
  const px = img.pixels;
  const ch = img.channels;
  const src = patch.rgba;
  let s = 0;
  for (let y = 0; y < rect.height; y++) {
    let d = ((rect.y + y) * img.width + rect.x) * ch;
    for (let x = 0; x < rect.width; x++, s += 4, d += ch) {
      let a = src[s + 3]!;
      if (a === 0) continue;
      if (conv !== 1) a = Math.round(a * conv);
      if (a >= M) {
        px[d] = conv === 1 ? src[s]! : Math.round(src[s]! * conv);
        px[d + 1] = conv === 1 ? src[s + 1]! : Math.round(src[s + 1]! * conv);
        px[d + 2] = conv === 1 ? src[s + 2]! : Math.round(src[s + 2]! * conv);
        continue;
      }
      const ia = M - a;
      for (let c = 0; c < 3; c++) {
        const f = conv === 1 ? src[s + c]! : Math.round(src[s + c]! * conv);
        px[d + c] = Math.floor((px[d + c]! * ia + f * a + half) / M);
      }
    }
  }
}

export async function encodePatch(patch: Patch): Promise<Uint8Array> {
  const { x, y, width, height } = patch.rect;
  // Level 3: on photo content about 7% larger than level 6 and three times faster to deflate; the
  // deflate runs on the thread pool.
  return encodePngAsync(
    { width, height, channels: 4, depth: patch.depth, pixels: patch.rgba },
    { level: 3, chunks: [textChunk(RECT_KEY, `${x},${y},${width},${height}`)] },
  );
}

/** Reads a patch PNG. The rectangle comes from the file (or `rect` when given, for PNGs from elsewhere). */
export async function decodePatch(bytes: Uint8Array, rect?: Rect): Promise<Patch> {
  const bad = (cause?: unknown) =>
    new AppError(
      'corrupt-project',
      'A layer file is damaged; hide or delete that layer, or restore the project from a backup.',
      { cause },
    );
  let r = rect;
  if (!r) {
    const t = readPngText(bytes).get(RECT_KEY);
    const parts = t?.split(',').map(Number);
    if (!parts || parts.length !== 4 || parts.some((v) => !Number.isInteger(v) || v < 0)) throw bad();
    r = { x: parts[0]!, y: parts[1]!, width: parts[2]!, height: parts[3]! };
  }
  try {
    const meta = await sharp(bytes).metadata();
    const depth: 8 | 16 = meta.depth === 'ushort' ? 16 : 8;
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
    return { rect: r, depth, rgba: depth === 16 ? bufToU16(data) : bufToU8(data) };
  } catch (e) {
    throw bad(e);
  }
}

/** The edit mask as a greyscale PNG (white = change), e.g. to keep it with a layer. */
export async function encodeMaskPng(mask: Mask): Promise<Uint8Array> {
  // Unfiltered at level 3: a mask's runs of 0 and 255 deflate well without the Sub filter, and a 24 MP frame
  // encodes in a few tens of ms (off the main thread) instead of a few hundred.
  return encodePngAsync(
    { width: mask.width, height: mask.height, channels: 1, depth: 8, pixels: mask.data },
    { level: 3, filter: 'none' },
  );
}
