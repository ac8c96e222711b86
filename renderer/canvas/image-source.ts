/** The photo the canvas shows: what callers may pass, and how it becomes a full-res source plus a screen-sized copy. */

export type Drawable = HTMLImageElement | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

export interface EditorImage {
  /** The photo's full size in pixels: the mask is exactly this size. */
  width: number;
  height: number;
  /** The full-resolution image, if already decoded. */
  full?: Drawable | null;
  /** A screen-sized copy (e.g. image:render with maxSize). Made from `full` when omitted. */
  preview?: Drawable | null;
  /** Loads the full-resolution image on demand (first zoom past the preview's resolution). */
  loadFull?: () => Promise<Drawable>;
}

export type EditorImageInput = Drawable | EditorImage;

export function drawableSize(d: Drawable): { width: number; height: number } {
  if (typeof HTMLImageElement !== 'undefined' && d instanceof HTMLImageElement)
    return { width: d.naturalWidth, height: d.naturalHeight };
  return { width: d.width, height: d.height };
}

function isDrawable(x: EditorImageInput): x is Drawable {
  return (
    (typeof HTMLImageElement !== 'undefined' && x instanceof HTMLImageElement) ||
    (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap) ||
    (typeof HTMLCanvasElement !== 'undefined' && x instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && x instanceof OffscreenCanvas)
  );
}

export function normaliseImage(input: EditorImageInput): EditorImage {
  if (isDrawable(input)) return { ...drawableSize(input), full: input };
  return input;
}

/** Decodes image bytes (e.g. image:render's answer) into an ImageBitmap. */
export async function decodeImageBytes(data: Uint8Array, mime: string): Promise<ImageBitmap> {
  return createImageBitmap(new Blob([data as Uint8Array<ArrayBuffer>], { type: mime }));
}

/** A high-quality downscaled copy whose longest side is `longSide` (or the source itself when already small). */
export async function makePreview(
  src: Drawable,
  width: number,
  height: number,
  longSide: number,
): Promise<Drawable> {
  const k = longSide / Math.max(width, height);
  if (k >= 1) return src;
  return createImageBitmap(src, {
    resizeWidth: Math.max(1, Math.round(width * k)),
    resizeHeight: Math.max(1, Math.round(height * k)),
    resizeQuality: 'high',
  });
}
