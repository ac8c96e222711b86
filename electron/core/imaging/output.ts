/**
 * Screen previews and history thumbnails (converted to sRGB for display); the export itself is in
 * export-image.ts.
 */
import sharp from 'sharp';
import type { Rect } from '../../../shared/contract';
import type { Patch, Photo, PreviewFormat, ThumbnailOptions } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8, extract8, fromProfileToSrgb } from './util';

// The full-resolution export (every format, in memory or streamed to a file) lives in export-image.ts.
export { exportImage } from './export-image';

function fit(w: number, h: number, max: number): { width: number; height: number } {
  const k = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

async function toSrgbScaled(
  raw: Uint8Array,
  w: number,
  h: number,
  channels: 3 | 4,
  icc: Uint8Array | null,
  max: number,
): Promise<sharp.Sharp> {
  const t = fit(w, h, max);
  let small = raw;
  if (t.width !== w || t.height !== h) {
    small = bufToU8(
      await sharp(raw, { raw: { width: w, height: h, channels } })
        .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
        .resize(t.width, t.height, { fit: 'fill' })
        .raw()
        .toBuffer(),
    );
  }
  return fromProfileToSrgb(small, t.width, t.height, channels, icc);
}

/** The image for the screen: sRGB, longest side maxSize (default: full size), JPEG (default) or PNG. */
export async function renderPreview(
  image: Photo,
  maxSize?: number,
  format: PreviewFormat = 'jpeg',
): Promise<Uint8Array> {
  const full: Rect = { x: 0, y: 0, width: image.width, height: image.height };
  // sharp only reads the samples: an 8-bit photo is handed over as it is, not copied first.
  const raw = image.depth === 8 ? (image.pixels as Uint8Array) : extract8(image, full, image.channels);
  const s = await toSrgbScaled(
    raw,
    image.width,
    image.height,
    image.channels,
    image.icc,
    maxSize ?? Infinity,
  );
  const out =
    format === 'png'
      ? s.png({ compressionLevel: 3 })
      : s.flatten({ background: '#ffffff' }).jpeg({ quality: 90 });
  return bufToU8(await out.toBuffer());
}

function isPatch(x: Photo | Patch): x is Patch {
  return 'rgba' in x;
}

/** A small WebP (default) or JPEG for the history: of a photo (optionally a rect of it) or of a patch. */
export async function makeThumbnail(image: Photo | Patch, opts: ThumbnailOptions = {}): Promise<Uint8Array> {
  const size = opts.size ?? 256;
  const format = opts.format ?? 'webp';
  let raw: Uint8Array;
  let w: number;
  let h: number;
  let ch: 3 | 4;
  let icc: Uint8Array | null;
  if (isPatch(image)) {
    const p: Photo = {
      width: image.rect.width,
      height: image.rect.height,
      channels: 4,
      depth: image.depth,
      pixels: image.rgba,
      icc: null,
      exif: null,
      format: 'patch',
    };
    const r = opts.rect ?? { x: 0, y: 0, width: p.width, height: p.height };
    // sharp only reads the samples: a whole 8-bit patch is handed over as it is, not copied first.
    const whole = r.x === 0 && r.y === 0 && r.width === p.width && r.height === p.height;
    raw = whole && p.depth === 8 ? (p.pixels as Uint8Array) : extract8(p, r, 4);
    w = r.width;
    h = r.height;
    ch = 4;
    icc = opts.icc ?? null;
  } else {
    const r = opts.rect ?? { x: 0, y: 0, width: image.width, height: image.height };
    raw = extract8(image, r, image.channels);
    w = r.width;
    h = r.height;
    ch = image.channels;
    icc = opts.icc ?? image.icc;
  }
  // sharp premultiplies alpha for the resize itself, so soft patch edges do not darken.
  const s = await toSrgbScaled(raw, w, h, ch, icc, size);
  // WebP at effort 0 (of 0-6; sharp's default is 4): on an 820 px patch's 256 px thumbnail with its soft
  // alpha about 9 ms instead of 13 at effort 1, for a file about 6% larger (13.9 KB instead of
  // 13.0); the alpha stays lossless. A thumbnail is made on every edit's way from the result to the layer.
  const out =
    format === 'jpeg'
      ? s.flatten({ background: '#ffffff' }).jpeg({ quality: 80 })
      : s.webp({ quality: 80, effort: 0 });
  return bufToU8(await out.toBuffer());
}
