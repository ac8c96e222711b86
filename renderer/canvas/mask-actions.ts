/**
 * What the app's handle and the debug hook both do with the mask: its state for the UI, and the actions
 * (each one undoable step, or a step through the history). Without a photo there is no mask and they do nothing.
 */
import type { MaskEngine } from './mask/engine';
import type { Rect } from './view';

export interface MaskInfo {
  empty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** The bounding box of the painted pixels in photo pixels, or null when the mask is empty. */
  bounds: Rect | null;
}

/** The mask actions the app's handle and the debug hook share; without a photo they do nothing. */
export interface MaskActions {
  undo(): boolean;
  redo(): boolean;
  invert(): void;
  grow(px: number): void;
  shrink(px: number): void;
  clear(): void;
}

/** The actions on whatever engine `engine()` returns when called. */
export function maskActions(engine: () => MaskEngine | null): MaskActions {
  return {
    undo: () => engine()?.undo() ?? false,
    redo: () => engine()?.redo() ?? false,
    invert: () => engine()?.invert(),
    grow: (px) => engine()?.grow(px),
    shrink: (px) => engine()?.shrink(px),
    clear: () => engine()?.clear(),
  };
}

/** The mask's state for the UI (empty, its painted box, and whether undo and redo have a step). */
export function maskInfo(e: MaskEngine | null): MaskInfo {
  const bounds = e ? e.bounds() : null;
  return { empty: bounds === null, canUndo: !!e?.canUndo, canRedo: !!e?.canRedo, bounds };
}
