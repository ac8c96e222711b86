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
 * pixel's footprint, else 0. Made from paintedRuns.
 */
export function paintedAt(mask: Mask, crop: Rect, dw: number, dh: number): Uint8Array {
  const { from, to, rowStart } = paintedRuns(mask, crop, dw, dh);
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++)
    for (let k = rowStart[y]!; k < rowStart[y + 1]!; k++) out.fill(1, y * dw + from[k]!, y * dw + to[k]!);
  return out;
}

/** Output row y's painted columns: the runs [from[k], to[k]) for k in rowStart[y] .. rowStart[y + 1]. */
interface PaintedRuns {
  from: Int32Array;
  to: Int32Array;
  rowStart: Int32Array;
}

/**
 * paintedAt as runs of painted output columns per output row, in column order, apart (a run ends before the
 * next one starts, with at least one unpainted column between them). Separable, and by runs rather than
 * pixels: each source row's runs of painted pixels are found (patternRun skips its unpainted ends, a small
 * loop walks the rest), each becomes the one run of output columns whose footprints reach into it (footprints
 * are intervals that move right with the column), and an output row's runs are the union of those of the
 * source rows under its footprint. Unpainted rows cost one comparison; everything else is proportional to
 * the painted span of the crop's rows, not to the output's size.
 */
function paintedRuns(mask: Mask, crop: Rect, dw: number, dh: number): PaintedRuns {
  const fx = footprints(crop.width, dw);
  const fy = footprints(crop.height, dh);
  const all = Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength);
  const zeros = Buffer.alloc(crop.width);
  // Source column i: the first output column whose footprint ends past it (firstReaching[i]) and how many
  // output columns' footprints start before it (startsBefore[i]); both never decrease.
  const firstReaching = new Int32Array(crop.width + 1);
  const startsBefore = new Int32Array(crop.width + 1);
  for (let x = 0, i = 0; i <= crop.width; i++) {
    while (x < dw && fx.end[x]! <= i) x++;
    firstReaching[i] = x;
  }
  for (let x = 0, i = 0; i <= crop.width; i++) {
    while (x < dw && fx.start[x]! < i) x++;
    startsBefore[i] = x;
  }
  // Per source row r its output runs, merged: src's runs srcStart[r] .. srcStart[r + 1].
  const src = new Runs();
  const srcStart = new Int32Array(crop.height + 1);
  for (let y = 0; y < crop.height; y++) {
    srcStart[y] = src.row();
    const s = (crop.y + y) * mask.width + crop.x;
    const lead = patternRun(all, zeros, s, crop.width, 1, true);
    if (lead === crop.width) continue;
    const end = crop.width - patternRun(all, zeros, s + crop.width, crop.width - lead, 1, false);
    const line = mask.data.subarray(s, s + end);
    for (let a = lead; a < end;) {
      const b = paintedEnd(line, a, end);
      src.add(firstReaching[a]!, startsBefore[b]!);
      a = b < end ? unpaintedEnd(line, b, end) : end;
    }
  }
  srcStart[crop.height] = src.length;
  // Per output row: the union of its source rows' runs (each list sorted; usually one or two rows).
  const out = new Runs();
  const rowStart = new Int32Array(dh + 1);
  const pending: number[] = [];
  for (let y = 0; y < dh; y++) {
    rowStart[y] = out.row();
    const r0 = fy.start[y]!;
    const r1 = fy.end[y]!;
    if (r1 - r0 === 1) {
      for (let k = srcStart[r0]!; k < srcStart[r0 + 1]!; k++) out.add(src.from[k]!, src.to[k]!);
      continue;
    }
    pending.length = 0;
    for (let r = r0; r < r1; r++)
      for (let k = srcStart[r]!; k < srcStart[r + 1]!; k++) pending.push(src.from[k]!, src.to[k]!);
    if (pending.length === 0) continue;
    const order = Array.from({ length: pending.length / 2 }, (_, i) => i).sort(
      (i, j) => pending[2 * i]! - pending[2 * j]!,
    );
    for (const i of order) out.add(pending[2 * i]!, pending[2 * i + 1]!);
  }
  rowStart[dh] = out.length;
  return { from: out.from.subarray(0, out.length), to: out.to.subarray(0, out.length), rowStart };
}

/**
 * Runs appended in order of their starts, one row at a time (`row` starts the next one and gives where its
 * runs begin): a run that reaches or touches the row's last one is merged into it. `length` counts them.
 */
class Runs {
  from = new Int32Array(64);
  to = new Int32Array(64);
  length = 0;
  private rowFirst = 0;

  row(): number {
    this.rowFirst = this.length;
    return this.length;
  }

  add(a: number, b: number): void {
    const n = this.length;
    if (n > this.rowFirst && a <= this.to[n - 1]!) {
      if (b > this.to[n - 1]!) this.to[n - 1] = b;
      return;
    }
    if (n === this.from.length) {
      const f = new Int32Array(n * 2);
      f.set(this.from);
      this.from = f;
      const t = new Int32Array(n * 2);
      t.set(this.to);
      this.to = t;
    }
    this.from[n] = a;
    this.to[n] = b;
    this.length = n + 1;
  }
}

/** The first index in [i, end) of `line` that is 0, or end (line[i] is not 0). */
function paintedEnd(line: Uint8Array, i: number, end: number): number {
  while (i < end && line[i] !== 0) i++;
  return i;
}

/** The first index in [i, end) of `line` that is not 0, or end. */
function unpaintedEnd(line: Uint8Array, i: number, end: number): number {
  while (i < end && line[i] === 0) i++;
  return i;
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

/**
 * Opaque (255) alpha everywhere, as 32-bit words of RGBA zeros plus alpha, in this machine's byte order; a
 * painted pixel is the word 0 (RGBA zeros).
 */
const OPAQUE_WORD = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0]!;

/**
 * The API mask for `mask` under `plan`: the crop's painted pixels at their place in the API image (alpha 0,
 * "change"), everything else and the padding "keep" (alpha 255), as an RGBA PNG. It depends only on the mask
 * and the plan, not on the photo's pixels, so an edit starts it as soon as it has started decoding the
 * region (the JavaScript here runs while libvips decodes) and hands it to buildApiInputs.
 */
export function buildApiMask(mask: Mask, plan: RegionPlan): Promise<Uint8Array> {
  const { crop } = plan;
  if (crop.x < 0 || crop.y < 0 || crop.x + crop.width > mask.width || crop.y + crop.height > mask.height)
    return Promise.reject(new Error(`the plan's crop ${JSON.stringify(crop)} is outside the mask`));
  const api = apiDims(plan.apiSize);
  const dst = cropInApi(plan);
  const { from, to, rowStart } = paintedRuns(mask, crop, dst.width, dst.height);
  const rgba = new Uint8Array(api.width * api.height * 4);
  const words = new Uint32Array(rgba.buffer);
  words.fill(OPAQUE_WORD);
  for (let y = 0; y < dst.height; y++) {
    const row = (dst.y + y) * api.width + dst.x;
    for (let k = rowStart[y]!; k < rowStart[y + 1]!; k++) words.fill(0, row + from[k]!, row + to[k]!);
  }
  return sharp(rgba, { raw: { width: api.width, height: api.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer()
    .then(bufToU8);
}

/**
 * The two files for the service. `source` is the current image, whole or a region of it that holds the
 * plan's crop (a region decoded on its own, ProjectSession.currentRegion): the files are the same bytes
 * either way, since only the crop's pixels are read. `apiMask`, when given, is buildApiMask's for the same
 * mask and plan, started earlier.
 */
export async function buildApiInputs(
  source: Photo | PhotoRegion,
  mask: Mask,
  plan: RegionPlan,
  apiMask?: Promise<Uint8Array>,
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
  // Started first: libvips works on it while the mask (when not made already) is made in JS, and the two
  // encode side by side. The PNG is Sub-filtered and deflated in bands side by side (encodePngBands, level 3,
  // run-length): a photo's file about a third smaller than libvips' unfiltered one at the same level, in no
  // more time, and the same pixels.
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
  const [imagePng, maskPng] = await Promise.all([image, apiMask ?? buildApiMask(mask, plan)]);
  return { plan, image: imagePng, mask: maskPng };
}
