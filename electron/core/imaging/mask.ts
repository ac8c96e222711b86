/**
 * The edit mask: 8-bit, the photo's size, 255 = change, 0 = keep. Operations are O(pixels) whatever the
 * radius (van Herk/Gil-Werman running max/min, triple box blur) and only touch the mask's bounding box plus
 * the radius, so they stay cheap on 24 MP masks.
 */
import sharp from 'sharp';
import type { MaskPayload, Rect } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { morphDisc, paintedBox, softEdge } from '../../../shared/mask-feather';
import type { Mask } from './types';
import { SHARP_TIMEOUT_SECONDS, invalid } from './util';

const sizeMismatch = (w: number, h: number, pw: number, ph: number) =>
  invalid(`The mask is ${w}x${h} but the photo is ${pw}x${ph}; paint the mask on this photo again.`);

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
 * From an image file (CLI, or a PNG from the renderer): white = change. Luminance of the image flattened on
 * black, so a white stroke on a transparent canvas and a white-on-black file read the same.
 */
export async function maskFromFile(bytes: Uint8Array, width: number, height: number): Promise<Mask> {
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    const meta = await sharp(bytes, { limitInputPixels: Math.max(width * height, 1) * 4 + 1 }).metadata();
    const o = meta.orientation ?? 1;
    const mw = o >= 5 ? meta.height : meta.width;
    const mh = o >= 5 ? meta.width : meta.height;
    if (mw !== width || mh !== height) throw sizeMismatch(mw ?? 0, mh ?? 0, width, height);
    out = await sharp(bytes, { ignoreIcc: true, failOn: 'error', limitInputPixels: width * height + 1 })
      .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
      .autoOrient()
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(
      'unsupported-image',
      "The mask file could not be read; save it as a PNG of the photo's size.",
      {
        cause: e,
      },
    );
  }
  const { data, info } = out;
  const n = width * height;
  const m = new Uint8Array(n);
  const c = info.channels;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    const r = data[j]!;
    const g = c >= 3 ? data[j + 1]! : r;
    const b = c >= 3 ? data[j + 2]! : r;
    // Rec. 601 luma in integers: exact for grey (r=g=b) inputs.
    m[i] = (r * 19595 + g * 38470 + b * 7471 + 32768) >>> 16;
  }
  return { width, height, data: m };
}

/** Bounding box of the non-zero pixels, or null when the mask is empty. */
export function maskBounds(mask: Mask): Rect | null {
  return paintedBox(mask.data, mask.width, mask.height);
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
