/**
 * Bringing the model's result back: decode, sRGB -> the photo's profile, undo the uniform scale and the
 * padding, correct its colour with a smooth field that meets the photo along the whole blend boundary
 * (seamless.ts), and express the blend as a Patch whose alpha is the feathered, slightly dilated edit mask.
 * Where that alpha is 0 the photo is untouched (see applyPatches).
 */
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { cropMask, featherMask, growMask, maskBounds } from './mask';
import type { Rect } from '../../../shared/contract';
import { apiDims, cropInApi } from './region';
import { samplePositions, seamField, type SeamField } from './seamless';
import type { CompositeOptions, Mask, Patch, Photo, RegionPlan } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8, fromSrgbToProfile, invalid } from './util';

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

export async function compositeResult(
  base: Photo,
  result: Uint8Array,
  mask: Mask,
  plan: RegionPlan,
  opts: CompositeOptions,
): Promise<Patch> {
  if (mask.width !== base.width || mask.height !== base.height) {
    throw invalid(
      `The mask is ${mask.width}x${mask.height} but the photo is ${base.width}x${base.height}; paint the mask on this photo again.`,
    );
  }
  const { crop } = plan;
  const api = apiDims(plan.apiSize);
  // The inverse of buildApiInputs: the crop's rectangle in the API image, padding cut away, scaled back
  // to the crop exactly.
  const dst = cropInApi(plan);

  const srgb = await decodeResult(result, plan);
  const inCrop = extractRaw(srgb, api.width, 3, dst);
  const inProfile = await fromSrgbToProfile(inCrop, dst.width, dst.height, 3, base.icc);
  const resBuf = await sharp(inProfile, { raw: { width: dst.width, height: dst.height, channels: 3 } })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .resize(crop.width, crop.height, { fit: 'fill', kernel: plan.scale > 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer();
  if (resBuf.length !== crop.width * crop.height * 3) {
    throw new Error(`result resized to ${resBuf.length} bytes, not the crop's size`);
  }
  const res = bufToU8(resBuf);

  // Blend weight: the edit mask grown by the feather radius, then feathered, inside the crop only.
  const feather = Math.max(0, opts.feather);
  const sub = cropMask(mask, crop);
  const weight = feather > 0 ? featherMask(growMask(sub, Math.ceil(feather)), feather) : sub;

  const wb = maskBounds(weight);
  if (!wb) throw invalid('Paint over the area to change first.');

  let gain = [1, 1, 1];
  let offset = [0, 0, 0];
  let field: SeamField | null = null;
  if (opts.colorMatch && opts.colorMethod === 'global') {
    const ringWidth = Math.max(8, Math.round(Math.max(crop.width, crop.height) * 0.03));
    ({ gain, offset } = colourTransfer(base, res, plan, weight, ringWidth));
  } else if (opts.colorMatch) {
    field = seamField(base, res, crop, weight, wb);
  }

  const rect = { x: crop.x + wb.x, y: crop.y + wb.y, width: wb.width, height: wb.height };
  const depth = base.depth;
  const n = rect.width * rect.height * 4;
  const rgba = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  const unit = depth === 16 ? 257 : 1;
  // Bilinear sampling of the field: positions per column once, per row in the loop.
  const cols = field ? samplePositions(wb.x, wb.width, field.x0, field.cell, field.gw) : null;
  const rows = field ? samplePositions(wb.y, wb.height, field.y0, field.cell, field.gh) : null;
  const off = [0, 0, 0];
  let o = 0;
  for (let y = wb.y; y < wb.y + wb.height; y++) {
    const ry = y - wb.y;
    for (let x = wb.x; x < wb.x + wb.width; x++, o += 4) {
      const i = y * crop.width + x;
      const a = weight.data[i]!;
      if (a === 0) continue; // stays 0,0,0,0
      if (field && cols && rows) {
        const gw = field.gw;
        const cx = cols.lo[x - wb.x]!;
        const tx = cols.t[x - wb.x]!;
        const cy = rows.lo[ry]!;
        const ty = rows.t[ry]!;
        const cx1 = cx + (gw > 1 ? 1 : 0);
        const cy1 = cy + (field.gh > 1 ? 1 : 0);
        const v = field.values;
        const p00 = (cy * gw + cx) * 3;
        const p10 = (cy * gw + cx1) * 3;
        const p01 = (cy1 * gw + cx) * 3;
        const p11 = (cy1 * gw + cx1) * 3;
        for (let c = 0; c < 3; c++) {
          const top = v[p00 + c]! + tx * (v[p10 + c]! - v[p00 + c]!);
          const bot = v[p01 + c]! + tx * (v[p11 + c]! - v[p01 + c]!);
          off[c] = top + ty * (bot - top);
        }
        for (let c = 0; c < 3; c++) {
          const val = Math.round((res[i * 3 + c]! + off[c]!) * unit);
          rgba[o + c] = val < 0 ? 0 : val > max ? max : val;
        }
      } else {
        for (let c = 0; c < 3; c++) {
          const val = Math.round((gain[c]! * res[i * 3 + c]! + offset[c]!) * unit);
          rgba[o + c] = val < 0 ? 0 : val > max ? max : val;
        }
      }
      rgba[o + 3] = a * unit;
    }
  }
  return { rect, depth, rgba };
}
