/**
 * The brush and the mask canvas, compare and hold-to-see-the-original, dialogs and the error banner: what
 * changes only in the window (nothing here calls the bridge).
 */
import type { Ctx } from './core';
import { nextBrushSize, nextHardness } from './shortcuts';
import { clampRound, type Dialog, type EditorState, type MaskInfo, type Patch, type Tool } from './model';

export type MaskAction = 'undo' | 'redo' | 'invert' | 'clear' | 'grow' | 'shrink' | 'fit' | 'actualSize';

// ---- transitions ---------------------------------------------------------------------------------

export const brushSizeSet = (n: number): Patch => ({ brushSize: clampRound(n, 1, 1000) });
export const hardnessSet = (n: number): Patch => ({ hardness: clampRound(n, 0, 100) });
export const brushSizeStepped = (s: EditorState, dir: 1 | -1): Patch => ({
  brushSize: nextBrushSize(s.brushSize, dir),
});
export const hardnessStepped = (s: EditorState, dir: 1 | -1): Patch => ({
  hardness: nextHardness(s.hardness, dir),
});
export const splitSet = (split: number): Patch => ({ split: Math.max(0, Math.min(1, split)) });

/** The canvas reported a mask change; what it leaves out is kept (emptiness asked of the canvas). */
export function maskChangedTo(
  s: EditorState,
  change: Partial<MaskInfo> | undefined,
  emptyNow: boolean,
): Patch {
  return {
    mask: {
      empty: change?.empty ?? emptyNow,
      canUndo: change?.canUndo ?? s.mask.canUndo,
      canRedo: change?.canRedo ?? s.mask.canRedo,
    },
  };
}

/** Opening a dialog; any other than the re-run question drops a pending re-run. */
export function dialogOpened(dialog: Dialog): Patch {
  return dialog === 'confirm-rerun' ? { dialog } : { dialog, confirmRerun: null };
}

// ---- effects -------------------------------------------------------------------------------------

export function createToolViewActions(ctx: Ctx) {
  return {
    attachCanvas: (handle: Parameters<Ctx['attachCanvas']>[0]) => ctx.attachCanvas(handle),
    maskChanged(change?: Partial<MaskInfo>): void {
      const c = ctx.canvas();
      ctx.set((s) => maskChangedTo(s, change, c ? c.isMaskEmpty() : true));
    },
    maskAction(action: MaskAction, px = 8): void {
      const c = ctx.canvas();
      if (!c || !ctx.get().project) return;
      if (action === 'grow' || action === 'shrink') c[action](px);
      else c[action]();
    },
    setTool: (tool: Tool) => ctx.set({ tool }),
    setBrushSize: (n: number) => ctx.set(brushSizeSet(n)),
    stepBrushSize: (dir: 1 | -1) => ctx.set((s) => brushSizeStepped(s, dir)),
    setHardness: (n: number) => ctx.set(hardnessSet(n)),
    stepHardness: (dir: 1 | -1) => ctx.set((s) => hardnessStepped(s, dir)),
    toggleOverlay: () => ctx.set((s) => ({ overlayVisible: !s.overlayVisible })),
    setCompare: (compare: 'off' | 'split') => ctx.set({ compare }),
    setHoldOriginal(holdOriginal: boolean): void {
      if (ctx.get().holdOriginal !== holdOriginal) ctx.set({ holdOriginal });
    },
    setSplit: (split: number) => ctx.set(splitSet(split)),
    openDialog: (dialog: Dialog) => ctx.set(dialogOpened(dialog)),
    fail: (e: unknown) => ctx.fail(e),
    showError: ctx.showError,
    dismissError: () => ctx.set({ error: null }),
  };
}
