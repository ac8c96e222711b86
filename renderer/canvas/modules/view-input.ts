/**
 * View input: zoom toward the pointer with the wheel or a trackpad pinch (ctrl+wheel), a two-finger touch
 * pinch, and pan with Space+drag or the middle button. It comes first among the pointer modules, so a pan or
 * a pinch takes the pointer before any tool sees it; a second finger interrupts a stroke. It also sets the
 * CSS cursor (grab while Space is held, grabbing while panning).
 */
import type { CanvasContext, CanvasModule, Point } from '../module';
import { wheelZoomFactor, zoomAt, type View } from '../view';

export class ViewInputModule implements CanvasModule {
  readonly name = 'view-input';
  private pan: { id: number; x: number; y: number } | null = null;
  private spaceHeld = false;
  private touches = new Map<number, Point>();
  private pinch: { d0: number; m0: Point; v0: View } | null = null;

  constructor(private readonly ctx: CanvasContext) {}

  /** Space is held or a pan or pinch is in progress. */
  get navigating(): boolean {
    return this.spaceHeld || !!this.pan || !!this.pinch;
  }

  attach(): void {
    const { ctx } = this;
    ctx.listen(ctx.container, 'wheel', this.onWheel, { passive: false });
    ctx.listen(window, 'keydown', this.onKey);
    ctx.listen(window, 'keyup', this.onKey);
    ctx.listen(window, 'blur', () => this.setSpace(false));
    this.updateCursor();
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    if (e.pointerType === 'touch') {
      this.touches.set(e.pointerId, p);
      if (this.touches.size === 2) {
        // Second finger: this is a pinch, not a stroke.
        this.ctx.interrupt();
        const [a, b] = this.twoTouches();
        this.pinch = { d0: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), m0: mid(a, b), v0: this.ctx.view };
        capture(this.ctx.container, e.pointerId);
        return true;
      }
      if (this.touches.size > 2) return true;
    }
    if (e.button === 1 || (e.button === 0 && this.spaceHeld)) {
      e.preventDefault();
      this.pan = { id: e.pointerId, x: p.x, y: p.y };
      capture(this.ctx.container, e.pointerId);
      this.updateCursor();
      return true;
    }
    return false;
  }

  pointerMove(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    if (this.pinch && this.touches.has(e.pointerId)) {
      this.touches.set(e.pointerId, p);
      const [a, b] = this.twoTouches();
      const m = mid(a, b);
      const { d0, m0, v0 } = this.pinch;
      const z = zoomAt(v0, m0.x, m0.y, (v0.scale * Math.hypot(a.x - b.x, a.y - b.y)) / d0);
      ctx.setView({ scale: z.scale, x: z.x + m.x - m0.x, y: z.y + m.y - m0.y });
      return true;
    }
    if (this.pan && e.pointerId === this.pan.id) {
      const v = ctx.view;
      ctx.setView({ ...v, x: v.x + p.x - this.pan.x, y: v.y + p.y - this.pan.y });
      this.pan = { id: e.pointerId, x: p.x, y: p.y };
      return true;
    }
    return false;
  }

  pointerUp(e: PointerEvent): void {
    this.touches.delete(e.pointerId);
    if (this.pinch && this.touches.size < 2) this.pinch = null;
    if (this.pan && e.pointerId === this.pan.id) {
      this.pan = null;
      this.updateCursor();
    }
  }

  destroy(): void {
    // Listeners go with the context.
  }

  private twoTouches(): [Point, Point] {
    return [...this.touches.values()] as [Point, Point];
  }

  private readonly onWheel = (e: WheelEvent): void => {
    const { ctx } = this;
    if (!ctx.photoSize) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? ctx.size.height : 1;
    const r = ctx.container.getBoundingClientRect();
    const p = { x: e.clientX - r.left, y: e.clientY - r.top };
    Object.assign(ctx.pointer, p, { inside: true });
    // ctrl+wheel is what trackpad pinches send.
    const factor = wheelZoomFactor(e.deltaY * unit, e.ctrlKey);
    ctx.setView(zoomAt(ctx.view, p.x, p.y, ctx.view.scale * factor));
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.code !== 'Space' && e.key !== ' ') return;
    if (isEditable(e.target)) return;
    const down = e.type === 'keydown';
    // Space over the stage pans; stop it scrolling the page or pressing a focused button.
    if (this.ctx.pointer.inside || this.pan) e.preventDefault();
    this.setSpace(down);
  };

  private setSpace(held: boolean): void {
    if (this.spaceHeld === held) return;
    this.spaceHeld = held;
    this.updateCursor();
    this.ctx.inputChanged();
  }

  private updateCursor(): void {
    this.ctx.container.style.cursor = this.pan ? 'grabbing' : this.spaceHeld ? 'grab' : 'crosshair';
  }
}

/** Pointer capture keeps a stroke or pan going outside the stage; synthetic events (tests) have no capturable pointer. */
export function capture(el: HTMLElement, id: number): void {
  try {
    el.setPointerCapture(id);
  } catch {
    // not an active pointer: nothing to capture
  }
}

function mid(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function isEditable(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement)
    return !['range', 'checkbox', 'radio', 'button', 'submit', 'color', 'file'].includes(t.type);
  return false;
}
