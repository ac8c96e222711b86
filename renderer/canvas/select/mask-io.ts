/**
 * Reading and writing mask files in the window: a file the browser decodes (PNG, JPEG, WebP, AVIF, and
 * baseline TIFF through select/tiff.ts) becomes mask bytes (alpha where present, else luminance), and the
 * mask becomes a greyscale PNG.
 */
import { AppError } from '../../../shared/errors';
import { checkMaskSize, maskFromRgba, maskToRgba } from './mask-file';
import { decodeTiff, isTiff } from './tiff';
import type { RgbaImage } from './flood';

const unreadable = () =>
  new AppError(
    'unsupported-image',
    'The mask file could not be read as an image; choose a PNG, JPEG, WebP or TIFF of the photo’s size.',
  );

async function decode(file: Blob): Promise<RgbaImage> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isTiff(bytes)) {
    const img = decodeTiff(bytes);
    if (!img) throw unreadable();
    return img;
  }
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw unreadable();
  }
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(bmp, 0, 0);
  bmp.close();
  return { width: c.width, height: c.height, data: g.getImageData(0, 0, c.width, c.height).data };
}

/** The mask bytes of a mask file for a photo of width×height; refuses another size. */
export async function readMaskFile(file: Blob, width: number, height: number): Promise<Uint8Array> {
  const img = await decode(file);
  checkMaskSize(img.width, img.height, width, height);
  return maskFromRgba(img);
}

/** The mask (width·height bytes) as a greyscale PNG, white = change. */
export async function maskToPng(mask: Uint8Array, width: number, height: number): Promise<Blob> {
  const c = new OffscreenCanvas(width, height);
  const g = c.getContext('2d')!;
  g.putImageData(new ImageData(maskToRgba(mask), width, height), 0, 0);
  return c.convertToBlob({ type: 'image/png' });
}
