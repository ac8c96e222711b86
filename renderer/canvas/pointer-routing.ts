/**
 * Pointer events on the stage, routed through the canvas modules in their order. Down and move stop at the
 * first module that takes the event (view input comes first, so a pan or a pinch wins over any tool); up and
 * cancel reach every module (cancel falls back to up for a module without pointerCancel). After each event
 * the modules hear inputChanged, so the brush outline follows. The context menu and the middle-button click
 * are suppressed over the stage.
 *
 * Positions are relative to the stage's box. While a button is down (a stroke, a drag, a pan) the box read
 * at the press is kept for that pointer's moves, until it is released or the window resizes or scrolls:
 * reading it on every move would make the browser bring style and layout up to date in the event (the
 * brush outline moved at the frame before), a second style pass in every painting frame.
 */
import type { CanvasContext, CanvasModule, Point } from './module';

export function routePointerEvents(ctx: CanvasContext, modules: readonly CanvasModule[]): void {
  const { container, pointer } = ctx;
  const local = (e: PointerEvent, r: DOMRect): Point => ({ x: e.clientX - r.left, y: e.clientY - r.top });
  /** The stage's box at the press of each pointer with a button down. */
  const pressed = new Map<number, DOMRect>();
  const release = (e: PointerEvent) => pressed.delete(e.pointerId);
  const forget = () => pressed.clear();
  ctx.listen(window, 'resize', forget);
  ctx.listen(window, 'scroll', forget, { capture: true, passive: true });
  ctx.listen(container, 'pointerdown', (e) => {
    const r = container.getBoundingClientRect();
    pressed.set(e.pointerId, r);
    const p = local(e, r);
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerDown?.(e, p)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointermove', (e) => {
    let r = e.buttons ? pressed.get(e.pointerId) : undefined;
    if (!r) {
      r = container.getBoundingClientRect();
      if (e.buttons) pressed.set(e.pointerId, r);
      else pressed.delete(e.pointerId);
    }
    const p = local(e, r);
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerMove?.(e, p, r)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointerup', (e) => {
    release(e);
    for (const m of modules) m.pointerUp?.(e);
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointercancel', (e) => {
    release(e);
    for (const m of modules) {
      if (m.pointerCancel) m.pointerCancel(e);
      else m.pointerUp?.(e);
    }
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointerleave', (e) => {
    if (e.pointerType === 'touch') return;
    pointer.inside = false;
    ctx.inputChanged();
  });
  ctx.listen(container, 'contextmenu', (e) => e.preventDefault());
  ctx.listen(container, 'auxclick', (e) => e.preventDefault());
}
