/**
 * What every slice's effects are given: the bridge, the media, the state (read and patch) and the canvas.
 * The slices' transitions are pure functions of the state; only their effects go through this.
 */
import type { MaskroomApi } from '../../shared/contract';
import { describeError, type ShownError } from './errors';
import { initialState, type EditorState, type Patch } from './model';
import type { CanvasPort, Media } from './ports';

export interface Ctx {
  readonly api: MaskroomApi;
  readonly media: Media;
  get(): EditorState;
  set(patch: Patch | ((s: EditorState) => Patch)): void;
  /** Shows any thrown value in the error banner, in plain words. */
  fail(e: unknown): void;
  showError(error: ShownError): void;
  /** The mask canvas, once the canvas pane has mounted. */
  canvas(): CanvasPort | null;
  attachCanvas(handle: CanvasPort | null): void;
  /** Records mask work still being written (a mask file being imported), which a run must wait for. */
  maskWork(work: Promise<unknown>): void;
  /** Resolves once the mask work recorded so far (and any started meanwhile) has finished. */
  maskSettled(): Promise<void>;
}

/** How many rounds maskSettled waits for work started while it waited (bounds the loop). */
const SETTLE_ROUNDS = 8;

/** The state holder: one object, replaced on every change, and the listeners told of it. */
export function createCore(api: MaskroomApi, media: Media, state: EditorState = initialState()) {
  const listeners = new Set<() => void>();
  let canvas: CanvasPort | null = null;
  const maskWork = new Set<Promise<unknown>>();
  const set = (patch: Patch | ((s: EditorState) => Patch)) => {
    const p = typeof patch === 'function' ? patch(state) : patch;
    state = { ...state, ...p };
    for (const l of listeners) l();
  };
  const ctx: Ctx = {
    api,
    media,
    get: () => state,
    set,
    fail: (e) => set({ error: describeError(e) }),
    showError: (error) => set({ error }),
    canvas: () => canvas,
    attachCanvas: (handle) => {
      canvas = handle;
    },
    maskWork: (work) => {
      const done: Promise<unknown> = work.then(
        () => maskWork.delete(done),
        () => maskWork.delete(done),
      );
      maskWork.add(done);
    },
    maskSettled: async () => {
      for (let i = 0; i < SETTLE_ROUNDS && maskWork.size > 0; i++) await Promise.all([...maskWork]);
    },
  };
  const subscribe = (l: () => void): (() => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return { ctx, subscribe };
}

/** Runs an effect and shows its failure; resolves to undefined when it failed. */
export async function attempt<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    ctx.fail(e);
    return undefined;
  }
}
