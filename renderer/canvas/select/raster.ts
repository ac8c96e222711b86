/**
 * Selection shapes rasterised in photo space: a rectangle, an ellipse inscribed in a box and a polygon
 * (even-odd), each a 0/255 selection over its bounding rectangle clipped to the photo. A pixel belongs to
 * a shape when its centre (x + 0.5, y + 0.5) does, so a rectangle with integer corners is exactly its pixels
 * whatever the zoom it was dragged at. The shapes are held as spans (a few per row, mask/spans.ts), so
 * neither rasterising nor writing them touches a buffer the size of their area.
 */
import { SpanBuilder, spanBytes, type Spans } from '../mask/spans';
import type { Rect, Size } from '../view';

/** A point in photo pixels. */
export interface Point {
  x: number;
  y: number;
}

/** A selection: `data` holds rect.width·rect.height bytes, row-major, 255 = selected. */
export interface Selection {
  rect: Rect;
  data: Uint8Array;
  /** Every value is 0 or 255 (the shapes here and the wand): the modes become bitwise and word-wide. */
  binary?: boolean;
  /** The selected pixels as row spans inside rect (the shapes and the wand): written without `data`. */
  spans?: Spans;
}

/** Bytes already made for a span selection (kept off the object, so equal selections compare equal). */
const madeBytes = new WeakMap<SpanSelection, Uint8Array>();

/** A 0/255 selection held as spans; its bytes are made only when asked for (tests, a mask file). */
export class SpanSelection implements Selection {
  readonly binary = true;

  constructor(
    readonly rect: Rect,
    readonly spans: Spans,
  ) {}

  get data(): Uint8Array {
    let d = madeBytes.get(this);
    if (!d) madeBytes.set(this, (d = spanBytes(this.spans, this.rect)));
    return d;
  }
}

/** The box spanned by two drag points, corners rounded to whole photo pixels; `square` makes it a square. */
export function dragBox(a: Point, b: Point, square: boolean): Rect {
  let dx = b.x - a.x;
  let dy = b.y - a.y;
  if (square) {
    const s = Math.max(Math.abs(dx), Math.abs(dy));
    dx = (dx < 0 ? -1 : 1) * s;
    dy = (dy < 0 ? -1 : 1) * s;
  }
  const x0 = Math.round(Math.min(a.x, a.x + dx));
  const y0 = Math.round(Math.min(a.y, a.y + dy));
  const x1 = Math.round(Math.max(a.x, a.x + dx));
  const y1 = Math.round(Math.max(a.y, a.y + dy));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The part of r inside the photo, or null. */
export function clipToPhoto(r: Rect, photo: Size): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(photo.width, Math.ceil(r.x + r.width));
  const y1 = Math.min(photo.height, Math.ceil(r.y + r.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

export function rasterRect(box: Rect, photo: Size): Selection | null {
  const rect = clipToPhoto(box, photo);
  if (!rect) return null;
  const b = new SpanBuilder(rect.y, rect.height, 2 * rect.height);
  for (let j = 0; j < rect.height; j++) b.add(j, rect.x, rect.x + rect.width);
  return new SpanSelection(rect, b.done());
}

/** The ellipse inscribed in `box` (a circle when the box is square). */
export function rasterEllipse(box: Rect, photo: Size): Selection | null {
  const rect = clipToPhoto(box, photo);
  if (!rect) return null;
  const rx = box.width / 2;
  const ry = box.height / 2;
  const cx = box.x + rx;
  const cy = box.y + ry;
  const spans = new SpanBuilder(rect.y, rect.height);
  for (let j = 0; j < rect.height; j++) {
    const v = (rect.y + j + 0.5 - cy) / ry;
    const q = 1 - v * v;
    if (q < 0) continue;
    // Centres with |x + 0.5 - cx| <= rx·√q: a span per row.
    const half = rx * Math.sqrt(q);
    const xa = Math.max(rect.x, Math.ceil(cx - half - 0.5));
    const xb = Math.min(rect.x + rect.width, Math.floor(cx + half - 0.5) + 1);
    if (xb > xa) spans.add(j, xa, xb);
  }
  return new SpanSelection(rect, spans.done());
}

/** The polygon through `pts` (closed, even-odd), clipped to the photo; null when it covers no pixel centre. */
export function rasterPolygon(pts: readonly Point[], photo: Size): Selection | null {
  if (pts.length < 3) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const rect = clipToPhoto({ x: minX, y: minY, width: maxX - minX, height: maxY - minY }, photo);
  if (!rect) return null;
  const n = pts.length;
  // Edges by the first row they may cross (a row early and late, for rounding: the exact test is below), so
  // each row tests only the edges spanning it.
  const edges: { p: number; i: number; j0: number; j1: number }[] = [];
  for (let i = 0, p = n - 1; i < n; p = i++) {
    const ya = pts[p]!.y;
    const yb = pts[i]!.y;
    if (ya === yb) continue;
    const j0 = Math.max(0, Math.floor(Math.min(ya, yb) - rect.y - 0.5));
    const j1 = Math.min(rect.height - 1, Math.ceil(Math.max(ya, yb) - rect.y - 0.5));
    if (j1 >= j0) edges.push({ p, i, j0, j1 });
  }
  edges.sort((a, b) => a.j0 - b.j0);
  let next = 0;
  let active: typeof edges = [];
  const xs = new Float64Array(n);
  const spans = new SpanBuilder(rect.y, rect.height);
  for (let j = 0; j < rect.height; j++) {
    while (next < edges.length && edges[next]!.j0 <= j) active.push(edges[next++]!);
    if (active.some((e) => e.j1 < j)) active = active.filter((e) => e.j1 >= j);
    const yc = rect.y + j + 0.5;
    let k = 0;
    for (const e of active) {
      const a = pts[e.p]!;
      const b = pts[e.i]!;
      // Half-open in y, so a vertex on the scanline is counted once.
      if (a.y <= yc !== b.y <= yc) xs[k++] = a.x + ((yc - a.y) / (b.y - a.y)) * (b.x - a.x);
    }
    if (k < 2) continue;
    const row = xs.subarray(0, k).sort();
    for (let i = 0; i + 1 < k; i += 2) {
      // Centres x + 0.5 in [row[i], row[i+1]).
      const xa = Math.max(rect.x, Math.ceil(row[i]! - 0.5));
      const xb = Math.min(rect.x + rect.width, Math.ceil(row[i + 1]! - 0.5));
      if (xb > xa) spans.add(j, xa, xb);
    }
  }
  return new SpanSelection(rect, spans.done());
}
