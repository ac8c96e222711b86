/**
 * The canvas's modules (module.ts) in their fixed order, which is the order they draw and see pointer events:
 *
 * - view input (modules/view-input.ts): wheel and pinch zoom, Space/middle-button pan, the CSS cursor;
 * - photo (modules/photo.ts): the photo layer and compare (original alone or split);
 * - mask overlay (modules/mask-overlay.ts): the tinted mask (or its feather preview), written dirty rectangle
 *   by dirty rectangle, and the brush outline drawn in the same canvas (modules/brush-cursor.ts);
 * - marquee, lasso, wand, object select (modules/marquee.ts, lasso.ts, wand.ts, object-select.ts): the
 *   selection tools, each writing its selection into the mask as one undo step (select/);
 * - stroke input (modules/stroke-input.ts): brush and eraser strokes into the engine;
 * - history compaction (modules/history-compaction.ts): packs undo history when idle.
 *
 * View input comes first, so a pan or pinch takes the pointer before any tool.
 */
import type { CanvasContext, CanvasModule } from './module';
import { HistoryCompactionModule } from './modules/history-compaction';
import { LassoModule } from './modules/lasso';
import { MarqueeModule } from './modules/marquee';
import { MaskOverlayModule } from './modules/mask-overlay';
import { ObjectSelectModule } from './modules/object-select';
import { PhotoModule } from './modules/photo';
import { StrokeInputModule } from './modules/stroke-input';
import { ViewInputModule } from './modules/view-input';
import { WandModule } from './modules/wand';

/** The modules, with the three the manager talks to directly. */
export interface ModuleStack {
  viewInput: ViewInputModule;
  photo: PhotoModule;
  overlay: MaskOverlayModule;
  /** Every module, in the order they draw and see pointer events. */
  all: readonly CanvasModule[];
}

/** Creates every module on the context; `busy` says whether a gesture is in progress (compaction waits). */
export function createModules(ctx: CanvasContext, busy: () => boolean): ModuleStack {
  const viewInput = new ViewInputModule(ctx);
  const photo = new PhotoModule(ctx);
  const overlay = new MaskOverlayModule(ctx);
  // The selection tools before the stroke input: each takes the pointer only for its own tools.
  const marquee = new MarqueeModule(ctx);
  const lasso = new LassoModule(ctx);
  const wand = new WandModule(ctx);
  const objectSelect = new ObjectSelectModule(ctx);
  const stroke = new StrokeInputModule(ctx);
  const compaction = new HistoryCompactionModule(ctx, busy);
  return {
    viewInput,
    photo,
    overlay,
    all: [viewInput, photo, overlay, marquee, lasso, wand, objectSelect, stroke, compaction],
  };
}
