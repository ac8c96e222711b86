/**
 * The two files the service gets: the region in sRGB at the API size, and the RGBA mask of the same size.
 *
 * Geometry (see region.ts): the frame is the crop plus padding, of exactly the API aspect, scaled uniformly
 * to the API size. The crop is resized on its own to the rectangle it occupies in the API image
 * (`cropInApi`), and the padding is then added at API resolution by copying the crop's edge pixels outwards.
 * Resize and extend are separate steps (sharp runs its operations in a fixed order, whatever the call order),
 * and padding never exists at photo resolution: a 20000x200 panorama's frame would be 266 MP.
 */
import sharp from 'sharp';
import type { Rect } from '../../../shared/contract';
import { apiDims, cropInApi } from './region';
import { assertMaskFits } from './mask';
import type { ApiInputs, Mask, Photo, RegionPlan } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8, extract8, fromProfileToSrgb } from './util';

/**
 * Copies `src` (rect.width x rect.height, `ch` channels) into a width x height image at rect.x, rect.y and
 * fills everything around it with the nearest edge pixel of `src` (clamp-to-edge).
 */
export function extendEdges(
  src: Uint8Array,
  rect: Rect,
  width: number,
  height: number,
  ch: number,
): Uint8Array {
  const out = new Uint8Array(width * height * ch);
  const rowBytes = width * ch;
  const left = rect.x * ch;
  const inner = rect.width * ch;
  for (let y = 0; y < rect.height; y++) {
    const o = (rect.y + y) * rowBytes;
    const s = y * inner;
    out.set(src.subarray(s, s + inner), o + left);
    for (let x = 0; x < rect.x; x++) out.copyWithin(o + x * ch, o + left, o + left + ch);
    const last = o + left + inner - ch;
    for (let x = rect.x + rect.width; x < width; x++) out.copyWithin(o + x * ch, last, last + ch);
  }
  const first = rect.y * rowBytes;
  for (let y = 0; y < rect.y; y++) out.copyWithin(y * rowBytes, first, first + rowBytes);
  const lastRow = (rect.y + rect.height - 1) * rowBytes;
  for (let y = rect.y + rect.height; y < height; y++)
    out.copyWithin(y * rowBytes, lastRow, lastRow + rowBytes);
  return out;
}

/** Source index range [start[i], end[i]) of the photo pixels that output pixel i (of n) covers, of len. */
function footprints(len: number, n: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = Math.floor((i * len) / n);
    end[i] = Math.max(start[i]! + 1, Math.ceil(((i + 1) * len) / n));
  }
  return { start, end };
}

/**
 * The crop of the edit mask at dst's size: 1 where any painted (non-zero) photo pixel falls inside the output
 * pixel's footprint, else 0. Separable (rows, then columns), O(crop + output).
 */
export function paintedAt(mask: Mask, crop: Rect, dw: number, dh: number): Uint8Array {
  const fx = footprints(crop.width, dw);
  const fy = footprints(crop.height, dh);
  const rows = new Uint8Array(crop.height * dw);
  for (let y = 0; y < crop.height; y++) {
    const s = (crop.y + y) * mask.width + crop.x;
    const line = mask.data.subarray(s, s + crop.width);
    const o = y * dw;
    for (let x = 0; x < dw; x++) {
      const e = fx.end[x]!;
      for (let i = fx.start[x]!; i < e; i++) {
        if (line[i] !== 0) {
          rows[o + x] = 1;
          break;
        }
      }
    }
  }
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const o = y * dw;
    const e = fy.end[y]!;
    for (let r = fy.start[y]!; r < e; r++) {
      const s = r * dw;
      for (let x = 0; x < dw; x++) if (rows[s + x] !== 0) out[o + x] = 1;
    }
  }
  return out;
}

export async function buildApiInputs(base: Photo, mask: Mask, plan: RegionPlan): Promise<ApiInputs> {
  assertMaskFits(mask, base);
  const { crop } = plan;
  const api = apiDims(plan.apiSize);
  const dst = cropInApi(plan);
  const padded = dst.width !== api.width || dst.height !== api.height;

  // Image: crop (8 bit, RGB) -> resize to its place in the API image -> edge-extend -> sRGB -> PNG.
  const rgb = extract8(base, crop, 3);
  const scaled = await sharp(rgb, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .resize(dst.width, dst.height, { fit: 'fill', kernel: plan.scale < 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (scaled.info.width !== dst.width || scaled.info.height !== dst.height || scaled.info.channels !== 3) {
    throw new Error(`API image resized to ${scaled.info.width}x${scaled.info.height}, not the planned size`);
  }
  const full = padded
    ? extendEdges(bufToU8(scaled.data), dst, api.width, api.height, 3)
    : bufToU8(scaled.data);
  const image = await fromProfileToSrgb(full, api.width, api.height, 3, base.icc)
    .png({ compressionLevel: 3 })
    .toBuffer();

  // Mask: same geometry. Alpha 0 ("change") wherever a painted photo pixel falls; padding is "keep" (255).
  const painted = paintedAt(mask, crop, dst.width, dst.height);
  const rgba = new Uint8Array(api.width * api.height * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (let y = 0; y < dst.height; y++) {
    let o = ((dst.y + y) * api.width + dst.x) * 4 + 3;
    const s = y * dst.width;
    for (let x = 0; x < dst.width; x++, o += 4) if (painted[s + x]) rgba[o] = 0;
  }
  const maskPng = await sharp(rgba, { raw: { width: api.width, height: api.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { plan, image: bufToU8(image), mask: bufToU8(maskPng) };
}
