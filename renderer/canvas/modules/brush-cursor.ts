/**
 * The brush outline: a ring at the pointer at the brush's true size on screen, dashed for the eraser, with a
 * dashed inner ring for the full-strength core of a soft brush. Hidden off the stage, without a photo, while
 * navigating, while the original is held and for the selection tools.
 *
 * It is drawn by the mask overlay (modules/mask-overlay.ts) into the overlay's own canvas, after the frame's
 * mask changes, and taken off again by putting back the overlay's pixels under it. A DOM element moved every
 * frame instead made the browser recompute style, re-layerise the page and composite one more moving layer
 * at every painting frame (about 0.45 ms of CPU per frame over all threads at 100 MP); drawn in the canvas
 * that changes anyway, the outline costs the few pixels around it. The look is the one the DOM outline had:
 * a 1 px white line (95%) between a 1 px dark line outside (55% black) and one inside (35% black), at the
 * brush's diameter in CSS pixels; the core's ring a 1 px dashed white line (60%).
 */
import { isSelectTool, type CanvasContext } from '../module';
import type { Rect } from '../view';

/** The outline to draw, in device pixels of the overlay's canvas. */
export interface BrushRing {
  /** Centre. */
  x: number;
  y: number;
  /** Diameter of the outline's box (the brush's diameter on screen). */
  d: number;
  /** Diameter of the core's ring, 0 for none. */
  core: number;
  dashed: boolean;
  /** Device pixels per CSS pixel (the lines are 1 CSS pixel wide). */
  k: number;
}

/** The outline the context asks for now, in the device pixels of a canvas `k` times the stage's CSS size. */
export function brushRing(ctx: CanvasContext, k: number): BrushRing | null {
  const { pointer, brush } = ctx;
  if (!pointer.inside || !ctx.engine || ctx.navigating || ctx.showingOriginal || isSelectTool(brush.tool))
    return null;
  const d = Math.max(1, brush.size * ctx.view.scale);
  // The hard core of a soft brush, where coverage is full.
  const c = d * (brush.hardness / 100);
  const showCore = brush.hardness < 95 && c > 6;
  return {
    x: pointer.x * k,
    y: pointer.y * k,
    d: d * k,
    core: showCore ? c * k : 0,
    dashed: brush.tool === 'eraser',
    k,
  };
}

export function sameRing(a: BrushRing | null, b: BrushRing | null): boolean {
  if (!a || !b) return a === b;
  return (
    a.x === b.x && a.y === b.y && a.d === b.d && a.core === b.core && a.dashed === b.dashed && a.k === b.k
  );
}

/** Device pixels around the lines that antialiasing may touch. */
const MARGIN = 2;

/**
 * Rectangles (device pixels, whole) covering every pixel the ring's drawing may touch: its box less a square
 * inside its innermost line, which it never reaches (so a large outline does not rewrite the pixels it
 * encloses).
 */
export function ringArea(r: BrushRing): Rect[] {
  const outer = r.d / 2 + r.k + MARGIN;
  const box: Rect = {
    x: Math.floor(r.x - outer),
    y: Math.floor(r.y - outer),
    width: 0,
    height: 0,
  };
  box.width = Math.ceil(r.x + outer) - box.x;
  box.height = Math.ceil(r.y + outer) - box.y;
  const inner = (r.core > 0 ? r.core / 2 - r.k : r.d / 2 - 2 * r.k) - MARGIN;
  // The largest square inside the inner circle, shrunk to whole pixels.
  const q = inner / Math.SQRT2;
  if (q < 2) return [box];
  const hole: Rect = { x: Math.ceil(r.x - q), y: Math.ceil(r.y - q), width: 0, height: 0 };
  hole.width = Math.floor(r.x + q) - hole.x;
  hole.height = Math.floor(r.y + q) - hole.y;
  if (hole.width <= 0 || hole.height <= 0) return [box];
  const out: Rect[] = [
    { x: box.x, y: box.y, width: box.width, height: hole.y - box.y },
    {
      x: box.x,
      y: hole.y + hole.height,
      width: box.width,
      height: box.y + box.height - hole.y - hole.height,
    },
    { x: box.x, y: hole.y, width: hole.x - box.x, height: hole.height },
    {
      x: hole.x + hole.width,
      y: hole.y,
      width: box.x + box.width - hole.x - hole.width,
      height: hole.height,
    },
  ];
  return out.filter((b) => b.width > 0 && b.height > 0);
}

/** One circle of the outline: a line 1 CSS pixel wide centred at radius `radius` (device pixels). */
function circle(
  g: CanvasRenderingContext2D,
  r: BrushRing,
  radius: number,
  style: string,
  dashed: boolean,
): void {
  if (radius <= 0) return;
  g.beginPath();
  g.arc(r.x, r.y, radius, 0, 2 * Math.PI);
  g.strokeStyle = style;
  g.lineWidth = r.k;
  g.setLineDash(dashed ? [3 * r.k, 3 * r.k] : []);
  g.stroke();
}

/** Draws the outline (over what the canvas holds). */
export function drawRing(g: CanvasRenderingContext2D, r: BrushRing): void {
  g.save();
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.globalCompositeOperation = 'source-over';
  g.globalAlpha = 1;
  const R = r.d / 2;
  // As the DOM outline was drawn: its box of diameter d with a 1 px border, a 1 px shadow outside it and a
  // 1 px inset shadow inside the border; the core's box of diameter `core` with its own 1 px border.
  circle(g, r, R + r.k / 2, 'rgba(0,0,0,0.55)', false);
  circle(g, r, R - 1.5 * r.k, 'rgba(0,0,0,0.35)', false);
  circle(g, r, R - r.k / 2, 'rgba(255,255,255,0.95)', r.dashed);
  if (r.core > 0) circle(g, r, r.core / 2 - r.k / 2, 'rgba(255,255,255,0.6)', true);
  g.restore();
}
