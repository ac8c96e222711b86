/**
 * The edit mask: 8-bit, the photo's size, 255 = change, 0 = keep. Operations are O(pixels) whatever the
 * radius (van Herk/Gil-Werman running max/min, triple box blur) and only touch the mask's bounding box plus
 * the radius, so they stay cheap on 24 MP masks.
 */
import sharp from 'sharp';
import type { MaskPayload, Rect } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { dilateDisc, erodeDisc } from '../../../shared/mask-morphology';
import type { Mask } from './types';
import { SHARP_TIMEOUT_SECONDS, invalid } from './util';

const sizeMismatch = (w: number, h: number, pw: number, ph: number) =>
  invalid(`The mask is ${w}x${h} but the photo is ${pw}x${ph}; paint the mask on this photo again.`);

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
  const { width, height, data } = mask;
  let y0 = -1;
  let y1 = -1;
  let x0 = width;
  let x1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (data[row + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    for (let x = width - 1; x > x1; x--) {
      if (data[row + x] !== 0) {
        x1 = x;
        break;
      }
    }
  }
  if (y0 < 0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export function invertMask(mask: Mask): Mask {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 255 - mask.data[i]!;
  return { width: mask.width, height: mask.height, data };
}

function expand(r: Rect, by: number, w: number, h: number): Rect {
  const x0 = Math.max(0, r.x - by);
  const y0 = Math.max(0, r.y - by);
  const x1 = Math.min(w, r.x + r.width + by);
  const y1 = Math.min(h, r.y + r.height + by);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Round structuring element (shared/mask-morphology.ts, the same code the canvas grows and shrinks with):
 * grow (max) or shrink (min) by r pixels. Outside the photo is ignored, so a mask touching the border does
 * not pull away from it. Only the mask's box widened by r is worked on: beyond it the mask is 0 and stays so.
 */
function morph(mask: Mask, r: number, isMax: boolean): Mask {
  const { width: W, height: H } = mask;
  r = Math.round(r);
  const out = new Uint8Array(mask.data);
  if (r <= 0) return { width: W, height: H, data: out };
  const b = maskBounds(mask);
  if (!b) return { width: W, height: H, data: out };
  const rect = expand(b, r, W, H);
  const sub = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const s = (rect.y + y) * W + rect.x;
    sub.set(mask.data.subarray(s, s + rect.width), y * rect.width);
  }
  (isMax ? dilateDisc : erodeDisc)(sub, rect.width, rect.height, r);
  for (let y = 0; y < rect.height; y++) {
    out.set(sub.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * W + rect.x);
  }
  return { width: W, height: H, data: out };
}

export function growMask(mask: Mask, radius: number): Mask {
  return morph(mask, radius, true);
}

export function shrinkMask(mask: Mask, radius: number): Mask {
  return morph(mask, radius, false);
}

/**
 * Soft edge: three box blurs (≈ Gaussian, sigma ≈ radius/2, reach ≈ 1.5 x radius each side). Outside the photo
 * repeats the edge. Values that round to 0 stay exactly 0.
 */
export function featherMask(mask: Mask, radius: number): Mask {
  const { width: W, height: H } = mask;
  const out = new Uint8Array(mask.data);
  const br = Math.max(0, Math.round(radius / 2));
  if (br === 0) return { width: W, height: H, data: out };
  const b = maskBounds(mask);
  if (!b) return { width: W, height: H, data: out };
  const rect = expand(b, 3 * br + 1, W, H);
  const rw = rect.width;
  const rh = rect.height;
  let f = new Float32Array(rw * rh);
  let g = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) f[y * rw + x] = mask.data[row + x]!;
  }
  const maxLen = Math.max(rw, rh);
  const src = new Float32Array(maxLen + 2 * br + 2);
  const dst = new Float32Array(maxLen);
  const k = 2 * br + 1;
  // One box pass over the line of n values f[base + i * step], in place. Beyond the photo: the edge value;
  // inside the photo but outside the working rect the mask is 0. Plain indexed loops (no per-pixel
  // callbacks): the same float32 values summed in the same order, so the result is unchanged.
  const pass = (n: number, startInPhoto: number, photoLen: number, base: number, step: number) => {
    const first = startInPhoto === 0 ? f[base]! : 0;
    const last = startInPhoto + n === photoLen ? f[base + (n - 1) * step]! : 0;
    for (let i = -br; i < 0; i++) src[i + br] = startInPhoto + i < 0 ? first : 0;
    for (let i = 0, j = base; i < n; i++, j += step) src[i + br] = f[j]!;
    for (let i = n; i < n + br; i++) src[i + br] = startInPhoto + i >= photoLen ? last : 0;
    let s = 0;
    for (let i = 0; i < k; i++) s += src[i]!;
    for (let i = 0; i < n; i++) {
      dst[i] = s / k;
      s += src[i + k]! - src[i]!;
    }
    for (let i = 0, j = base; i < n; i++, j += step) f[j] = dst[i]!;
  };
  // The vertical pass runs over all columns at once, row by row (cache-friendly), reading f and writing g:
  // per column the same sums in the same order as pass() would make (colSum holds each column's running
  // sum as a double, as pass's `s` is). Rows beyond the rect: the edge row at the photo's edge, else 0.
  const colSum = new Float64Array(rw);
  const zeroRow = new Float32Array(rw);
  const topEdge = rect.y === 0;
  const bottomEdge = rect.y + rh === H;
  const rowAt = (j: number): Float32Array =>
    j < 0
      ? topEdge
        ? f.subarray(0, rw)
        : zeroRow
      : j >= rh
        ? bottomEdge
          ? f.subarray((rh - 1) * rw, rh * rw)
          : zeroRow
        : f.subarray(j * rw, (j + 1) * rw);
  const columnPass = () => {
    colSum.fill(0);
    for (let i = 0; i < k; i++) {
      const r = rowAt(i - br);
      for (let x = 0; x < rw; x++) colSum[x] = colSum[x]! + r[x]!;
    }
    for (let i = 0; i < rh; i++) {
      const add = rowAt(i + k - br);
      const sub = rowAt(i - br);
      const o = i * rw;
      for (let x = 0; x < rw; x++) {
        g[o + x] = colSum[x]! / k;
        colSum[x] = colSum[x]! + (add[x]! - sub[x]!);
      }
    }
    [f, g] = [g, f];
  };
  for (let it = 0; it < 3; it++) {
    for (let y = 0; y < rh; y++) pass(rw, rect.x, W, y * rw, 1);
    columnPass();
  }
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) {
      const v = Math.round(f[y * rw + x]!);
      out[row + x] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return { width: W, height: H, data: out };
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
