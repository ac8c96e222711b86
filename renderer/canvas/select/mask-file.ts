/**
 * A mask file (PNG, JPEG, TIFF...) as mask bytes: the alpha channel where the image has transparency,
 * otherwise the luminance (white = change). The image must be the photo's size.
 */
import { AppError } from '../../../shared/errors';
import type { RgbaImage } from './flood';

/** True when some pixel is not fully opaque. */
export function hasTransparency(img: RgbaImage): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

/** Mask bytes from decoded RGBA: the alpha where any pixel is transparent, else Rec. 601 luma. */
export function maskFromRgba(img: RgbaImage): Uint8Array {
  const d = img.data;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  if (hasTransparency(img)) {
    for (let i = 0; i < n; i++) out[i] = d[i * 4 + 3]!;
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      out[i] = Math.round(0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!);
    }
  }
  return out;
}

/** Refuses a mask file that is not the photo's size. */
export function checkMaskSize(w: number, h: number, pw: number, ph: number): void {
  if (w !== pw || h !== ph)
    throw new AppError(
      'invalid-input',
      `The mask file is ${w}x${h} pixels but the photo is ${pw}x${ph}; choose a mask made for this photo.`,
    );
}

/** Mask bytes as grey RGBA (opaque), for encoding as a PNG. */
export function maskToRgba(mask: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]!;
    const o = i * 4;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    out[o + 3] = 255;
  }
  return out;
}
