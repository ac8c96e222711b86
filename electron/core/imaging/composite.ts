/**
 * Bringing the model's result back: decode, correct its colour with a smooth field that meets the photo
 * along the whole blend boundary (seamless.ts), sRGB -> the photo's profile, undo the uniform scale and the
 * padding, and express the blend as a Patch whose alpha is the feathered, slightly dilated edit mask. Where
 * that alpha is 0 the photo is untouched (see applyPatches).
 *
 * The field is computed where the drift is what the model did: for a photo with an ICC profile, in sRGB at
 * the API resolution, against the very image that was sent (a drift added in sRGB is not an offset in
 * another profile, e.g. Adobe RGB); for an untagged (sRGB) photo the two spaces are the same, so it is
 * computed and added after the scale back, at the photo's resolution and depth.
 */
import os from 'node:os';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { trace } from '../trace';
import { assertMaskFits, cropMask, featherMask, growMask, maskBounds } from './mask';
import type { Rect } from '../../../shared/contract';
import {
  apiDims,
  cropInApi,
  cutRegion,
  inRegion,
  isPhotoRegion,
  wholeRegion,
  type PhotoRegion,
} from './region';
import { fieldMargin, samplePositions, seamFieldFrom, seamSampling, type SeamSampling } from './seamless';
import type { CompositeOptions, Mask, Patch, Photo, RegionPlan } from './types';
import { LITTLE_ENDIAN } from './rgba-words';
import {
  SHARP_TIMEOUT_SECONDS,
  bufToU8,
  extract8,
  fromProfileToSrgb,
  fromSrgbToProfile,
  invalid,
} from './util';

const badResult = (detail: string, cause?: unknown) =>
  new AppError('bad-response', `The edit service returned ${detail}; run the edit again.`, { cause });

/**
 * The result as raw 8-bit sRGB at exactly the API size. A result smaller than half the requested size on
 * either side is refused (scaling it up would paste a blurred patch into the photo). Another size of the
 * same aspect (within 1%) is scaled uniformly to cover the API size and centred, the overflow (under 1% of
 * a side) cut off: never stretched. Any other aspect cannot be mapped back and is refused.
 */
async function decodeResult(result: Uint8Array, plan: RegionPlan): Promise<Uint8Array> {
  const api = apiDims(plan.apiSize);
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await sharp(result, { limitInputPixels: 8192 * 8192, failOn: 'error' })
      .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw badResult('an image Maskroom cannot read', e);
  }
  const { width, height, channels } = out.info;
  if (width === api.width && height === api.height && channels === 3) return bufToU8(out.data);
  if (width * 2 < api.width || height * 2 < api.height) {
    throw badResult(
      `an image of ${width}x${height} pixels, too small for the ${api.width}x${api.height} that was asked for`,
    );
  }
  if (Math.abs(Math.log(width / height / (api.width / api.height))) > 0.01) {
    throw badResult(`an image of ${width}x${height} pixels for a ${api.width}x${api.height} request`);
  }
  const fixed = await sharp(out.data, { raw: { width, height, channels } })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .removeAlpha()
    .resize(api.width, api.height, { fit: 'cover', position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (fixed.info.width !== api.width || fixed.info.height !== api.height || fixed.info.channels !== 3) {
    throw badResult(`an image of ${width}x${height} pixels for a ${api.width}x${api.height} request`);
  }
  return bufToU8(fixed.data);
}

/** A rectangle of a raw interleaved image (`width` wide) as its own buffer; no copy when it is the whole. */
function extractRaw(src: Uint8Array, width: number, ch: number, r: Rect): Uint8Array {
  if (r.x === 0 && r.y === 0 && r.width === width && src.length === r.width * r.height * ch) return src;
  const out = new Uint8Array(r.width * r.height * ch);
  const row = r.width * ch;
  for (let y = 0; y < r.height; y++) {
    const s = ((r.y + y) * width + r.x) * ch;
    out.set(src.subarray(s, s + row), y * row);
  }
  return out;
}

/**
 * The single global correction (colour method 'global'): per-channel mean/sd of photo vs result over the
 * ring just outside the blend area -> gain/offset. Kept to measure the seamless field against.
 */
export function colourTransfer(
  base: Photo,
  res: Uint8Array,
  plan: RegionPlan,
  weight: Mask,
  ringWidth: number,
): { gain: number[]; offset: number[]; samples: number } {
  const { crop } = plan;
  const support: Mask = {
    width: weight.width,
    height: weight.height,
    data: new Uint8Array(weight.data.length),
  };
  for (let i = 0; i < support.data.length; i++) support.data[i] = weight.data[i]! > 0 ? 255 : 0;
  const ring = growMask(support, ringWidth);
  const sB = [0, 0, 0];
  const sB2 = [0, 0, 0];
  const sR = [0, 0, 0];
  const sR2 = [0, 0, 0];
  let n = 0;
  const k = base.depth === 16 ? 1 / 257 : 1;
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const i = y * crop.width + x;
      if (ring.data[i] === 0 || support.data[i] !== 0) continue;
      const p = ((crop.y + y) * base.width + crop.x + x) * base.channels;
      for (let c = 0; c < 3; c++) {
        const b = base.pixels[p + c]! * k;
        const r = res[i * 3 + c]!;
        sB[c]! += b;
        sB2[c]! += b * b;
        sR[c]! += r;
        sR2[c]! += r * r;
      }
      n++;
    }
  }
  const gain = [1, 1, 1];
  const offset = [0, 0, 0];
  if (n < 32) return { gain, offset, samples: n };
  for (let c = 0; c < 3; c++) {
    const mb = sB[c]! / n;
    const mr = sR[c]! / n;
    const sdb = Math.sqrt(Math.max(0, sB2[c]! / n - mb * mb));
    const sdr = Math.sqrt(Math.max(0, sR2[c]! / n - mr * mr));
    // Contrast is only corrected where both sides have texture to measure; never more than 2x either way.
    const g = sdr > 2 && sdb > 2 ? Math.min(2, Math.max(0.5, sdb / sdr)) : 1;
    gain[c] = g;
    offset[c] = mb - g * mr;
  }
  return { gain, offset, samples: n };
}

/**
 * The photo's crop as it was sent (buildApiInputs' steps: 8 bit, scaled to its place `dst` in the API
 * image, to sRGB), over `area` only (dst-relative), as raw 8-bit RGB. `crop` is where the plan's crop lies
 * in `base`'s own pixels (the whole photo, or a region holding the crop).
 */
async function sentImage(
  base: Photo,
  crop: Rect,
  plan: RegionPlan,
  dst: Rect,
  area: Rect,
): Promise<Uint8Array> {
  // An 8-bit RGB photo is handed to sharp as it is and cropped there (the same pixels as extract8 gives,
  // without copying the crop in JS first); other layouts go through extract8's 8-bit RGB copy. The whole
  // crop is resized and `area` taken out afterwards: sharp's extract after a resize does not always give
  // the pixels of the whole resize (seen on upscales), and the field needs exactly the sent pixels.
  const direct = base.depth === 8 && base.channels === 3;
  const src = direct
    ? sharp(base.pixels, { raw: { width: base.width, height: base.height, channels: 3 } }).extract({
        left: crop.x,
        top: crop.y,
        width: crop.width,
        height: crop.height,
      })
    : sharp(extract8(base, crop, 3), { raw: { width: crop.width, height: crop.height, channels: 3 } });
  const scaled = await src
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .resize(dst.width, dst.height, { fit: 'fill', kernel: plan.scale < 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer();
  const part = extractRaw(bufToU8(scaled), dst.width, 3, area);
  const out = await fromProfileToSrgb(part, area.width, area.height, 3, base.icc)
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .raw()
    .toBuffer();
  if (out.length !== area.width * area.height * 3) {
    throw new Error(`sent image rebuilt as ${out.length} bytes, not ${area.width}x${area.height}`);
  }
  return bufToU8(out);
}

/**
 * The blend weight at the API resolution over `area` (dst-relative; `weight` is the crop's, which dst
 * covers): the weight at each API pixel's centre, grown by 2 API pixels so that no API pixel counted as
 * kept has the blend area inside its resampling kernel.
 */
function weightInApi(weight: Mask, dst: Rect, area: Rect): Mask {
  const sx = weight.width / dst.width;
  const sy = weight.height / dst.height;
  const data = new Uint8Array(area.width * area.height);
  const col = new Int32Array(area.width);
  for (let x = 0; x < area.width; x++) {
    col[x] = Math.min(weight.width - 1, Math.floor((area.x + x + 0.5) * sx));
  }
  for (let y = 0; y < area.height; y++) {
    const row = Math.min(weight.height - 1, Math.floor((area.y + y + 0.5) * sy)) * weight.width;
    const o = y * area.width;
    for (let x = 0; x < area.width; x++) data[o + x] = weight.data[row + col[x]!]! > 0 ? 255 : 0;
  }
  return growMask({ width: area.width, height: area.height, data }, 2);
}

/** 4x4 ordered-dither thresholds in (-0.5, 0.5): rounding a smooth offset leaves no banding. */
const BAYER = new Float32Array(
  [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map((v) => (v + 0.5) / 16 - 0.5),
);

/** The seamless field's side that the sent image and the weight fix: made before the result arrives. */
export interface SeamPrep {
  /** The area everything works on (dst-relative): the blend box at the API resolution plus the margin. */
  area: Rect;
  sampling: SeamSampling;
}

/**
 * Everything of the seamless field that does not depend on the result: the area (the blend box at the API
 * resolution, 3 px of slack for the grow and the rounding, plus the field's margin), the kept API pixels,
 * the image as it was sent over that area and its per-cell sums. Null when there is nothing to match
 * against (no kept pixel near the blend area).
 */
async function prepareSeam(
  base: Photo,
  crop: Rect,
  plan: RegionPlan,
  dst: Rect,
  weight: Mask,
  wb: Rect,
): Promise<SeamPrep | null> {
  const sx = dst.width / weight.width;
  const sy = dst.height / weight.height;
  const bx0 = Math.max(0, Math.floor(wb.x * sx) - 3);
  const by0 = Math.max(0, Math.floor(wb.y * sy) - 3);
  const bx1 = Math.min(dst.width, Math.ceil((wb.x + wb.width) * sx) + 3);
  const by1 = Math.min(dst.height, Math.ceil((wb.y + wb.height) * sy) + 3);
  const m = fieldMargin({ x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0 }) + 1;
  const ax = Math.max(0, bx0 - m);
  const ay = Math.max(0, by0 - m);
  const area: Rect = {
    x: ax,
    y: ay,
    width: Math.min(dst.width, bx1 + m) - ax,
    height: Math.min(dst.height, by1 + m) - ay,
  };
  const w = weightInApi(weight, dst, area);
  const box = maskBounds(w);
  if (!box) return null;
  const sent: Photo = {
    width: area.width,
    height: area.height,
    channels: 3,
    depth: 8,
    pixels: await sentImage(base, crop, plan, dst, area),
    icc: null,
    exif: null,
    format: 'raw',
  };
  const sampling = seamSampling(sent, { x: 0, y: 0, width: area.width, height: area.height }, w, box);
  return sampling.known > 0 ? { area, sampling } : null;
}

/**
 * The seamless field in the result's own space: photo (as sent) minus result, in sRGB at the API
 * resolution, where a drift is exactly what the model did; added to the result there, before it is
 * converted into the photo's profile and scaled back (a drift added in sRGB is not an offset in another
 * profile). `inCrop` is the result's dst.width x dst.height part (8-bit sRGB); returns it corrected (a
 * copy), or `inCrop` itself when there is nothing to match against. Only the blend box and the field's
 * margin are worked on. The sum is rounded with an ordered dither: rounding `integer + smooth offset` to
 * 8 bits would otherwise leave steps along the offset's contours (the error depends only on the offset),
 * where dithered it is noise that the scale back and any local average remove.
 */
export function correctInSrgb(inCrop: Uint8Array, dst: Rect, seam: SeamPrep): Uint8Array {
  const { area } = seam;
  const res = extractRaw(inCrop, dst.width, 3, area);
  const field = seamFieldFrom(seam.sampling, res);
  if (!field) return inCrop;
  // Corrected over the whole field (the box and its margin), so the scale back, whose kernel reaches a few
  // API pixels, never mixes corrected and uncorrected pixels inside the blend area.
  const x1 = Math.min(area.width, field.x0 + field.gw * field.cell);
  const y1 = Math.min(area.height, field.y0 + field.gh * field.cell);
  const out = inCrop.slice();
  // A clamped view: storing the rounded sum clamps it to 0..255.
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const cols = samplePositions(field.x0, x1 - field.x0, field.x0, field.cell, field.gw);
  const rows = samplePositions(field.y0, y1 - field.y0, field.y0, field.cell, field.gh);
  const n = x1 - field.x0;
  // The field's bilinear value is top + ty·(bottom - top), where top and bottom (the interpolations along
  // x in the two grid rows) change only with the grid row: top and bottom - top are computed once per grid
  // row, as doubles, the same arithmetic as a per-pixel lookup.
  const top = new Float64Array(n * 3);
  const dif = new Float64Array(n * 3);
  const dq = new Float64Array(4);
  const n3 = n * 3;
  const v = field.values;
  const gw = field.gw;
  let lastCy = -1;
  for (let y = field.y0; y < y1; y++) {
    const iy = y - field.y0;
    const cy = rows.lo[iy]!;
    const ty = rows.t[iy]!;
    if (cy !== lastCy) {
      lastCy = cy;
      const cy1 = cy + (field.gh > 1 ? 1 : 0);
      for (let ix = 0; ix < n; ix++) {
        const cx = cols.lo[ix]!;
        const tx = cols.t[ix]!;
        const cx1 = cx + (gw > 1 ? 1 : 0);
        const p00 = (cy * gw + cx) * 3;
        const p10 = (cy * gw + cx1) * 3;
        const p01 = (cy1 * gw + cx) * 3;
        const p11 = (cy1 * gw + cx1) * 3;
        for (let c = 0; c < 3; c++) {
          const t = v[p00 + c]! + tx * (v[p10 + c]! - v[p00 + c]!);
          top[ix * 3 + c] = t;
          dif[ix * 3 + c] = v[p01 + c]! + tx * (v[p11 + c]! - v[p01 + c]!) - t;
        }
      }
    }
    // The dithered add of the field's value (the same sum as per pixel), with the four thresholds of the
    // row's Bayer line in the order the columns meet them.
    const ay = area.y + y;
    const dither = (ay & 3) * 4;
    const xs = area.x + field.x0;
    for (let k = 0; k < 4; k++) dq[k] = BAYER[dither + ((xs + k) & 3)]!;
    let i = (ay * dst.width + xs) * 3;
    for (let j = 0, k = 0; j < n3; j += 3, i += 3, k = (k + 1) & 3) {
      const d = dq[k]!;
      clamped[i] = Math.round(inCrop[i]! + (top[j]! + ty * dif[j]!) + d);
      clamped[i + 1] = Math.round(inCrop[i + 1]! + (top[j + 1]! + ty * dif[j + 1]!) + d);
      clamped[i + 2] = Math.round(inCrop[i + 2]! + (top[j + 2]! + ty * dif[j + 2]!) + d);
    }
  }
  return out;
}

/**
 * What compositing needs that does not depend on the result's pixels, made from the photo and the mask
 * while the service works: the blend weight over its bounding box, and the seamless field's sent image,
 * kept pixels and per-cell sums. Only region-sized buffers: the photo itself is not held.
 */
export interface CompositePrep {
  plan: RegionPlan;
  feather: number;
  colorMatch: boolean;
  colorMethod: 'seamless' | 'global';
  depth: 8 | 16;
  icc: Uint8Array | null;
  /** The blend weight's bounding box (crop-relative) and the weight over it (wb.width x wb.height). */
  wb: Rect;
  weight: Uint8Array;
  /** Where the patch lands in the photo: wb moved into photo coordinates. */
  rect: Rect;
  seam: SeamPrep | null;
  /** Colour method 'global' only: the crop's weight and pixels for the ring statistics. */
  global: { weight: Mask; crop: Photo } | null;
}

/**
 * The blend weight, the seamless field's result-independent side, all from the photo and the mask. `source`
 * is the current image, whole or a region of it holding the plan's crop: only the crop's pixels are read.
 */
export async function prepareComposite(
  source: Photo | PhotoRegion,
  mask: Mask,
  plan: RegionPlan,
  opts: CompositeOptions,
): Promise<CompositePrep> {
  const region = isPhotoRegion(source) ? source : wholeRegion(source);
  assertMaskFits(mask, region);
  const { crop } = plan;
  const base = region.photo;
  const local = inRegion(region, crop);
  const dst = cropInApi(plan);
  // Blend weight: the edit mask grown by the feather radius, then feathered, inside the crop only.
  const feather = Math.max(0, opts.feather);
  const sub = cropMask(mask, crop);
  const weight = feather > 0 ? featherMask(growMask(sub, Math.ceil(feather)), feather) : sub;
  const wb = maskBounds(weight);
  if (!wb) throw invalid('Paint over the area to change first.');
  const colorMethod = opts.colorMethod ?? 'seamless';
  const seamless = opts.colorMatch && colorMethod !== 'global';
  const global = opts.colorMatch && colorMethod === 'global';
  return {
    plan,
    feather: opts.feather,
    colorMatch: opts.colorMatch,
    colorMethod,
    depth: base.depth,
    icc: base.icc,
    wb,
    weight: cropMask(weight, wb).data,
    rect: { x: crop.x + wb.x, y: crop.y + wb.y, width: wb.width, height: wb.height },
    seam: seamless ? await prepareSeam(base, local, plan, dst, weight, wb) : null,
    global: global ? { weight, crop: cropPhoto(base, local) } : null,
  };
}

/** A rectangle of a photo as its own photo, at its depth and channels. */
function cropPhoto(p: Photo, r: Rect): Photo {
  return cutRegion(p, r).photo;
}

/**
 * The part `out` (crop-relative) of `src` (dst.width x dst.height, 8-bit RGB) scaled to the crop's size:
 * resize then extract in one libvips pipeline, raw 8-bit RGB, out.width x out.height.
 */
export async function scaleBack(
  src: Uint8Array,
  dst: { width: number; height: number },
  crop: { width: number; height: number },
  out: Rect,
  kernel: 'lanczos3' | 'mitchell',
): Promise<Uint8Array> {
  let s = sharp(src, { raw: { width: dst.width, height: dst.height, channels: 3 } })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .resize(crop.width, crop.height, { fit: 'fill', kernel });
  const whole = out.x === 0 && out.y === 0 && out.width === crop.width && out.height === crop.height;
  if (!whole) s = s.extract({ left: out.x, top: out.y, width: out.width, height: out.height });
  const buf = await s.raw().toBuffer();
  if (buf.length !== out.width * out.height * 3) {
    throw new Error(`result resized to ${buf.length} bytes, not ${out.width}x${out.height}`);
  }
  return bufToU8(buf);
}

/** The patch from a prepared composite and the result: what is left to do once the result is here. */
export async function compositePrepared(prep: CompositePrep, result: Uint8Array): Promise<Patch> {
  const { plan, wb, weight } = prep;
  const { crop } = plan;
  const api = apiDims(plan.apiSize);
  // The inverse of buildApiInputs: the crop's rectangle in the API image, padding cut away, scaled back
  // to the crop exactly.
  const dst = cropInApi(plan);
  const srgb = await decodeResult(result, plan);
  trace('result-decoded');
  let inCrop = extractRaw(srgb, api.width, 3, dst);
  if (prep.seam) inCrop = correctInSrgb(inCrop, dst, prep.seam);
  trace('result-corrected');

  const inProfile = await fromSrgbToProfile(inCrop, dst.width, dst.height, 3, prep.icc);
  // The scale back to the crop, of which only the blend box is kept (the global method's ring statistics
  // need the whole crop). libvips computes an extract after a resize on demand, so only the rows and
  // columns of the box (and the source pixels under the kernel) are resampled; each output pixel depends
  // only on its own position, so the box is bit for bit that part of the whole resize (tested).
  const kernel = plan.scale > 1 ? 'lanczos3' : 'mitchell';
  const depth = prep.depth;
  const n = wb.width * wb.height * 4;
  const rgba = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  if (!prep.global) {
    // The blend box in row parts scaled side by side (scaleParts), each packed as it is: the parts are the
    // box's rows of one whole scale back, bit for bit.
    const cuts = rowCuts(wb.height, scaleParts(wb.height));
    const parts = await scaleBackInRows(inProfile, dst, crop, wb, kernel, cuts);
    trace('scaled-back');
    const px = wb.width;
    parts.forEach((res, k) => {
      const y0 = cuts[k]!;
      const y1 = cuts[k + 1]!;
      packResult(
        res,
        weight.subarray(y0 * px, y1 * px),
        px,
        y1 - y0,
        rgba.subarray(y0 * px * 4, y1 * px * 4),
      );
    });
    return { rect: { ...prep.rect }, depth, rgba };
  }
  // The global method: the whole crop scaled, its ring statistics, a gain and offset per channel.
  const res = await scaleBack(
    inProfile,
    dst,
    crop,
    { x: 0, y: 0, width: crop.width, height: crop.height },
    kernel,
  );
  trace('scaled-back');
  const rw = crop.width;
  const ringWidth = Math.max(8, Math.round(Math.max(crop.width, crop.height) * 0.03));
  const at0: RegionPlan = { ...plan, crop: { x: 0, y: 0, width: crop.width, height: crop.height } };
  const { gain, offset } = colourTransfer(prep.global.crop, res, at0, prep.global.weight, ringWidth);
  const max = depth === 16 ? 65535 : 255;
  const unit = depth === 16 ? 257 : 1;
  for (let y = 0, o = 0, a = 0; y < wb.height; y++) {
    for (let x = 0; x < wb.width; x++, o += 4, a++) {
      const wv = weight[a]!;
      if (wv === 0) continue; // stays 0,0,0,0
      const i = ((wb.y + y) * rw + wb.x + x) * 3;
      for (let c = 0; c < 3; c++) {
        const val = Math.round((gain[c]! * res[i + c]! + offset[c]!) * unit);
        rgba[o + c] = val < 0 ? 0 : val > max ? max : val;
      }
      rgba[o + 3] = wv * unit;
    }
  }
  return { rect: { ...prep.rect }, depth, rgba };
}

/**
 * How many row parts the blend box's scale back is cut into, run side by side on libuv's pool: as many as
 * the cores libvips leaves idle with its threads per operation (sharp.concurrency: one in the app, where
 * sharp's default on glibc Linux keeps it so; every core in the CLI, which needs no cut), at most 4, and
 * parts of at least 64 rows. On two cores with one thread an operation a 839 px box scales in about 21 ms
 * in two parts instead of 35 in one.
 */
export function scaleParts(rows: number): number {
  const idle = Math.floor(os.availableParallelism() / Math.max(1, sharp.concurrency()));
  return Math.max(1, Math.min(4, idle, Math.floor(rows / 64)));
}

/** 0 = c0 < c1 < ... < c_parts = rows: `rows` cut into `parts` (at most `rows`) runs as even as can be. */
export function rowCuts(rows: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, k) => Math.round((k * rows) / parts));
}

/** The box's rows cuts[k]..cuts[k+1] of scaleBack, each part scaled on its own, all side by side. */
export function scaleBackInRows(
  src: Uint8Array,
  dst: { width: number; height: number },
  crop: { width: number; height: number },
  box: Rect,
  kernel: 'lanczos3' | 'mitchell',
  cuts: number[],
): Promise<Uint8Array[]> {
  return Promise.all(
    cuts
      .slice(1)
      .map((y1, k) =>
        scaleBack(src, dst, crop, { ...box, y: box.y + cuts[k]!, height: y1 - cuts[k]! }, kernel),
      ),
  );
}

/**
 * The patch's samples from the scaled result `res` (8-bit RGB, width x height, the blend box's rows) and the
 * weight (width x height) as alpha: the result's own samples, no gain or offset, times 257 at 16 bit
 * (`rgba` a Uint16Array); 0,0,0,0 where the weight is 0. A function of its own so that it can be
 * rehearsed (rehearseComposite).
 */
function packResult(
  res: Uint8Array,
  weight: Uint8Array,
  width: number,
  height: number,
  rgba: Uint8Array | Uint16Array,
): void {
  if (rgba instanceof Uint8Array && LITTLE_ENDIAN) {
    // One 32-bit word per pixel.
    const words = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
    for (let a = 0, i = 0; a < width * height; a++, i += 3) {
      const wv = weight[a]!;
      if (wv === 0) continue; // stays 0,0,0,0
      words[a] = res[i]! | (res[i + 1]! << 8) | (res[i + 2]! << 16) | (wv << 24);
    }
    return;
  }
  const unit = rgba instanceof Uint16Array ? 257 : 1;
  for (let a = 0, o = 0, i = 0; a < width * height; a++, o += 4, i += 3) {
    const wv = weight[a]!;
    if (wv === 0) continue; // stays 0,0,0,0
    rgba[o] = res[i]! * unit;
    rgba[o + 1] = res[i + 1]! * unit;
    rgba[o + 2] = res[i + 2]! * unit;
    rgba[o + 3] = wv * unit;
  }
}

/** Rows of the blend box a rehearsal packs, at most (enough for V8 to compile the loop, whatever the box). */
const REHEARSAL_ROWS = 256;

/**
 * The result-dependent JavaScript of compositePrepared run once on made-up pixels of the prepared sizes,
 * while the service works: the seam field and its correction over the API image's crop, and the packing of
 * the first rows of the blend box. The first time such code runs, V8 runs it in its interpreter and then
 * compiles it while it runs (on a 2-core machine the correction alone took about 100 ms that way, 40 ms
 * once compiled); rehearsed, the result's composite starts with the compiled code. The pixels are a fixed
 * pseudo-random pattern (every branch of the field, the clamps and the weights is taken, as with a real
 * result); nothing of it is kept. Gives the rows it packed, as a patch, for rehearsing the layer's files.
 * The prepared global colour method's own loop is not rehearsed.
 */
export function rehearseComposite(prep: CompositePrep): Patch {
  if (prep.seam) {
    const dst = cropInApi(prep.plan);
    correctInSrgb(noise(dst.width * dst.height * 3), dst, prep.seam);
  }
  const { wb } = prep;
  const rows = Math.min(wb.height, REHEARSAL_ROWS);
  const n = wb.width * rows * 4;
  const rgba = prep.depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  packResult(noise(wb.width * rows * 3), prep.weight, wb.width, rows, rgba);
  return { rect: { ...prep.rect, height: rows }, depth: prep.depth, rgba };
}

/** n bytes of a fixed pseudo-random pattern (a linear congruential generator, 4 bytes a step). */
function noise(n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0, r = 12345; i < words.length; i++) {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    words[i] = r;
  }
  return new Uint8Array(words.buffer, 0, n);
}

/** The patch for `result` over `base`: prepareComposite then compositePrepared. */
export async function compositeResult(
  base: Photo,
  result: Uint8Array,
  mask: Mask,
  plan: RegionPlan,
  opts: CompositeOptions,
): Promise<Patch> {
  return compositePrepared(await prepareComposite(base, mask, plan, opts), result);
}
