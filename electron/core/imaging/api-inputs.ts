/**
 * The two files the service gets: the region in sRGB at the API size, and the RGBA mask of the same size.
 *
 * Geometry (see region.ts): the frame is the crop plus padding, of exactly the API aspect, scaled uniformly
 * to the API size. The crop is resized on its own to the rectangle it occupies in the API image
 * (`cropInApi`), and the padding is then added at API resolution by copying the crop's edge pixels outwards.
 * Resize and extend are separate steps (sharp runs its operations in a fixed order, whatever the call order),
 * and padding never exists at photo resolution: a 20000x200 panorama's frame would be 266 MP.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { Rect } from '../../../shared/contract';
import { apiDims, cropInApi, inRegion, isPhotoRegion, wholeRegion, type PhotoRegion } from './region';
import { assertMaskFits } from './mask';
import { encodePngBands } from './png';
import { patternRun } from './mask-luma';
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
 * pixel's footprint, else 0. Separable (rows, then columns), O(crop + output); unpainted rows (most of the
 * context around the mask) are skipped with one comparison each, and a painted row's unpainted ends with a
 * few more: only the output pixels whose footprints reach between its first and last painted pixel are
 * looked at one by one.
 */
export function paintedAt(mask: Mask, crop: Rect, dw: number, dh: number): Uint8Array {
  return paintedSpans(mask, crop, dw, dh).out;
}

/**
 * paintedAt, with each output row's painted columns bounded: row y's 1s all lie in [lo[y], hi[y]) (empty when
 * lo >= hi). Every loop after the rows' scan runs over those bounds only, not over the output's width.
 */
function paintedSpans(
  mask: Mask,
  crop: Rect,
  dw: number,
  dh: number,
): { out: Uint8Array; lo: Int32Array; hi: Int32Array } {
  const fx = footprints(crop.width, dw);
  const fy = footprints(crop.height, dh);
  const rows = new Uint8Array(crop.height * dw);
  // Source row r's 1s in `rows` lie in [rowLo[r], rowHi[r]); rowHi[r] = 0 for a row with none.
  const rowLo = new Int32Array(crop.height);
  const rowHi = new Int32Array(crop.height);
  const all = Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength);
  const zeros = Buffer.alloc(crop.width);
  // The first output column whose footprint ends past source column i (footprint ends never decrease).
  const firstReaching = new Int32Array(crop.width + 1);
  for (let x = 0, i = 0; i <= crop.width; i++) {
    while (x < dw && fx.end[x]! <= i) x++;
    firstReaching[i] = x;
  }
  for (let y = 0; y < crop.height; y++) {
    const s = (crop.y + y) * mask.width + crop.x;
    const lead = patternRun(all, zeros, s, crop.width, 1, true);
    if (lead === crop.width) continue;
    const last = crop.width - 1 - patternRun(all, zeros, s + crop.width, crop.width - lead, 1, false);
    const line = mask.data.subarray(s, s + crop.width);
    const o = y * dw;
    let lo = dw;
    let hi = 0;
    // Footprints that start after the last painted pixel hold none.
    for (let x = firstReaching[lead]!; x < dw && fx.start[x]! <= last; x++) {
      const e = Math.min(fx.end[x]!, last + 1);
      for (let i = Math.max(fx.start[x]!, lead); i < e; i++) {
        if (line[i] !== 0) {
          rows[o + x] = 1;
          if (x < lo) lo = x;
          hi = x + 1;
          break;
        }
      }
    }
    rowLo[y] = lo;
    rowHi[y] = hi;
  }
  const out = new Uint8Array(dw * dh);
  const lo = new Int32Array(dh);
  const hi = new Int32Array(dh);
  for (let y = 0; y < dh; y++) {
    const o = y * dw;
    const e = fy.end[y]!;
    let l = dw;
    let h = 0;
    for (let r = fy.start[y]!; r < e; r++) {
      const rh = rowHi[r]!;
      if (rh === 0) continue;
      const s = r * dw;
      const rl = rowLo[r]!;
      for (let x = rl; x < rh; x++) if (rows[s + x] !== 0) out[o + x] = 1;
      if (rl < l) l = rl;
      if (rh > h) h = rh;
    }
    lo[y] = l;
    hi[y] = h;
  }
  return { out, lo, hi };
}

/**
 * The crop at its place in the API image, 8-bit RGB. `crop` is where the crop lies in `base`'s own pixels
 * (the whole photo, or a region holding the crop). An 8-bit RGB image is handed to sharp as it is and
 * cropped there (the same pixels extract8 copies, without the copy); other layouts go through extract8.
 */
async function scaledCrop(base: Photo, crop: Rect, plan: RegionPlan, dst: Rect): Promise<Uint8Array> {
  const src =
    base.depth === 8 && base.channels === 3
      ? sharp(base.pixels, {
          raw: { width: base.width, height: base.height, channels: 3 },
          limitInputPixels: false,
        }).extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
      : sharp(extract8(base, crop, 3), { raw: { width: crop.width, height: crop.height, channels: 3 } });
  const scaled = await src
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .resize(dst.width, dst.height, { fit: 'fill', kernel: plan.scale < 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (scaled.info.width !== dst.width || scaled.info.height !== dst.height || scaled.info.channels !== 3) {
    throw new Error(`API image resized to ${scaled.info.width}x${scaled.info.height}, not the planned size`);
  }
  return bufToU8(scaled.data);
}

/** Opaque (255) alpha everywhere, as 32-bit words of RGBA zeros plus alpha, in this machine's byte order. */
const OPAQUE_WORD = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0]!;

/**
 * The two files for the service. `source` is the current image, whole or a region of it that holds the
 * plan's crop (a region decoded on its own, ProjectSession.currentRegion): the files are the same bytes
 * either way, since only the crop's pixels are read.
 */
export async function buildApiInputs(
  source: Photo | PhotoRegion,
  mask: Mask,
  plan: RegionPlan,
): Promise<ApiInputs> {
  const region = isPhotoRegion(source) ? source : wholeRegion(source);
  assertMaskFits(mask, region);
  const { crop } = plan;
  const base = region.photo;
  const local = inRegion(region, crop);
  const api = apiDims(plan.apiSize);
  const dst = cropInApi(plan);
  const padded = dst.width !== api.width || dst.height !== api.height;

  // Image: crop (8 bit, RGB) -> resize to its place in the API image -> edge-extend -> sRGB -> PNG.
  // Started first: libvips works on it while the mask below is made in JS, and the two encode side by side.
  // The PNG is Sub-filtered and deflated in bands side by side (encodePngBands, level 3, run-length): a
  // photo's file about a third smaller than libvips' unfiltered one at the same level, in no more time,
  // and the same pixels.
  const image = scaledCrop(base, local, plan, dst).then(async (scaled) => {
    const full = padded ? extendEdges(scaled, dst, api.width, api.height, 3) : scaled;
    const srgb = base.icc
      ? bufToU8(await fromProfileToSrgb(full, api.width, api.height, 3, base.icc).raw().toBuffer())
      : full;
    return encodePngBands(
      { width: api.width, height: api.height, channels: 3, depth: 8, pixels: srgb },
      { level: 3, strategy: zlib.constants.Z_RLE, filter: 'sub' },
    );
  });
  image.catch(() => undefined);

  // Mask: same geometry. Alpha 0 ("change") wherever a painted photo pixel falls; padding is "keep" (255).
  const { out: painted, lo, hi } = paintedSpans(mask, crop, dst.width, dst.height);
  const rgba = new Uint8Array(api.width * api.height * 4);
  new Uint32Array(rgba.buffer).fill(OPAQUE_WORD);
  for (let y = 0; y < dst.height; y++) {
    const x1 = hi[y]!;
    let o = ((dst.y + y) * api.width + dst.x + lo[y]!) * 4 + 3;
    const s = y * dst.width;
    for (let x = lo[y]!; x < x1; x++, o += 4) if (painted[s + x]) rgba[o] = 0;
  }
  const maskPng = sharp(rgba, { raw: { width: api.width, height: api.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  const [imagePng, maskBytes] = await Promise.all([image, maskPng]);
  return { plan, image: imagePng, mask: bufToU8(maskBytes) };
}
