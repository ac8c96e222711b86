/** Test helpers: generated photos, masks and a fake "model" that edits the API image. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Mask, Photo } from '../../../../electron/core/imaging';
import { normaliseExif } from '../../../../electron/core/imaging/exif';
import { encodePng, iccpChunk, pngChunk } from '../../../../electron/core/imaging/png';

export const PHOTOS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/fixtures/photos',
);

export function photoBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(PHOTOS, name)));
}

/** 8- or 16-bit RGB noise over a horizontal gradient: every resampled pixel depends on its neighbours' values. */
export function gradientNoisePhoto(w: number, h: number, depth: 8 | 16, r: () => number): Photo {
  const n = w * h * 3;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  for (let i = 0; i < n; i++)
    pixels[i] = Math.min(max, Math.floor((((i / 3) % w) / w) * max * 0.5 + r() * max * 0.5));
  return { width: w, height: h, channels: 3, depth, pixels, icc: null, exif: null, format: 'raw' };
}

/** A soft-edged disc mask. */
export function discMask(width: number, height: number, cx: number, cy: number, r: number, soft = 3): Mask {
  const data = new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(cy - r - soft)); y < Math.min(height, cy + r + soft + 1); y++) {
    for (let x = Math.max(0, Math.floor(cx - r - soft)); x < Math.min(width, cx + r + soft + 1); x++) {
      const d = Math.hypot(x - cx, y - cy);
      const v = d <= r ? 255 : d >= r + soft ? 0 : Math.round(255 * (1 - (d - r) / soft));
      data[y * width + x] = v;
    }
  }
  return { width, height, data };
}

export function rectMask(width: number, height: number, x0: number, y0: number, w: number, h: number): Mask {
  const data = new Uint8Array(width * height);
  for (let y = y0; y < y0 + h; y++) data.fill(255, y * width + x0, y * width + x0 + w);
  return { width, height, data };
}

/**
 * What a model might do: keep the frame but (a) paint new content inside the API mask's transparent area and
 * (b) shift the colour of everything (the drift colour matching must undo). Returns PNG bytes.
 */
export async function fakeModel(
  image: Uint8Array,
  apiMask: Uint8Array,
  tint: { r: number; g: number; b: number; gain?: number } = { r: 0, g: 0, b: 0 },
  fill: [number, number, number] | null = [40, 160, 60],
): Promise<Uint8Array> {
  const img = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const m = await sharp(apiMask).ensureAlpha().raw().toBuffer();
  const { width, height } = img.info;
  const out = Buffer.from(img.data);
  const g = tint.gain ?? 1;
  for (let i = 0; i < width * height; i++) {
    if (fill && m[i * 4 + 3] === 0) {
      // New content: a textured fill.
      const t = ((i % width) + Math.floor(i / width)) % 16;
      out[i * 3] = fill[0] + t;
      out[i * 3 + 1] = fill[1] + t;
      out[i * 3 + 2] = fill[2] + t;
    }
    const add = [tint.r, tint.g, tint.b];
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(out[i * 3 + c]! * g + add[c]!)));
  }
  return new Uint8Array(
    await sharp(out, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Number of samples that differ between two photos where `keep(x, y)` is true. */
export function diffWhere(a: Photo, b: Photo, keep: (i: number) => boolean): number {
  let n = 0;
  const ch = a.channels;
  for (let i = 0; i < a.width * a.height; i++) {
    if (!keep(i)) continue;
    for (let c = 0; c < ch; c++) if (a.pixels[i * ch + c] !== b.pixels[i * ch + c]) n++;
  }
  return n;
}

/** A large synthetic "photo" JPEG: smooth gradients plus texture, so resizes and blends are meaningful. */
export async function largeJpeg(width: number, height: number, quality = 90): Promise<Uint8Array> {
  const base = await sharp(path.join(PHOTOS, 'coffee.png'))
    .resize(width, height, { fit: 'fill' })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(base);
}

/**
 * The photo as a PNG tagged with its ICC profile and EXIF (level 1): the intermediate of the whole-frame export
 * before JPEG/WebP were encoded from the pixels, kept as the reference the export test and bench compare with.
 */
export function taggedPng(image: Photo): Uint8Array {
  const chunks: Uint8Array[] = [];
  if (image.icc) chunks.push(iccpChunk(image.icc));
  const exif = image.exif ? normaliseExif(image.exif) : null;
  if (exif) chunks.push(pngChunk('eXIf', exif));
  const png = encodePng(
    {
      width: image.width,
      height: image.height,
      channels: image.channels,
      depth: image.depth,
      pixels: image.pixels,
    },
    { level: 1, chunks },
  );
  return png;
}

/**
 * A smooth picture with a little grain, width x height RGB at `depth`: a JPEG of it is photo-sized, not
 * noise-sized (the export memory measures use it).
 */
export function grainyPhoto(width: number, height: number, depth: 8 | 16): Photo {
  const n = width * height * 3;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  let s = 12345;
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++, i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const v = ((x + y * (c + 1)) / (width + height * 3)) * max + ((s >>> 24) - 128) * (max / 2550);
        pixels[i] = Math.max(0, Math.min(max, v));
      }
  return { width, height, channels: 3, depth, pixels, format: 'png', icc: null, exif: null };
}
