/**
 * A test/benchmark hook on window, installed only when asked for: the page URL has `canvasDebug=1`,
 * or `window.__MASKROOM_CANVAS_DEBUG__ = true` was set before the canvas mounted, or EditorCanvas got
 * `debug`. It exposes mask statistics, photo↔page coordinates (so tests can paint with the real mouse)
 * and stroke injection straight into the engine (to set up thousands of earlier strokes quickly).
 */
import type { CanvasManager } from './canvas-manager';
import { maskActions, type MaskActions } from './mask-actions';
import type { MaskStats, StrokeParams } from './mask/engine';
import { takeSelectionTimings, type SelectionTiming } from './select/timing';
import type { View } from './view';

export interface CanvasDebugStats extends MaskStats {
  width: number;
  height: number;
  undoDepth: number;
  redoDepth: number;
  historyBytes: number;
  empty: boolean;
}

export interface CanvasDebugApi extends MaskActions {
  /** True once a photo is set and the first frame is drawn. */
  ready(): boolean;
  stats(): CanvasDebugStats | null;
  pixel(x: number, y: number): number;
  view(): View;
  frames(): number;
  /** Page (client) coordinates of a photo point, for page.mouse. */
  photoToClient(x: number, y: number): { x: number; y: number };
  /** Paints a whole stroke through the engine (not the pointer path), committed as one undo step. */
  injectStroke(points: [number, number, number?][], params: StrokeParams): void;
  /** Draws pending changes now instead of at the next animation frame. */
  flush(): void;
  maskBytes(): Uint8Array | null;
  /** Time spent (ms) in the canvas's own frame work and in input handling, per frame, since the last call. */
  takeTimings(): { frame: number[]; input: number[] };
  /** Each selection since the last call: its tool and the milliseconds from release to the mask written. */
  takeSelectionTimings(): SelectionTiming[];
}

declare global {
  interface Window {
    __MASKROOM_CANVAS_DEBUG__?: boolean;
    __maskroomCanvas?: CanvasDebugApi;
  }
}

export function debugRequested(): boolean {
  if (window.__MASKROOM_CANVAS_DEBUG__ === true) return true;
  try {
    return new URLSearchParams(window.location.search).get('canvasDebug') === '1';
  } catch {
    return false;
  }
}

export function installDebugHook(m: CanvasManager): () => void {
  const api: CanvasDebugApi = {
    ready: () => !!m.engine && m.frames > 0,
    stats: () => {
      const e = m.engine;
      if (!e) return null;
      return {
        ...e.stats(),
        width: e.width,
        height: e.height,
        undoDepth: e.undoDepth,
        redoDepth: e.redoDepth,
        historyBytes: e.historyByteSize,
        empty: e.isEmpty(),
      };
    },
    pixel: (x, y) => m.engine?.getPixel(x, y) ?? 0,
    view: () => ({ ...m.view }),
    frames: () => m.frames,
    photoToClient: (x, y) => {
      const r = m.container.getBoundingClientRect();
      const p = m.photoToStage(x, y);
      return { x: r.left + p.x, y: r.top + p.y };
    },
    injectStroke: (points, params) => {
      const e = m.engine;
      if (!e) return;
      e.beginStroke(params);
      for (const [x, y, p] of points) e.strokeTo(x, y, p ?? 1);
      e.endStroke();
      m.requestFrame();
    },
    flush: () => m.frame(),
    ...maskActions(() => m.engine),
    maskBytes: () => m.engine?.toBytes() ?? null,
    takeTimings: () => m.takeTimings(),
    takeSelectionTimings,
  };
  window.__maskroomCanvas = api;
  return () => {
    if (window.__maskroomCanvas === api) delete window.__maskroomCanvas;
  };
}
