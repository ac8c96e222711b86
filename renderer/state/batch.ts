/**
 * The batch panel's state ("Apply to other photos…", docs/user-guide.md): the photos added, how they are
 * masked, the batch main runs (batch:start / batch:progress) and the before/after thumbnails of its results.
 * Kept beside the editor state (not in it): the panel reads the editor's prompt, parameters and mask when it
 * runs, and opens a result through the editor's own openProject.
 */
import type { BatchState, EditParams } from '../../shared/contract';
import type { Ctx } from './core';
import { describeError, type ShownError } from './errors';

export interface BatchPhoto {
  key: string;
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  mime: string;
  url: string;
  /** Its own mask (PNG bytes), when the panel gives each photo its own. */
  mask: Uint8Array<ArrayBuffer> | null;
  maskName: string | null;
}

export interface BatchThumbs {
  before?: string;
  after?: string;
}

export interface BatchUiState {
  open: boolean;
  photos: BatchPhoto[];
  maskMode: 'current' | 'own';
  concurrency: number;
  /** The batch main is running or ran, as it last reported it. */
  batch: BatchState | null;
  thumbs: Record<string, BatchThumbs>;
  starting: boolean;
  error: ShownError | null;
  /** What the edit sends, captured when the panel opened. */
  edit: { prompt: string; params: EditParams; feather: number } | null;
}

export const initialBatchState = (): BatchUiState => ({
  open: false,
  photos: [],
  maskMode: 'current',
  concurrency: 4,
  batch: null,
  thumbs: {},
  starting: false,
  error: null,
  edit: null,
});

// ---- transitions ---------------------------------------------------------------------------------

export const photosAdded = (s: BatchUiState, photos: BatchPhoto[]): Partial<BatchUiState> => {
  const known = new Set(s.photos.map((p) => p.name));
  return { photos: [...s.photos, ...photos.filter((p) => !known.has(p.name))], error: null };
};

export const photoRemoved = (s: BatchUiState, key: string): Partial<BatchUiState> => ({
  photos: s.photos.filter((p) => p.key !== key),
});

export const ownMaskSet = (
  s: BatchUiState,
  key: string,
  mask: Uint8Array<ArrayBuffer>,
  maskName: string,
): Partial<BatchUiState> => ({
  photos: s.photos.map((p) => (p.key === key ? { ...p, mask, maskName } : p)),
});

/** A progress report of this panel's batch (reports of another batch are ignored). */
export const progressed = (s: BatchUiState, b: BatchState): Partial<BatchUiState> | null =>
  s.batch && s.batch.batchId !== b.batchId ? null : { batch: b };

/**
 * The session-cost entries of a batch's finished photos (paid is paid, like any edit of the session), keyed per
 * batch item so that the repeated progress of one batch counts each photo once; null when there is none new.
 */
export function batchCosts(
  costs: Readonly<Record<string, number | null>>,
  b: BatchState,
): Record<string, number | null> | null {
  let added: Record<string, number | null> | null = null;
  for (const i of b.items) {
    if (i.status !== 'done') continue;
    const key = `batch:${b.batchId}/${i.itemId}`;
    if (key in costs && costs[key] === i.cost) continue;
    (added ??= {})[key] = i.cost;
  }
  return added;
}

/** Why the panel cannot run yet, in one sentence; null when it can. */
export function cannotRun(s: BatchUiState, hasMask: boolean): string | null {
  if (!s.edit?.prompt.trim())
    return 'Describe the change in the prompt box first, then apply it to other photos.';
  if (s.photos.length === 0) return 'Add the photos to edit (drop them here or choose them), then run.';
  if (s.maskMode === 'current' && !hasMask)
    return 'Paint a mask on the open photo first (it is used for every photo), or give each photo its own mask.';
  if (s.maskMode === 'own') {
    const missing = s.photos.find((p) => !p.mask);
    if (missing)
      return `${missing.name} has no mask yet; choose a mask file for it, or use the current mask for all.`;
  }
  return null;
}

// ---- effects -------------------------------------------------------------------------------------

export function createBatchActions(ctx: Ctx, deps: { openProject: (id: string) => Promise<void> }) {
  let state = initialBatchState();
  const listeners = new Set<() => void>();
  let seq = 0;
  const set = (patch: Partial<BatchUiState> | null) => {
    if (!patch) return;
    state = { ...state, ...patch };
    for (const l of listeners) l();
  };
  const fail = (e: unknown) => set({ error: describeError(e), starting: false });
  const { api, media } = ctx;

  const thumbsFor = async (b: BatchState) => {
    for (const item of b.items) {
      if (item.status !== 'done' || state.thumbs[item.itemId]?.after) continue;
      // The result's project is opened just long enough to render its two thumbnails.
      const editorShows = ctx.get().project?.id === item.projectId;
      try {
        if (!editorShows) await api.invoke('project:open', { projectId: item.projectId });
        const [before, after] = await Promise.all(
          (['original', 'current'] as const).map((kind) =>
            api.invoke('image:render', { projectId: item.projectId, target: { kind }, maxSize: 320 }),
          ),
        );
        if (!editorShows) await api.invoke('project:close', { projectId: item.projectId });
        set({
          thumbs: {
            ...state.thumbs,
            [item.itemId]: {
              before: media.objectUrl(before!.data, before!.mime),
              after: media.objectUrl(after!.data, after!.mime),
            },
          },
        });
      } catch {
        // The item shows without thumbnails; opening it still works.
      }
    }
  };

  return {
    batchState: (): BatchUiState => state,
    subscribeBatch: (l: () => void): (() => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    /** main's progress events; returns the way to stop listening. */
    startBatchEvents: (): (() => void) =>
      api.on('batch:progress', (b) => {
        set(progressed(state, b));
        const added = batchCosts(ctx.get().sessionCosts, b);
        if (added) ctx.set((s) => ({ sessionCosts: { ...s.sessionCosts, ...added } }));
        if (state.batch?.batchId === b.batchId) void thumbsFor(b);
      }),
    openBatch(): void {
      const s = ctx.get();
      set({
        open: true,
        error: null,
        edit: { prompt: s.prompt, params: { ...s.params }, feather: s.feather },
      });
    },
    closeBatch(): void {
      set({ open: false });
    },
    async addBatchPhotos(files: ArrayLike<File>): Promise<void> {
      const photos: BatchPhoto[] = [];
      for (const f of Array.from(files)) {
        if (f.type && !f.type.startsWith('image/') && !/\.(tiff?|heic|heif|avif)$/i.test(f.name)) continue;
        const bytes = new Uint8Array(await f.arrayBuffer());
        photos.push({
          key: `p${++seq}`,
          name: f.name,
          bytes,
          mime: f.type || 'application/octet-stream',
          url: media.objectUrl(bytes, f.type || 'image/jpeg'),
          mask: null,
          maskName: null,
        });
      }
      set(photosAdded(state, photos));
    },
    removeBatchPhoto(key: string): void {
      set(photoRemoved(state, key));
    },
    setBatchMaskMode(mode: 'current' | 'own'): void {
      set({ maskMode: mode, error: null });
    },
    async setBatchPhotoMask(key: string, file: File): Promise<void> {
      set(ownMaskSet(state, key, new Uint8Array(await file.arrayBuffer()), file.name));
    },
    setBatchConcurrency(n: number): void {
      set({ concurrency: Math.max(1, Math.min(16, Math.round(n))) });
    },
    /** Can the current mask serve all photos (a mask is painted on the open photo)? */
    hasCurrentMask(): boolean {
      const c = ctx.canvas();
      return Boolean(c && !c.isMaskEmpty());
    },
    async runBatch(): Promise<void> {
      const c = ctx.canvas();
      const hasMask = Boolean(c && !c.isMaskEmpty());
      const why = cannotRun(state, hasMask);
      if (why) return set({ error: describeError({ code: 'invalid-input', message: why }) });
      const project = ctx.get().project;
      const edit = state.edit!;
      set({ starting: true, error: null, thumbs: {} });
      try {
        const maskData = state.maskMode === 'current' ? c!.getMaskBytes() : null;
        const b = await api.invoke('batch:start', {
          prompt: edit.prompt.trim(),
          params: edit.params,
          feather: edit.feather,
          ...(maskData && project
            ? {
                mask: {
                  kind: 'raw' as const,
                  width: project.width,
                  height: project.height,
                  data: maskData.slice(),
                },
              }
            : {}),
          photos: state.photos.map((p) => ({
            name: p.name,
            photo: p.bytes,
            ...(state.maskMode === 'own' && p.mask ? { mask: p.mask } : {}),
          })),
          concurrency: state.concurrency,
        });
        set({ batch: b, starting: false });
      } catch (e) {
        fail(e);
      }
    },
    async cancelBatch(): Promise<void> {
      if (!state.batch) return;
      try {
        set({ batch: await api.invoke('batch:cancel', { batchId: state.batch.batchId }) });
      } catch (e) {
        fail(e);
      }
    },
    async retryBatchFailed(): Promise<void> {
      if (!state.batch) return;
      try {
        set({ batch: await api.invoke('batch:retryFailed', { batchId: state.batch.batchId }), error: null });
      } catch (e) {
        fail(e);
      }
    },
    async keepBatchItem(itemId: string, keep: boolean): Promise<void> {
      if (!state.batch) return;
      try {
        set({ batch: await api.invoke('batch:keep', { batchId: state.batch.batchId, itemId, keep }) });
      } catch (e) {
        fail(e);
      }
    },
    async openBatchItem(projectId: string): Promise<void> {
      set({ open: false });
      await deps.openProject(projectId);
    },
    /** A new batch from the same panel (the last one's results stay in the library). */
    resetBatch(): void {
      set({ batch: null, photos: [], thumbs: {}, error: null });
    },
  };
}

export type BatchActions = ReturnType<typeof createBatchActions>;
