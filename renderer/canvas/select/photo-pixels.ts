/**
 * The photo's full-resolution pixels as the wand samples them: the image as shown (the current stack),
 * drawn once into a canvas and read back, cached per image (a new render is a new image, read afresh).
 * Falls back to the screen-sized copy, scaled up, when the full image cannot be had.
 */
import { AppError } from '../../../shared/errors';
import { drawableSize, type Drawable, type EditorImage } from '../image-source';
import type { RgbaImage } from './flood';

const unreadable = () =>
  new AppError(
    'too-large',
    'The magic wand could not read this photo’s pixels (it may be too large for the window’s memory); select with the other tools or the brush.',
  );

const cache = new WeakMap<EditorImage, Promise<RgbaImage>>();

export function photoPixels(spec: EditorImage): Promise<RgbaImage> {
  let p = cache.get(spec);
  if (!p) {
    p = read(spec);
    cache.set(spec, p);
    p.catch(() => cache.delete(spec));
  }
  return p;
}

async function read(spec: EditorImage): Promise<RgbaImage> {
  let src: Drawable | null | undefined = spec.full;
  if (!src && spec.loadFull) src = await spec.loadFull().catch(() => null);
  src ??= spec.preview;
  if (!src) throw unreadable();
  const { width, height } = spec;
  try {
    const c = new OffscreenCanvas(width, height);
    const g = c.getContext('2d', { willReadFrequently: true });
    if (!g) throw unreadable();
    const s = drawableSize(src);
    g.drawImage(src as CanvasImageSource, 0, 0, s.width, s.height, 0, 0, width, height);
    return { width, height, data: g.getImageData(0, 0, width, height).data };
  } catch {
    // Out of memory for a very large photo, or a lost canvas.
    throw unreadable();
  }
}
