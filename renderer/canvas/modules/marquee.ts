/**
 * Rectangle and ellipse marquee: drag a box (Shift: a square, so a circle for the ellipse); the ellipse is
 * inscribed in the box. Release writes the shape, rasterised in photo pixels, into the mask in the mode of
 * the modifiers held when the drag began (select/combine.ts) as one undo step. Marching ants show the shape
 * while dragging.
 */
import type { CanvasContext, CanvasModule, Point, SelectTool } from '../module';
import { BoxDragModule, type BoxDrag } from '../select/box-drag';
import { applySelection, modeFor, type SelectMode } from '../select/combine';
import { dragBox, rasterEllipse, rasterRect } from '../select/raster';
import { recordSelection } from '../select/timing';
import { screenToPhoto } from '../view';
import { SelectionOutline } from './selection-outline';
import { capture } from './view-input';

interface Drag extends BoxDrag {
  tool: 'rect' | 'ellipse';
  square: boolean;
  mode: SelectMode;
}

/** Whether a selection module may start a gesture for `tools` on this pointer-down. */
export function mayStartSelection(
  ctx: CanvasContext,
  e: PointerEvent,
  tools: readonly SelectTool[],
): boolean {
  return (
    e.button === 0 &&
    !!ctx.engine &&
    !ctx.showingOriginal &&
    !ctx.navigating &&
    (tools as readonly string[]).includes(ctx.brush.tool)
  );
}

export class MarqueeModule extends BoxDragModule<Drag> implements CanvasModule {
  readonly name = 'marquee';
  protected readonly outline = new SelectionOutline('marquee-outline');

  attach(): void {
    this.ctx.container.append(this.outline.element);
  }

  busy(): boolean {
    return this.drag !== null;
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    if (this.drag || !mayStartSelection(ctx, e, ['rect', 'ellipse'])) return false;
    capture(ctx.container, e.pointerId);
    const a = screenToPhoto(ctx.view, p.x, p.y);
    this.drag = {
      pointerId: e.pointerId,
      tool: ctx.brush.tool as 'rect' | 'ellipse',
      a,
      b: a,
      square: e.shiftKey,
      mode: modeFor(e, ctx.selection.mode),
    };
    this.show();
    return true;
  }

  protected override moved(d: Drag, e: PointerEvent): void {
    d.square = e.shiftKey;
  }

  pointerUp(e: PointerEvent): void {
    const d = this.drag;
    const engine = this.ctx.engine;
    if (!d || d.pointerId !== e.pointerId) return;
    this.dropDrag();
    if (!engine) return;
    const t0 = performance.now();
    const box = dragBox(d.a, d.b, d.square);
    if (box.width < 1 || box.height < 1) return; // a click, not a drag
    const sel = d.tool === 'rect' ? rasterRect(box, engine) : rasterEllipse(box, engine);
    if (!sel && d.mode !== 'intersect') return;
    applySelection(engine, engine, sel, d.mode);
    recordSelection(d.tool, performance.now() - t0);
    this.ctx.requestFrame();
  }

  inputChanged(): void {
    // Shift pressed or released mid-drag changes the constraint at once.
    const d = this.drag;
    if (d && this.ctx.brush.tool !== d.tool) this.dropDrag();
  }

  engineChanged(): void {
    this.dropDrag();
  }

  destroy(): void {
    this.dropDrag();
    this.outline.element.remove();
  }

  protected show(): void {
    const d = this.drag;
    if (!d) return;
    const box = dragBox(d.a, d.b, d.square);
    this.outline.set({ kind: d.tool, ...box }, this.ctx.view);
  }

  protected dropDrag(): void {
    this.drag = null;
    this.outline.set(null, this.ctx.view);
  }
}
