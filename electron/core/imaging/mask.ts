/**
 * The edit mask: 8-bit, the photo's size, 255 = change, 0 = keep. Operations are O(pixels) whatever the
 * radius (van Herk/Gil-Werman running max/min, triple box blur) and only touch the mask's bounding box plus
 * the radius, so they stay cheap on 24 MP masks.
 */
import sharp from 'sharp';
import type { MaskPayload, Rect } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { morphDisc, softEdge } from '../../../shared/mask-feather';
import type { Mask } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8, invalid } from './util';
import { lumaOf } from './mask-luma';
import { maskFromPngRows } from './mask-png';

// A mask of the photo's size turned a quarter is most often drawn on the photo as stored, before its EXIF
// orientation turned it upright (masks are in the upright photo's pixels): said so, with what to do.
const sizeMismatch = (w: number, h: number, pw: number, ph: number) =>
  invalid(
    w === ph && h === pw && w !== h
      ? `The mask is ${w}x${h} but the photo is ${pw}x${ph} upright (as its EXIF orientation shows it), so the mask was likely drawn on the photo as stored; turn the mask a quarter to match the upright photo, or paint it on this photo again.`
      : `The mask is ${w}x${h} but the photo is ${pw}x${ph}; paint the mask on this photo again.`,
  );

/** Throws the one-sentence error when a mask is not of the photo's size (every step that pairs them checks). */
export function assertMaskFits(mask: Mask, photo: { width: number; height: number }): void {
  if (mask.width !== photo.width || mask.height !== photo.height)
    throw sizeMismatch(mask.width, mask.height, photo.width, photo.height);
}

export function emptyMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height) };
}

/** From the renderer: raw 8-bit bytes (or RGBA, alpha used), or a PNG read like a mask file. */
export async function maskFromPayload(payload: MaskPayload, width: number, height: number): Promise<Mask> {
  if (payload.kind === 'png') return maskFromFile(payload.data, width, height);
  if (payload.width !== width || payload.height !== height)
    throw sizeMismatch(payload.width, payload.height, width, height);
  const n = width * height;
  if (payload.data.length === n) return { width, height, data: new Uint8Array(payload.data) };
  if (payload.data.length === n * 4) {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = payload.data[i * 4 + 3]!;
    return { width, height, data };
  }
  throw invalid('The mask data has the wrong length for its size; paint the mask again.');
}

/**
 * The file each mask was read from, kept while the mask lives, when that file is a PNG of the mask's size
 * and no larger than the raw mask (or 64 KB): maskFromFile reads those bytes back as this very mask, so the
 * journal can keep them instead of encoding the full frame again (ProjectSession.maskPng). This relies on
 * what the pipeline already does: a mask is never changed in place once made (grow, feather, crop and invert
 * all return new masks).
 */
const sourcePngs = new WeakMap<Mask, Uint8Array>();

/** The PNG file this mask was decoded from by maskFromFile, or null (raw payloads, other formats). */
export function maskSourcePng(mask: Mask): Uint8Array | null {
  return sourcePngs.get(mask) ?? null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * From an image file (CLI, or a PNG from the renderer): white = change. Luminance of the image flattened on
 * black, so a white stroke on a transparent canvas and a white-on-black file read the same.
 *
 * An 8-bit grey or RGB(A) file (what Maskroom and most tools write) is decoded as it is stored and flattened
 * and weighed in one pass here: libvips flattens on black as floor(c * a / 255) (every pair is checked in
 * tests/unit/core/imaging/mask-decode.test.ts), one grey channel is its own luma, and opaque black or white
 * pixels, most of any mask, are one 32-bit comparison. Other files (16 bit, CMYK) are flattened and made
 * 8-bit sRGB by libvips first. Both give exactly what the per-pixel decode before them gave.
 */
export async function maskFromFile(
  bytes: Uint8Array,
  width: number,
  height: number,
  /** The file's name or path, when the caller knows it: named when the file is not an image that reads. */
  name?: string,
): Promise<Mask> {
  const n = width * height;
  let data: Uint8Array;
  try {
    // The header only (no pixel limit here: a mask of any other size must be named as such, not as unreadable).
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    const o = meta.orientation ?? 1;
    const mw = o >= 5 ? meta.height : meta.width;
    const mh = o >= 5 ? meta.width : meta.height;
    if (mw !== width || mh !== height) throw sizeMismatch(mw ?? 0, mh ?? 0, width, height);
    const decoder = sharp(bytes, { ignoreIcc: true, failOn: 'error', limitInputPixels: n + 1 })
      .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
      .autoOrient();
    // As stored: 8-bit grey or sRGB whose second or fourth channel, if any, is its alpha.
    const ch = meta.channels ?? 0;
    const stored8 =
      meta.depth === 'uchar' &&
      (meta.space === 'b-w' || meta.space === 'srgb') &&
      ch >= 1 &&
      ch <= 4 &&
      (ch === 2 || ch === 4) === Boolean(meta.hasAlpha);
    // An 8-bit PNG as stored (no orientation to apply, not interlaced) is read a row at a time; whatever
    // that does not read (null) is decoded whole by libvips, as every other file.
    const rows =
      stored8 && meta.format === 'png' && o === 1 && !meta.isProgressive
        ? await maskFromPngRows(bytes, width, height)
        : null;
    if (rows) data = rows;
    else {
      const { data: raw, info } = await (
        stored8 ? decoder : decoder.flatten({ background: '#000000' }).toColourspace('srgb')
      )
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.width * info.height !== n) throw new Error(`mask decoded to ${info.width}x${info.height}`);
      data = lumaOf(bufToU8(raw), info.width, info.height, info.channels);
    }
    if (isLossy(meta.format, bytes)) snapNoise(data);
    if (meta.hasAlpha && isEmpty(data) && (await alphaHasShape(bytes))) throw alphaOnly();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(
      'unsupported-image',
      `The mask file${name ? ` ${name}` : ''} could not be read; save it as a PNG of the photo's size.`,
      {
        cause: e,
      },
    );
  }
  const mask: Mask = { width, height, data };
  if (isPng(bytes) && bytes.length <= Math.max(n, 65536)) sourcePngs.set(mask, bytes);
  return mask;
}

const alphaOnly = () =>
  invalid(
    'The mask is read as white = change on black and its transparency is not used, so this file, drawn in transparency only, marks nothing to change; paint the area to change in white and try again.',
  );

/** Whether the mask marks nothing (every pixel 0), at memcmp speed: 24 MP in a few ms. */
export function marksNothing(mask: Mask): boolean {
  return isEmpty(mask.data);
}

/**
 * The mask read from a file, when it marks something to change; an all-black one is refused in one sentence
 * naming it. `file` is the mask as a noun phrase ("The mask shots/sign.png"), `where` what it was given for
 * (" in shots/sign.jpg", or ""), `fix` what to do. The canvas's own mask has its words in planRegion.
 */
export function markedMask(mask: Mask, file: string, where: string, fix: string): Mask {
  if (!marksNothing(mask)) return mask;
  throw invalid(`${file} is all black, so it marks nothing to change${where}; ${fix}.`);
}

function isEmpty(m: Uint8Array): boolean {
  const buf = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
  const zeros = Buffer.alloc(Math.min(m.length, 1 << 16));
  for (let at = 0; at < m.length; at += zeros.length) {
    const end = Math.min(m.length, at + zeros.length);
    if (buf.compare(zeros, 0, end - at, at, end) !== 0) return false;
  }
  return true;
}

/** Whether a file's alpha channel draws something: not the same value everywhere (read only for empty masks). */
async function alphaHasShape(bytes: Uint8Array): Promise<boolean> {
  const { data } = await sharp(bytes, { ignoreIcc: true, limitInputPixels: false })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .extractChannel('alpha')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const first = data[0];
  for (let i = 1; i < data.length; i++) if (data[i] !== first) return true;
  return false;
}

/**
 * How far a lossy encoder moves a mask's black and white, at most, away from its edges: measured on hard,
 * 8 px and 30 px soft rectangles, discs and lines as JPEG (quality 50-95, grey and RGB) and lossy WebP
 * (quality 50-95), pixels more than 8 px from any other value move by at most 3 levels (black reads 1-3,
 * white 252-254). Twice that is snapped, so the background of a JPEG mask is empty again and its inside
 * fully changed, while a genuine grey (a soft edge, a half-strength area) is kept as decoded; the ringing
 * next to a hard edge (up to about one 8 px block) stays, inside what the feather blends anyway.
 */
export const LOSSY_MASK_SNAP = 6;

/** Whether the mask file's encoder loses detail: JPEG, or a WebP whose image is VP8 (not VP8L lossless). */
function isLossy(format: string | undefined, bytes: Uint8Array): boolean {
  if (format === 'jpeg') return true;
  if (format !== 'webp') return false;
  // RIFF....WEBP, then chunks of a 4-byte tag and a little-endian 4-byte size, padded to even.
  for (let at = 12; at + 8 <= bytes.length;) {
    const tag = String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
    if (tag === 'VP8 ') return true;
    if (tag === 'VP8L') return false;
    const size =
      (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    at += 8 + size + (size & 1);
  }
  return false;
}

/** Compression noise near black to 0 and near white to 255, in place (LOSSY_MASK_SNAP). */
function snapNoise(m: Uint8Array): void {
  const lo = LOSSY_MASK_SNAP;
  const hi = 255 - LOSSY_MASK_SNAP;
  for (let i = 0; i < m.length; i++) {
    const v = m[i]!;
    if (v <= lo) m[i] = 0;
    else if (v >= hi) m[i] = 255;
  }
}

/**
 * Bounding box of the non-zero pixels, or null when the mask is empty. One pass at memcmp speed: whole rows
 * are compared with a row of zeros, and inside the painted rows only the parts outside the box found so far
 * (each side found by halving with the same comparison), so no pixel is looked at one by one.
 */
export function maskBounds(mask: Mask): Rect | null {
  const { width: w, height: h } = mask;
  if (w <= 0 || h <= 0) return null;
  const buf = Buffer.from(mask.data.buffer, mask.data.byteOffset, w * h);
  const zeros = Buffer.alloc(w);
  /** Whether buf[s, e) is all zero (e - s <= w). */
  const clear = (s: number, e: number) => e <= s || buf.compare(zeros, 0, e - s, s, e) === 0;
  let y0 = 0;
  while (y0 < h && clear(y0 * w, y0 * w + w)) y0++;
  if (y0 === h) return null;
  let y1 = h - 1;
  while (clear(y1 * w, y1 * w + w)) y1--;
  // x0: first painted column so far; x1: one past the last.
  let x0 = w;
  let x1 = 0;
  for (let y = y0; y <= y1; y++) {
    const row = y * w;
    if (!clear(row, row + x0)) {
      // The first non-zero index in [row, row + x0): the longest clear prefix, by halving.
      let lo = 0;
      let hi = x0 - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (clear(row, row + mid + 1)) lo = mid + 1;
        else hi = mid;
      }
      x0 = lo;
    }
    if (!clear(row + x1, row + w)) {
      // One past the last non-zero index in [row + x1, row + w): the longest clear suffix.
      let lo = Math.max(x1, x0) + 1;
      let hi = w;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (clear(row + mid, row + w)) hi = mid;
        else lo = mid + 1;
      }
      x1 = lo;
    }
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 + 1 };
}

export function invertMask(mask: Mask): Mask {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 255 - mask.data[i]!;
  return { width: mask.width, height: mask.height, data };
}

/** Round grow (max) or shrink (min) by r pixels: shared/mask-feather.ts, the canvas's own code too. */
function morph(mask: Mask, r: number, isMax: boolean): Mask {
  return {
    width: mask.width,
    height: mask.height,
    data: morphDisc(mask.data, mask.width, mask.height, r, isMax),
  };
}

export function growMask(mask: Mask, radius: number): Mask {
  return morph(mask, radius, true);
}

export function shrinkMask(mask: Mask, radius: number): Mask {
  return morph(mask, radius, false);
}

/**
 * Soft edge: three box blurs (≈ Gaussian, sigma ≈ radius/2, reach ≈ 1.5 x radius each side). Outside the photo
 * repeats the edge. Values that round to 0 stay exactly 0. (shared/mask-feather.ts: the canvas previews with it.)
 */
export function featherMask(mask: Mask, radius: number): Mask {
  return {
    width: mask.width,
    height: mask.height,
    data: softEdge(mask.data, mask.width, mask.height, radius),
  };
}

/** A sub-rectangle of a mask as its own mask. */
export function cropMask(mask: Mask, r: Rect): Mask {
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const s = (r.y + y) * mask.width + r.x;
    data.set(mask.data.subarray(s, s + r.width), y * r.width);
  }
  return { width: r.width, height: r.height, data };
}
