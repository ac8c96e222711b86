/**
 * Patches (layers): straight RGBA over a rectangle, alpha = blend weight. Flattening is integer arithmetic
 * on typed arrays, so alpha 0 leaves the photo bit-identical and alpha max writes the patch exactly.
 * On disk a patch is a PNG (16 bit when the photo is) written by our own encoder, with its rectangle in a
 * tEXt chunk, so it round-trips exactly.
 */
import zlib from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import sharp from 'sharp';
import type { Rect } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { encodePngAsync, readPngText, textChunk } from './png';
import { encodeBandedPatch, MRIX } from './patch-bands';
import { addBytes, filtersKnown, over8, rowScratch } from './rgba-words';
import type { Mask, Patch, Photo } from './types';
import { bufToU16, bufToU8 } from './util';

const RECT_KEY = 'maskroom:rect';

/** Applies patches in order to a copy of the original. The original is not modified. */
export function applyPatches(original: Photo, patches: Array<Patch | PatchRows>): Photo {
  const pixels = original.depth === 16 ? new Uint16Array(original.pixels) : new Uint8Array(original.pixels);
  const out: Photo = { ...original, pixels };
  for (const p of patches) applyPatchInPlace(out, p);
  return out;
}

/** Throws the damaged-project error for a layer rectangle that does not lie inside the image. */
export function checkInside(img: { width: number; height: number }, rect: Rect): void {
  if (rect.x < 0 || rect.y < 0 || rect.x + rect.width > img.width || rect.y + rect.height > img.height) {
    throw new AppError(
      'corrupt-project',
      'A layer lies outside the photo; remove that layer or restore the project from a backup.',
    );
  }
}

/**
 * Blends one patch into img, in place. Bit-identical to out = floor((base·(M−a) + rgb·a + M/2) / M) with the
 * patch's samples brought to the image's depth first (×257 up, rounded ÷257 down), in integer arithmetic:
 * alpha 0 leaves a pixel untouched, alpha M writes the patch exactly. One loop per depth pairing, so the hot
 * 8-bit loop has no per-sample branch on the depths and no floating point.
 */
export function applyPatchInPlace(img: Photo, patch: Patch | PatchRows): void {
  const { rect } = patch;
  checkInside(img, rect);
  if (rect.width === 0 || rect.height === 0) return;
  if ('rows' in patch) {
    // 8 bit on 8 bit (every JPEG photo): unfiltered a row at a time while blending; else unfiltered first.
    if (img.depth === 8 && patch.depth === 8)
      blendRows8(img.pixels as Uint8Array, img.width, img.channels, rect, patch.rows);
    else applyPatchInPlace(img, unfilterRows(patch));
    return;
  }
  if (img.depth === 8) {
    if (patch.depth === 8)
      blend8(img.pixels as Uint8Array, img.width, img.channels, rect, patch.rgba as Uint8Array);
    else blend16On8(img.pixels as Uint8Array, img.width, img.channels, rect, patch.rgba as Uint16Array);
  } else {
    blend16(
      img.pixels as Uint16Array,
      img.width,
      img.channels,
      rect,
      patch.rgba,
      patch.depth === 8 ? 257 : 1,
    );
  }
}

/**
 * 8-bit patch on an 8-bit image. floor((n + 127.5) / 255) equals floor((n + 127) / 255) for integer n (no
 * multiple of 255 lies in between), and for 0 <= x < 2^16, floor(x / 255) = (x · 0x8081) >>> 23.
 */
function blend8(px: Uint8Array, width: number, ch: number, rect: Rect, src: Uint8Array): void {
  const rowSkip = (width - rect.width) * ch;
  let s = 0;
  let d = (rect.y * width + rect.x) * ch;
  for (let y = 0; y < rect.height; y++, d += rowSkip) {
    for (let x = 0; x < rect.width; x++, s += 4, d += ch) {
      const a = src[s + 3]!;
      if (a === 0) continue;
      if (a === 255) {
        px[d] = src[s]!;
        px[d + 1] = src[s + 1]!;
        px[d + 2] = src[s + 2]!;
        continue;
      }
      const ia = 255 - a;
      px[d] = ((px[d]! * ia + src[s]! * a + 127) * 0x8081) >>> 23;
      px[d + 1] = ((px[d + 1]! * ia + src[s + 1]! * a + 127) * 0x8081) >>> 23;
      px[d + 2] = ((px[d + 2]! * ia + src[s + 2]! * a + 127) * 0x8081) >>> 23;
    }
  }
}

/**
 * blend8 of a patch given as its PNG rows (see PatchRows): each row is copied to a word-aligned buffer
 * (one memcpy) and unfiltered there a pixel (one 32-bit word, RGBA little-endian) at a time, bytewise as in
 * unfilterRows, right before that pixel is blended. The same samples as blend8 of unfilterRows' patch.
 */
function blendRows8(px: Uint8Array, width: number, ch: number, rect: Rect, rows: Uint8Array): void {
  const w = rect.width;
  const stride = w * 4;
  const { bytes: rowBytes, words: row, from } = rowScratch(stride, rows);
  const rowSkip = (width - w) * ch;
  let d = (rect.y * width + rect.x) * ch;
  for (let y = 0; y < rect.height; y++, d += rowSkip) {
    const s = y * (stride + 1);
    from.copy(rowBytes, 0, s + 1, s + 1 + stride);
    // None: the left neighbour's bytes are not added (kept at 0).
    const sub = rows[s] === 1 ? 0xffffffff : 0;
    let left = 0;
    for (let x = 0; x < w; x++, d += ch) {
      const v = addBytes(row[x]!, left & sub);
      left = v;
      if (v >>> 24 !== 0) over8(px, d, v);
    }
  }
}

/** 16-bit samples rounded to 8 bits, as Math.round(v * (1 / 257)) (the blend's conversion), by table. */
let to8: Uint8Array | null = null;
function to8Table(): Uint8Array {
  if (!to8) {
    const conv = 1 / 257;
    to8 = new Uint8Array(65536);
    for (let v = 0; v < 65536; v++) to8[v] = Math.round(v * conv);
  }
  return to8;
}

/** 16-bit patch on an 8-bit image: samples and alpha rounded to 8 bits, then the 8-bit blend. */
function blend16On8(px: Uint8Array, width: number, ch: number, rect: Rect, src: Uint16Array): void {
  const t = to8Table();
  const rowSkip = (width - rect.width) * ch;
  let s = 0;
  let d = (rect.y * width + rect.x) * ch;
  for (let y = 0; y < rect.height; y++, d += rowSkip) {
    for (let x = 0; x < rect.width; x++, s += 4, d += ch) {
      const a16 = src[s + 3]!;
      if (a16 === 0) continue;
      const a = t[a16]!;
      if (a === 255) {
        px[d] = t[src[s]!]!;
        px[d + 1] = t[src[s + 1]!]!;
        px[d + 2] = t[src[s + 2]!]!;
        continue;
      }
      const ia = 255 - a;
      px[d] = ((px[d]! * ia + t[src[s]!]! * a + 127) * 0x8081) >>> 23;
      px[d + 1] = ((px[d + 1]! * ia + t[src[s + 1]!]! * a + 127) * 0x8081) >>> 23;
      px[d + 2] = ((px[d + 2]! * ia + t[src[s + 2]!]! * a + 127) * 0x8081) >>> 23;
    }
  }
}

/**
 * A patch on a 16-bit image; `k` brings the patch's samples to 16 bits (257 for an 8-bit patch). The sums
 * reach 2^32, past 32-bit integers, so the division stays in doubles: exact, since every term is an integer
 * below 2^53 and no multiple of 65535 lies between n + 32767 and n + 32767.5.
 */
function blend16(
  px: Uint16Array,
  width: number,
  ch: number,
  rect: Rect,
  src: Uint8Array | Uint16Array,
  k: number,
): void {
  const M = 65535;
  const rowSkip = (width - rect.width) * ch;
  let s = 0;
  let d = (rect.y * width + rect.x) * ch;
  for (let y = 0; y < rect.height; y++, d += rowSkip) {
    for (let x = 0; x < rect.width; x++, s += 4, d += ch) {
      const a0 = src[s + 3]!;
      if (a0 === 0) continue;
      const a = a0 * k;
      if (a >= M) {
        px[d] = src[s]! * k;
        px[d + 1] = src[s + 1]! * k;
        px[d + 2] = src[s + 2]! * k;
        continue;
      }
      const ia = M - a;
      px[d] = Math.floor((px[d]! * ia + src[s]! * k * a + 32767) / M);
      px[d + 1] = Math.floor((px[d + 1]! * ia + src[s + 1]! * k * a + 32767) / M);
      px[d + 2] = Math.floor((px[d + 2]! * ia + src[s + 2]! * k * a + 32767) / M);
    }
  }
}

export async function encodePatch(patch: Patch): Promise<Uint8Array> {
  const { x, y, width, height } = patch.rect;
  // Sub filter, deflated with zlib's run-length strategy: on photo content 5-7% smaller than level 3 and
  // faster (1.5-3.5x in our runs on 800 px patches of the fixtures); the deflate runs on the thread pool.
  // In bands with a row index (patch-bands.ts), so that a flatten reads only what layers above leave seen.
  return encodeBandedPatch(patch, [textChunk(RECT_KEY, `${x},${y},${width},${height}`)]);
}

/**
 * A patch as its PNG holds it once inflated, before unfiltering: per row one filter byte (0 None or 1 Sub),
 * then the row's RGBA samples (16-bit ones big-endian). What `readPatch` gives for our own patch files:
 * `applyPatchInPlace` undoes the filter while it blends (the 8-bit case), so no unfiltered copy is made.
 */
export interface PatchRows {
  rect: Rect;
  depth: 8 | 16;
  rows: Uint8Array;
}

const damaged = (cause?: unknown) =>
  new AppError(
    'corrupt-project',
    'A layer file is damaged; hide or delete that layer, or restore the project from a backup.',
    { cause },
  );

/** Reads a patch PNG. The rectangle comes from the file (or `rect` when given, for PNGs from elsewhere). */
export async function decodePatch(bytes: Uint8Array, rect?: Rect): Promise<Patch> {
  const p = await readPatch(bytes, rect);
  return 'rows' in p ? unfilterRows(p) : p;
}

/**
 * Reads a patch PNG for applying it: a file laid out as `encodePatch` writes it (signature, IHDR of 8- or
 * 16-bit RGBA, non-interlaced; tEXt chunks; the IDAT chunks; IEND; every CRC right, the zlib stream whole
 * and exactly the rows' size, each row filtered None or Sub) is inflated by node's zlib on libuv's thread
 * pool and handed back as its rows; anything else, including every damaged file, is decoded by libvips
 * exactly as before, so the pixels and the errors are the same either way (a valid PNG has one decoding).
 */
export async function readPatch(bytes: Uint8Array, rect?: Rect): Promise<Patch | PatchRows> {
  let r = rect;
  if (!r) {
    const t = readPngText(bytes).get(RECT_KEY);
    const parts = t?.split(',').map(Number);
    if (!parts || parts.length !== 4 || parts.some((v) => !Number.isInteger(v) || v < 0)) throw damaged();
    r = { x: parts[0]!, y: parts[1]!, width: parts[2]!, height: parts[3]! };
  }
  const own = ownLayout(bytes);
  if (own && own.width === r.width && own.height === r.height) {
    const rows = await inflateRows(own.idat, own.height * (1 + own.width * 4 * (own.depth / 8)));
    if (rows && filtersKnown(rows, own.height)) return { rect: r, depth: own.depth, rows };
  }
  return decodeWithSharp(bytes, r);
}

/** The decode as libvips does it: any PNG (or other image) of the rectangle's size. */
async function decodeWithSharp(bytes: Uint8Array, r: Rect): Promise<Patch> {
  try {
    // The depth from the PNG header itself (one libvips call per patch instead of two); anything else
    // is asked of libvips.
    const depth: 8 | 16 = isPng(bytes)
      ? bytes[24] === 16
        ? 16
        : 8
      : (await sharp(bytes).metadata()).depth === 'ushort'
        ? 16
        : 8;
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
    throw damaged(e);
  }
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** A PNG signature followed by its IHDR chunk (bit depth at byte 24). */
function isPng(b: Uint8Array): boolean {
  return (
    b.length > 33 &&
    PNG_SIGNATURE.every((v, i) => b[i] === v) &&
    b[12] === 0x49 &&
    b[13] === 0x48 &&
    b[14] === 0x44 &&
    b[15] === 0x52
  );
}

const IHDR = 0x49484452;
const TEXT = 0x74455874;
const IDAT = 0x49444154;
const IEND = 0x49454e44;

/**
 * The header and the compressed rows of a PNG laid out as encodePatch writes it (tEXt and `mrIX` chunks
 * before IDAT), with every chunk's CRC checked; null for anything else (other chunks, colour types, interlacing, bytes after IEND...).
 */
export function ownLayout(b: Uint8Array): {
  width: number;
  height: number;
  depth: 8 | 16;
  idat: Uint8Array;
  /** The `mrIX` chunk's data (banded files, see patch-bands.ts), or null. */
  index: Uint8Array | null;
} | null {
  if (!isPng(b)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chunk = (off: number) => {
    if (off + 12 > b.length) return null;
    const len = dv.getUint32(off);
    if (len > b.length - off - 12) return null;
    const type = dv.getUint32(off + 4);
    const crc = dv.getUint32(off + 8 + len);
    if (zlib.crc32(b.subarray(off + 4, off + 8 + len)) !== crc) return null;
    return { type, data: b.subarray(off + 8, off + 8 + len), next: off + 12 + len };
  };
  const ihdr = chunk(8);
  if (!ihdr || ihdr.type !== IHDR || ihdr.data.length !== 13) return null;
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const [depth, colour, compression, filter, interlace] = ihdr.data.subarray(8);
  if (width === 0 || height === 0 || (depth !== 8 && depth !== 16)) return null;
  if (colour !== 6 || compression !== 0 || filter !== 0 || interlace !== 0) return null;
  const idats: Uint8Array[] = [];
  let c = chunk(ihdr.next);
  let index: Uint8Array | null = null;
  while (c && (c.type === TEXT || c.type === MRIX)) {
    if (c.type === MRIX) index = c.data;
    c = chunk(c.next);
  }
  while (c && c.type === IDAT) {
    idats.push(c.data);
    c = chunk(c.next);
  }
  if (!c || c.type !== IEND || c.data.length !== 0 || c.next !== b.length || idats.length === 0) return null;
  return { width, height, depth, idat: idats.length === 1 ? idats[0]! : Buffer.concat(idats), index };
}

/**
 * The zlib stream inflated, on libuv's thread pool, in one output buffer of the rows' exact size; null
 * unless it inflates whole to exactly `size` bytes and ends where the data ends.
 */
export function inflateRows(idat: Uint8Array, size: number): Promise<Uint8Array | null> {
  // Rows no buffer can hold (a damaged header and rectangle that agree on a vast size): not ours to read.
  if (size > bufferConstants.MAX_LENGTH - 64) return Promise.resolve(null);
  return new Promise((resolve) => {
    // Slack so that the one buffer also sees the stream's end; more output than `size` is an error.
    const opts = { info: true, chunkSize: Math.max(64, size + 64), maxOutputLength: size };
    zlib.inflate(idat, opts as zlib.ZlibOptions, (err, res) => {
      const { buffer, engine } = (res ?? {}) as unknown as { buffer?: Buffer; engine?: zlib.Inflate };
      if (err || !buffer || !engine || buffer.length !== size || engine.bytesWritten !== idat.length)
        resolve(null);
      else resolve(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    });
  });
}

// The flatten's workers check the rows they inflate with it too (without loading this module's sharp).
export { filtersKnown } from './rgba-words';

/**
 * Undoes the rows' filters into straight RGBA samples (16-bit ones in host order). Sub adds to each byte the
 * one a pixel to its left (4 bytes back at 8 bit, 8 at 16), bytewise modulo 256: four bytes at once in a
 * 32-bit word (SWAR: the low 7 bits of each byte are added, the high bits put back by xor, so no carry
 * crosses into the next byte).
 */
export function unfilterRows(p: PatchRows): Patch {
  const { width, height } = p.rect;
  const bpp = p.depth === 16 ? 8 : 4;
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  const words = new Uint32Array(out.buffer);
  const wpp = bpp / 4; // words per pixel
  const wpr = width * wpp; // words per row
  for (let y = 0; y < height; y++) {
    const s = y * (stride + 1);
    out.set(p.rows.subarray(s + 1, s + 1 + stride), y * stride);
    if (p.rows[s] !== 1) continue;
    const w0 = y * wpr;
    for (let i = w0 + wpp; i < w0 + wpr; i++) {
      words[i] = addBytes(words[i]!, words[i - wpp]!);
    }
  }
  if (p.depth === 8) return { rect: p.rect, depth: 8, rgba: out };
  // Big-endian samples to host order (little-endian on every platform Maskroom runs on), in place.
  const rgba = new Uint16Array(out.buffer);
  for (let i = 0; i < rgba.length; i++) {
    const v = rgba[i]!;
    rgba[i] = ((v & 0xff) << 8) | (v >>> 8);
  }
  return { rect: p.rect, depth: 16, rgba };
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
