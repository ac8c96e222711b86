/**
 * Lasso and polygon lasso. Lasso: drag freehand; release closes the traced outline and fills it. Polygon:
 * each click adds a corner, the last edge follows the pointer; a double-click, Enter or a click on the first
 * corner closes it, Backspace removes the last corner, Escape drops it. The outline is filled even-odd in
 * photo pixels (select/raster.ts) and written in the mode of the modifiers held at the first press, as one
 * undo step.
 */
import type { CanvasContext, CanvasModule, FrameInfo, Point } from '../module';
import { applySelection, modeFor, type SelectMode } from '../select/combine';
import { rasterPolygon } from '../select/raster';
import { recordSelection } from '../select/timing';
import { screenToPhoto } from '../view';
import { mayStartSelection } from './marquee';
import { SelectionOutline } from './selection-outline';
import { capture } from './view-input';

/** Screen pixels: a second click this close to the last corner, this soon, is a double-click. */
const DOUBLE_CLICK_PX = 5;
const DOUBLE_CLICK_MS = 400;
/** Screen pixels: a click this close to the first corner closes the polygon. */
const CLOSE_PX = 7;

interface Trace {
  tool: 'lasso' | 'polygon';
  /** The dragging pointer (lasso), or null between polygon clicks. */
  pointerId: number | null;
  points: Point[];
  /** Polygon: where the pointer is, the end of the edge in progress. */
  hover: Point | null;
  mode: SelectMode;
  lastClick: { t: number; x: number; y: number } | null;
}

export class LassoModule implements CanvasModule {
  readonly name = 'lasso';
  private trace: Trace | null = null;
  private readonly outline = new SelectionOutline('lasso-outline');

  constructor(private readonly ctx: CanvasContext) {}

  attach(): void {
    this.ctx.container.append(this.outline.element);
    this.ctx.listen(window, 'keydown', (e) => this.key(e), { capture: true });
  }

  busy(): boolean {
    return this.trace !== null;
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    const q = screenToPhoto(ctx.view, p.x, p.y);
    const t = this.trace;
    if (t?.tool === 'polygon') {
      if (e.button !== 0) return false;
      const first = t.points[0]!;
      const last = t.points[t.points.length - 1]!;
      const near = (a: Point, px: number) =>
        Math.hypot((a.x - q.x) * ctx.view.scale, (a.y - q.y) * ctx.view.scale) <= px;
      const dbl =
        t.lastClick &&
        e.timeStamp - t.lastClick.t < DOUBLE_CLICK_MS &&
        Math.hypot(p.x - t.lastClick.x, p.y - t.lastClick.y) <= DOUBLE_CLICK_PX;
      if (dbl || (t.points.length >= 3 && near(first, CLOSE_PX)) || e.detail >= 2) {
        if (!dbl && !near(last, DOUBLE_CLICK_PX) && !near(first, CLOSE_PX)) t.points.push(q);
        this.finish();
        return true;
      }
      t.points.push(q);
      t.lastClick = { t: e.timeStamp, x: p.x, y: p.y };
      this.show();
      return true;
    }
    if (t || !mayStartSelection(ctx, e, ['lasso', 'polygon'])) return false;
    const tool = ctx.brush.tool as 'lasso' | 'polygon';
    if (tool === 'lasso') capture(ctx.container, e.pointerId);
    this.trace = {
      tool,
      pointerId: tool === 'lasso' ? e.pointerId : null,
      points: [q],
      hover: null,
      mode: modeFor(e, ctx.selection.mode),
      lastClick: { t: e.timeStamp, x: p.x, y: p.y },
    };
    this.show();
    return true;
  }

  pointerMove(e: PointerEvent, p: Point, stage: DOMRect): boolean {
    const t = this.trace;
    if (!t) return false;
    const { view } = this.ctx;
    if (t.tool === 'polygon') {
      t.hover = screenToPhoto(view, p.x, p.y);
      this.show();
      return true;
    }
    if (t.pointerId !== e.pointerId) return false;
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const q = screenToPhoto(view, ev.clientX - stage.left, ev.clientY - stage.top);
      const last = t.points[t.points.length - 1]!;
      // Keep a point per screen pixel or so: finer adds nothing the photographer could aim.
      if (Math.hypot((q.x - last.x) * view.scale, (q.y - last.y) * view.scale) >= 0.75) t.points.push(q);
    }
    this.show();
    return true;
  }

  pointerUp(e: PointerEvent): void {
    const t = this.trace;
    if (t?.tool === 'lasso' && t.pointerId === e.pointerId) this.finish();
  }

  pointerCancel(e: PointerEvent): void {
    if (this.trace?.pointerId === e.pointerId) this.drop();
  }

  inputChanged(): void {
    if (this.trace && this.ctx.brush.tool !== this.trace.tool) this.drop();
  }

  draw({ viewChanged }: FrameInfo): void {
    if (viewChanged && this.outline.visible) this.outline.redraw(this.ctx.view);
  }

  interrupt(): void {
    if (this.trace?.tool === 'lasso') this.drop();
  }

  engineChanged(): void {
    this.drop();
  }

  destroy(): void {
    this.drop();
    this.outline.element.remove();
  }

  private key(e: KeyboardEvent): void {
    const t = this.trace;
    if (!t || t.tool !== 'polygon') return;
    if (e.key === 'Enter') this.finish();
    else if (e.key === 'Escape') this.drop();
    else if (e.key === 'Backspace') {
      if (t.points.length > 1) t.points.pop();
      else this.drop();
      this.show();
    } else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  private show(): void {
    const t = this.trace;
    if (!t) return;
    const points = t.hover ? [...t.points, t.hover] : t.points;
    this.outline.set(
      { kind: 'path', points, closed: t.tool === 'lasso' && points.length > 2 },
      this.ctx.view,
    );
  }

  private finish(): void {
    const t = this.trace;
    const engine = this.ctx.engine;
    this.drop();
    if (!t || !engine) return;
    const t0 = performance.now();
    const sel = rasterPolygon(t.points, engine);
    if (!sel && t.mode !== 'intersect') return;
    if (t.points.length < 3) return;
    applySelection(engine, engine, sel, t.mode);
    recordSelection(t.tool, performance.now() - t0);
    this.ctx.requestFrame();
  }

  private drop(): void {
    this.trace = null;
    this.outline.set(null, this.ctx.view);
  }
}
