/**
 * Pointer events on the stage, routed through the canvas modules in their order. Down and move stop at the
 * first module that takes the event (view input comes first, so a pan or a pinch wins over any tool); up and
 * cancel reach every module (cancel falls back to up for a module without pointerCancel). After each event
 * the modules hear inputChanged, so the brush outline follows. The context menu and the middle-button click
 * are suppressed over the stage.
 */
import type { CanvasContext, CanvasModule, Point } from './module';

export function routePointerEvents(ctx: CanvasContext, modules: readonly CanvasModule[]): void {
  const { container, pointer } = ctx;
  const local = (e: PointerEvent, r: DOMRect): Point => ({ x: e.clientX - r.left, y: e.clientY - r.top });
  ctx.listen(container, 'pointerdown', (e) => {
    const p = local(e, container.getBoundingClientRect());
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerDown?.(e, p)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointermove', (e) => {
    const r = container.getBoundingClientRect();
    const p = local(e, r);
    Object.assign(pointer, p, { inside: true });
    for (const m of modules) if (m.pointerMove?.(e, p, r)) break;
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointerup', (e) => {
    for (const m of modules) m.pointerUp?.(e);
    ctx.inputChanged();
  });
  ctx.listen(container, 'pointercancel', (e) => {
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
