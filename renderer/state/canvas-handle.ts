/**
 * What the editor needs from the mask-painting canvas (renderer/canvas, built separately). The store only
 * talks to the canvas through this handle, so the placeholder and the real engine are interchangeable.
 */
export interface MaskCanvasHandle {
  undo(): void;
  redo(): void;
  invert(): void;
  grow(px: number): void;
  shrink(px: number): void;
  clear(): void;
  fit(): void;
  actualSize(): void;
  /** The mask at the photo's full size, one byte per pixel (255 = change), or null when there is none. */
  getMaskBytes(): Uint8Array | null;
  setMaskBytes(bytes: Uint8Array): void;
  isMaskEmpty(): boolean;
}

export interface MaskChange {
  empty: boolean;
  canUndo: boolean;
  canRedo: boolean;
}
