/**
 * What the editor state needs from the world besides the bridge, as interfaces: the canvas it drives and
 * the media it decodes images with. Declared here, DOM-free, so that the state's files type-check and run in
 * plain Node (the unit tests pass scripted fakes); the renderer passes the real canvas handle and
 * `domMedia()` (media-dom.ts).
 */
import type { Rect } from '../../shared/contract';

/**
 * Filled in by media-dom.ts with the canvas's drawable image types (HTMLImageElement, ImageBitmap...). Left
 * empty where no DOM exists (the unit tests), where a drawable is then an opaque value.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DrawableTypes {}
export type Drawable = DrawableTypes extends { drawable: infer D } ? D : unknown;

/** A photo as the canvas takes it: its full size, a screen-sized copy, and the full resolution on demand. */
export interface CanvasImage {
  width: number;
  height: number;
  full?: Drawable | null;
  preview?: Drawable | null;
  loadFull?: () => Promise<Drawable>;
}

export type Tool = 'brush' | 'eraser' | 'rect' | 'ellipse' | 'lasso' | 'polygon' | 'wand' | 'object';
/** How a selection tool meets the mask without a modifier key (Shift adds, Alt subtracts, both intersect). */
export type SelectMode = 'add' | 'subtract' | 'intersect';

export interface MaskInfo {
  empty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** The bounding box of the painted pixels in photo pixels, or null when the mask is empty. */
  bounds: Rect | null;
}

/** What the state asks of the mask canvas (the canvas's handle has more; this is all the store uses). */
export interface CanvasPort {
  undo(): void;
  redo(): void;
  invert(): void;
  grow(px: number): void;
  shrink(px: number): void;
  clear(): void;
  fit(): void;
  actualSize(): void;
  /** The mask at the photo's full size, one byte per pixel, row-major (255 = change); null without a photo. */
  getMaskBytes(): Uint8Array<ArrayBuffer> | null;
  isMaskEmpty(): boolean;
  /**
   * Replaces the mask by a mask file of the photo's size (alpha where present, else luminance), one undo
   * step; rejects with an AppError.
   */
  loadMaskFile(file: Blob): Promise<void>;
  /** The mask as a greyscale PNG (white = change); null without a photo. */
  maskPng(): Promise<Blob | null>;
}

/** Decoding and object URLs: the browser's in the renderer, scripted in tests. */
export interface Media {
  /**
   * Decodes image bytes into something the canvas draws, with an object URL of the same bytes. Rejects with
   * a ShownError when the bytes do not decode.
   */
  decode(data: Uint8Array, mime: string): Promise<{ url: string; drawable: Drawable }>;
  /** Decodes image bytes into a bitmap (the full resolution, loaded once the user zooms past the preview). */
  bitmap(data: Uint8Array, mime: string): Promise<Drawable>;
  /** An object URL of the bytes (thumbnails, reference images). */
  objectUrl(data: Uint8Array, mime: string): string;
  revoke(url: string): void;
  /**
   * A copy of `base` with an image (the bytes) drawn over it into `at` (in base's pixels, fractions
   * allowed), alpha blended: a new layer pasted over the image the canvas shows. Absent where nothing can
   * be drawn (the store then waits for the whole image).
   */
  paste?(base: Drawable, data: Uint8Array, mime: string, at: Rect): Promise<Drawable>;
  /** The long side of the screen-sized copy of a photo, in pixels. */
  previewSize(): number;
  /** A monotonic clock in milliseconds (job elapsed times are counted from it). */
  now(): number;
}
