/**
 * The brush and the mask canvas, compare and hold-to-see-the-original, dialogs and the error banner: what
 * changes only in the window (nothing here calls the bridge).
 */
import { limits } from '../../shared/limits';
import type { Ctx } from './core';
import { nextBrushSize, nextHardness } from './shortcuts';
import {
  clampRound,
  type Dialog,
  type EditorState,
  type MaskInfo,
  type Patch,
  type SelectMode,
  type Tool,
} from './model';

export type MaskAction = 'undo' | 'redo' | 'invert' | 'clear' | 'grow' | 'shrink' | 'fit' | 'actualSize';

// ---- transitions ---------------------------------------------------------------------------------

export const brushSizeSet = (n: number): Patch => ({
  brushSize: clampRound(n, limits.brushSize.min, limits.brushSize.max),
});
export const hardnessSet = (n: number): Patch => ({
  hardness: clampRound(n, limits.hardness.min, limits.hardness.max),
});
export const brushSizeStepped = (s: EditorState, dir: 1 | -1): Patch => ({
  brushSize: nextBrushSize(s.brushSize, dir),
});
export const hardnessStepped = (s: EditorState, dir: 1 | -1): Patch => ({
  hardness: nextHardness(s.hardness, dir),
});
export const wandToleranceSet = (n: number): Patch => ({ wandTolerance: clampRound(n, 0, 255) });

/** The tools one key cycles through (M: the marquees, L: the lassos). */
export const toolGroups = {
  marquee: ['rect', 'ellipse'],
  lasso: ['lasso', 'polygon'],
} as const satisfies Record<string, readonly Tool[]>;

/** A cycling key: the group's first tool, or the next one when a tool of the group is already chosen. */
export function toolCycled(s: EditorState, group: readonly Tool[]): Patch {
  const i = group.indexOf(s.tool);
  return { tool: group[(i + 1) % group.length]! };
}

export const splitSet = (split: number): Patch => ({ split: Math.max(0, Math.min(1, split)) });

/**
 * The canvas reported a mask change; what it leaves out is kept (emptiness asked of the canvas; the painted
 * box is kept unless the mask became empty, when there is none).
 */
export function maskChangedTo(
  s: EditorState,
  change: Partial<MaskInfo> | undefined,
  emptyNow: boolean,
): Patch {
  const empty = change?.empty ?? emptyNow;
  return {
    mask: {
      empty,
      canUndo: change?.canUndo ?? s.mask.canUndo,
      canRedo: change?.canRedo ?? s.mask.canRedo,
      bounds: empty ? null : change?.bounds !== undefined ? change.bounds : s.mask.bounds,
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
    maskAction(action: MaskAction, px: number = limits.maskStepPx): void {
      const c = ctx.canvas();
      if (!c || !ctx.get().project) return;
      if (action === 'grow' || action === 'shrink') c[action](px);
      else c[action]();
    },
    setTool: (tool: Tool) => ctx.set({ tool }),
    cycleTool: (group: keyof typeof toolGroups) => ctx.set((s) => toolCycled(s, toolGroups[group])),
    setSelectMode: (selectMode: SelectMode) => ctx.set({ selectMode }),
    setWandTolerance: (n: number) => ctx.set(wandToleranceSet(n)),
    setWandContiguous: (wandContiguous: boolean) => ctx.set({ wandContiguous }),
    toggleFeatherPreview: () => ctx.set((s) => ({ featherPreview: !s.featherPreview })),
    /** Replaces the mask by a mask file (one undo step); a refusal is shown in the banner. */
    async importMask(file: Blob): Promise<void> {
      const c = ctx.canvas();
      if (!c || !ctx.get().project) return;
      try {
        const loading = c.loadMaskFile(file);
        // A Run pressed while the file decodes must send the imported mask, not the one before it.
        ctx.maskWork(loading);
        await loading;
      } catch (e) {
        ctx.fail(e);
      }
    },
    /** The mask as a PNG and a file name for it, or null without a photo. */
    async exportMask(): Promise<{ blob: Blob; name: string } | null> {
      const c = ctx.canvas();
      const project = ctx.get().project;
      if (!c || !project) return null;
      const blob = await c.maskPng();
      return blob ? { blob, name: `${project.name.replace(/\.[^.]*$/, '') || 'photo'}-mask.png` } : null;
    },
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
