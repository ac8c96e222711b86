/**
 * What the box-dragging selection tools (marquee, object select) share: the drag of the pointer that holds
 * the box, its two corners in photo pixels, and the outline that follows it through moves, view changes, a
 * cancelled pointer and another gesture taking over. Each tool says how the outline looks (`show`), how a
 * drag is dropped (`dropDrag`) and what else a move changes (`moved`).
 */
import type { CanvasContext, FrameInfo, Point } from '../module';
import type { SelectionOutline } from '../modules/selection-outline';
import { screenToPhoto } from '../view';

/** A box being dragged: the pointer dragging it and its two corners, in photo pixels. */
export interface BoxDrag {
  pointerId: number;
  a: Point;
  b: Point;
}

export abstract class BoxDragModule<D extends BoxDrag> {
  protected drag: D | null = null;
  protected abstract readonly outline: SelectionOutline;

  constructor(protected readonly ctx: CanvasContext) {}

  pointerMove(e: PointerEvent, p: Point): boolean {
    const d = this.drag;
    if (!d || d.pointerId !== e.pointerId) return false;
    d.b = screenToPhoto(this.ctx.view, p.x, p.y);
    this.moved(d, e);
    this.show();
    return true;
  }

  pointerCancel(e: PointerEvent): void {
    if (this.drag?.pointerId === e.pointerId) this.dropDrag();
  }

  draw({ viewChanged }: FrameInfo): void {
    if (viewChanged && this.outline.visible) this.outline.redraw(this.ctx.view);
  }

  interrupt(): void {
    this.dropDrag();
  }

  /** What a move changes besides the box's end (nothing by default). */
  protected moved(_d: D, _e: PointerEvent): void {}

  /** Shows the outline of the box being dragged. */
  protected abstract show(): void;

  /** Drops the drag, nothing written. */
  protected abstract dropDrag(): void;
}
