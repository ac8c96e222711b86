/**
 * Stroke input for the brush and the eraser: the primary button paints through the mask engine, each move
 * (with its coalesced events, when the browser has them) rasterised at once into the stroke buffer; release
 * commits the stroke as one undo step, a cancelled pointer or a second finger drops it. A pen's pressure
 * scales the size; mice and touch paint at full size. Nothing here reaches React while painting.
 */
import { isSelectTool, type CanvasContext, type CanvasModule, type Point } from '../module';
import { screenToPhoto } from '../view';
import { capture } from './view-input';

export class StrokeInputModule implements CanvasModule {
  readonly name = 'stroke-input';
  private pointerId: number | null = null;

  constructor(private readonly ctx: CanvasContext) {}

  busy(): boolean {
    return this.pointerId !== null;
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    const engine = ctx.engine;
    if (e.button !== 0 || !engine || this.pointerId !== null || ctx.showingOriginal) return false;
    if (isSelectTool(ctx.brush.tool)) return false; // a selection module owns the pointer
    capture(ctx.container, e.pointerId);
    this.pointerId = e.pointerId;
    engine.beginStroke({
      mode: ctx.brush.tool === 'eraser' ? 'erase' : 'paint',
      size: ctx.brush.size,
      hardness: ctx.brush.hardness / 100,
    });
    const q = screenToPhoto(ctx.view, p.x, p.y);
    engine.strokeTo(q.x, q.y, pressureOf(e));
    ctx.requestFrame();
    return true;
  }

  pointerMove(e: PointerEvent, _p: Point, stage: DOMRect): boolean {
    const { ctx } = this;
    const engine = ctx.engine;
    if (this.pointerId !== e.pointerId || !engine) return false;
    const t0 = performance.now();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const q = screenToPhoto(ctx.view, ev.clientX - stage.left, ev.clientY - stage.top);
      engine.strokeTo(q.x, q.y, pressureOf(ev));
    }
    ctx.addInputTime(performance.now() - t0);
    ctx.requestFrame();
    return true;
  }

  pointerUp(e: PointerEvent): void {
    if (this.pointerId !== e.pointerId) return;
    this.pointerId = null;
    this.ctx.engine?.endStroke(); // one commit per stroke; fires onMaskChange
    this.ctx.requestFrame();
  }

  pointerCancel(e: PointerEvent): void {
    if (this.pointerId === e.pointerId) this.interrupt();
  }

  interrupt(): void {
    if (this.pointerId === null) return;
    this.pointerId = null;
    this.ctx.engine?.cancelStroke();
    this.ctx.requestFrame();
  }

  engineChanged(): void {
    // The manager cancelled the stroke on the old engine.
    this.pointerId = null;
  }

  destroy(): void {
    this.pointerId = null;
  }
}

function pressureOf(e: PointerEvent): number {
  // Mice report 0.5 while a button is down: only pens carry real pressure.
  return e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : 1;
}
