/**
 * The imaging core's public shape. The pipeline codes against these types only.
 */
import type { ApiSize, ExportFormat, Rect } from '../../../shared/contract';

export interface ImagingLimits {
  /** Largest accepted image in pixels (decompression bombs). Default 300 MP. */
  maxPixels: number;
  /** Largest accepted file in bytes. */
  maxFileBytes: number;
}

/** A decoded photo: upright (EXIF orientation applied), in its own colour space, 8 or 16 bit. */
export interface Photo {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA); grey and CMYK sources are converted to RGB in their own profile's terms. */
  channels: 3 | 4;
  depth: 8 | 16;
  /** Interleaved raw pixels, width*height*channels samples (Uint16Array when depth is 16). */
  pixels: Uint8Array | Uint16Array;
  /** The original's ICC profile, null when untagged (treated as sRGB). */
  icc: Uint8Array | null;
  /** The original's EXIF block, kept for export (orientation is normalised to 1 there). */
  exif: Uint8Array | null;
  format: string;
}

/** The edit mask: 8-bit, the photo's size, 255 = change, 0 = keep, soft values allowed. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface RegionPlan {
  /** The part of the photo that is sent (inside the photo). */
  crop: Rect;
  /** Edge-extended padding added around the crop to reach the API aspect (in photo pixels). */
  pad: { left: number; top: number; right: number; bottom: number };
  apiSize: ApiSize;
  /** API pixels per photo pixel (uniform: never non-uniform). */
  scale: number;
}

export interface ApiInputs {
  plan: RegionPlan;
  /** sRGB PNG at apiSize. */
  image: Uint8Array;
  /** RGBA PNG at apiSize, alpha 0 where the edit mask is set, 255 elsewhere. */
  mask: Uint8Array;
}

/**
 * A layer's pixels: the changed rectangle, straight (non-premultiplied) RGBA where alpha is the feathered
 * blend weight; depth follows the photo. Applying it: out = base*(1-a) + rgb*a; alpha 0 leaves base untouched.
 */
export interface Patch {
  rect: Rect;
  depth: 8 | 16;
  /** rect.width*rect.height*4 samples. */
  rgba: Uint8Array | Uint16Array;
}

export interface CompositeOptions {
  feather: number;
  /** Correct the result's colours to meet the photo; false = the raw result. */
  colorMatch: boolean;
  /**
   * How colours are corrected: 'seamless' (default) a smooth field meeting the photo along the whole blend
   * boundary; 'global' one gain and offset per channel from a ring around the blend area (kept to measure
   * the seamless field against).
   */
  colorMethod?: 'seamless' | 'global';
}

export interface ExportOptions {
  format: ExportFormat;
  quality?: number;
  /**
   * Progress of the encode, in the encoder's own units (rows for PNG and TIFF, samples for PSD, one step for
   * JPEG and WebP, which libvips encodes in one call): called as parts are done, `done` only grows and
   * reaches `total` when the file is complete. For a progress bar only; nothing else may depend on it.
   */
  onProgress?: (done: number, total: number) => void;
}

/** Defaults for ImagingLimits (settings may override them). */
export const DEFAULT_LIMITS: ImagingLimits = {
  maxPixels: 300_000_000,
  maxFileBytes: 512 * 1024 * 1024,
};

/** What probePhoto learns from the header alone (no full decode). Dimensions are upright (orientation applied). */
export interface PhotoInfo {
  width: number;
  height: number;
  format: string;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK, 5 CMYK+alpha). */
  channels: number;
  depth: 8 | 16;
  hasAlpha: boolean;
  space: string;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  hasIcc: boolean;
  fileBytes: number;
}

/** Options for planRegion. */
export interface PlanOptions {
  /** Context margin around the mask's box in photo pixels; default max(64, a third of the box's longer side). */
  margin?: number;
  /** Fixed API size, or 'auto' (default) for the best-fitting aspect. */
  size?: ApiSize | 'auto';
}

export type PreviewFormat = 'jpeg' | 'png';

export interface ThumbnailOptions {
  /** Longest side in pixels (default 256). */
  size?: number;
  format?: 'webp' | 'jpeg';
  /** Only this part of the image (e.g. a patch's rect). */
  rect?: Rect;
  /** Profile of a Patch's pixels (the photo's icc) so the thumbnail is shown in sRGB. */
  icc?: Uint8Array | null;
}
