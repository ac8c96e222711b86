/**
 * Pointer events on the stage, routed through the canvas modules in their order. Down and move stop at the
 * first module that takes the event (view input comes first, so a pan or a pinch wins over any tool); up and
 * cancel reach every module (cancel falls back to up for a module without pointerCancel). After each event
 * the modules hear inputChanged, so the brush outline follows. The context menu and the middle-button click
 * are suppressed over the stage.
 *
 * Positions are relative to the stage's box. While a button is down (a stroke, a drag, a pan) the box read
 * at the press is kept for that pointer's moves, until it is released or the window resizes or scrolls
 * (pressed-boxes.ts): reading it on every move would make the browser bring style and layout up to date in
 * the event (the brush outline moved at the frame before), a second style pass in every painting frame.
 */
import type { CanvasContext, CanvasModule, Point } from './module';
import { PressedBoxes } from './pressed-boxes';

export function routePointerEvents(ctx: CanvasContext, modules: readonly CanvasModule[]): void {
  const { container, pointer } = ctx;
  const local = (e: PointerEvent, r: DOMRect): Point => ({ x: e.clientX - r.left, y: e.clientY - r.top });
  // The stage's box, kept from a press for that pointer's moves (pressed-boxes.ts).
  const boxes = new PressedBoxes<DOMRect>();
  const read = () => container.getBoundingClientRect();
  ctx.listen(window, 'resize', () => boxes.clear());
  ctx.listen(window, 'scroll', () => boxes.clear(), { capture: true, passive: true });
  ctx.listen(container, 'pointerdown', (e) => {
    const p = local(e, boxes.press(e.pointerId, read));
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerDown?.(e, p)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointermove', (e) => {
    const r = boxes.move(e.pointerId, e.buttons, read);
    const p = local(e, r);
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerMove?.(e, p, r)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointerup', (e) => {
    boxes.release(e.pointerId);
    for (const m of modules) m.pointerUp?.(e);
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointercancel', (e) => {
    boxes.release(e.pointerId);
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
