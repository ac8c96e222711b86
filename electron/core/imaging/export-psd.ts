/**
 * Layered export: a PSD whose background layer is the original, with one pixel layer per visible edit
 * placed at its rectangle and its feathered mask as the layer mask, named after its prompt, with the
 * original's ICC profile and the flattened image as the composite (what readers without layers show).
 *
 * The depth follows the original: an 8-bit original is written with ag-psd (maintained, pure JavaScript, no
 * canvas needed when given raw pixels; it has no ICC resource, so the profile is spliced into the
 * image-resources section here), a 16-bit one by export-psd16.ts (ag-psd writes 8 bits only). Documents
 * past the PSD format's 30,000 pixels a side, or whose data would pass 2 GB, are refused (PSB is not
 * written).
 */
import { writePsdUint8Array, type Layer as PsdLayer, type Psd } from 'ag-psd';
import { AppError } from '../../../shared/errors';
import { encodePsd16, ICC_PROFILE_RESOURCE } from './export-psd16';
import type { Patch, Photo } from './types';
import { extract8, to8 } from './util';

/** PSD's own limit on either side; beyond it only the large document format (PSB) can hold the image. */
export const PSD_MAX_SIDE = 30_000;
/** A PSD's sections are addressed with 32-bit lengths; Photoshop itself stops at 2 GB. */
export const PSD_MAX_BYTES = 2 * 1024 ** 3;

export interface PsdEdit {
  /** The layer's name in the PSD (the edit's prompt). */
  name: string;
  patch: Patch;
}

export interface PsdOptions {
  /**
   * 'mask' (default): the layer is opaque in its rectangle and the feathered mask is its layer mask.
   * 'alpha': the mask is the layer's transparency instead, for readers that ignore layer masks.
   */
  maskAs?: 'mask' | 'alpha';
}

export interface PsdResult {
  data: Uint8Array;
  /** One sentence per thing the file could not keep (none today: 8 and 16 bits are both kept). */
  warnings: string[];
}

function rgba8(photo: Photo): Uint8ClampedArray {
  const px = extract8(photo, { x: 0, y: 0, width: photo.width, height: photo.height }, 4);
  return new Uint8ClampedArray(px.buffer, px.byteOffset, px.byteLength);
}

/** Upper bound of the file's size: raw channels of every layer, its mask and the composite. */
function estimateBytes(base: Photo, edits: PsdEdit[]): number {
  let n = base.width * base.height * 4 * 2;
  for (const e of edits) n += e.patch.rect.width * e.patch.rect.height * 5;
  return n * (base.depth === 16 ? 2 : 1);
}

function editLayer(e: PsdEdit, maskAs: 'mask' | 'alpha'): PsdLayer {
  const { rect, rgba, depth } = e.patch;
  const n = rect.width * rect.height;
  const px = new Uint8ClampedArray(n * 4);
  const mask = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n * 4; i += 4) {
    const a = depth === 8 ? rgba[i + 3]! : to8(rgba[i + 3]!);
    for (let c = 0; c < 3; c++) px[i + c] = depth === 8 ? rgba[i + c]! : to8(rgba[i + c]!);
    px[i + 3] = maskAs === 'alpha' ? a : 255;
    mask[i] = mask[i + 1] = mask[i + 2] = a;
    mask[i + 3] = 255;
  }
  const layer: PsdLayer = {
    name: e.name,
    top: rect.y,
    left: rect.x,
    bottom: rect.y + rect.height,
    right: rect.x + rect.width,
    imageData: { width: rect.width, height: rect.height, data: px },
  };
  if (maskAs === 'mask') {
    layer.mask = {
      top: rect.y,
      left: rect.x,
      bottom: rect.y + rect.height,
      right: rect.x + rect.width,
      // Outside the mask's rectangle nothing of the layer shows.
      defaultColor: 0,
      imageData: { width: rect.width, height: rect.height, data: mask },
    };
  }
  return layer;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 255;
  b[at + 2] = (v >>> 8) & 255;
  b[at + 3] = v & 255;
}

/**
 * Adds an image resource (8BIM, id, empty name, even-padded data) to a written PSD. The file is: a 26-byte
 * header, the colour mode data (length + bytes), then the image resources (length + blocks).
 */
export function addImageResource(psd: Uint8Array, id: number, data: Uint8Array): Uint8Array {
  const modeLen = u32(psd, 26);
  const resAt = 26 + 4 + modeLen;
  const resLen = u32(psd, resAt);
  const padded = data.byteLength + (data.byteLength & 1);
  const block = new Uint8Array(4 + 2 + 2 + 4 + padded);
  block.set([0x38, 0x42, 0x49, 0x4d, id >> 8, id & 255, 0, 0]);
  putU32(block, 8, data.byteLength);
  block.set(data, 12);
  const insertAt = resAt + 4 + resLen;
  const out = new Uint8Array(psd.byteLength + block.byteLength);
  out.set(psd.subarray(0, insertAt));
  out.set(block, insertAt);
  out.set(psd.subarray(insertAt), insertAt + block.byteLength);
  putU32(out, resAt, resLen + block.byteLength);
  return out;
}

/**
 * The layered PSD of `base` (the original) with `edits` (bottom to top) and `composite` (the flattened
 * image, the same size as base).
 */
export function encodePsd(base: Photo, edits: PsdEdit[], composite: Photo, opts: PsdOptions = {}): PsdResult {
  const { width, height } = base;
  if (width > PSD_MAX_SIDE || height > PSD_MAX_SIDE) {
    throw new AppError(
      'invalid-input',
      `A PSD holds at most ${PSD_MAX_SIDE.toLocaleString('en-US')} pixels a side and this image is ${width}x${height}; export it as TIFF instead.`,
    );
  }
  if (estimateBytes(base, edits) > PSD_MAX_BYTES) {
    throw new AppError(
      'invalid-input',
      `A layered PSD of this ${width}x${height} image with ${edits.length} layers would pass the format's 2 GB limit; hide some layers or export it as TIFF instead.`,
    );
  }
  const maskAs = opts.maskAs ?? 'mask';
  if (base.depth === 16) return { data: encodePsd16(base, edits, composite, maskAs), warnings: [] };
  const psd: Psd = {
    width,
    height,
    channels: 3,
    bitsPerChannel: 8,
    colorMode: 3, // RGB
    children: [
      {
        name: 'Original',
        top: 0,
        left: 0,
        bottom: height,
        right: width,
        imageData: { width, height, data: rgba8(base) },
      },
      ...edits.map((e) => editLayer(e, maskAs)),
    ],
    imageData: { width, height, data: rgba8(composite) },
  };
  let data = writePsdUint8Array(psd, { generateThumbnail: false, noBackground: base.channels === 4 });
  if (base.icc) data = addImageResource(data, ICC_PROFILE_RESOURCE, base.icc);
  return { data, warnings: [] };
}
