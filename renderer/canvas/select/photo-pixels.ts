/**
 * The photo's full-resolution pixels as the wand samples them: the image as shown (the current stack),
 * drawn once into a canvas and read back, cached per image (a new render is a new image, read afresh).
 * Falls back to the screen-sized copy, scaled up, when the full image cannot be had.
 */
import { drawableSize, type Drawable, type EditorImage } from '../image-source';
import type { RgbaImage } from './flood';

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
  if (!src) throw new Error('the photo has no pixels to sample yet');
  const { width, height } = spec;
  const c = new OffscreenCanvas(width, height);
  const g = c.getContext('2d', { willReadFrequently: true })!;
  const s = drawableSize(src);
  g.drawImage(src as CanvasImageSource, 0, 0, s.width, s.height, 0, 0, width, height);
  const d = g.getImageData(0, 0, width, height);
  return { width, height, data: d.data };
}
