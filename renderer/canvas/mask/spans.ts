/**
 * A 0/255 selection as runs of selected pixels per row (spans), the form the selection tools produce and
 * the mask takes without a full-size byte buffer: a rectangle, an ellipse or a polygon is a span or a few
 * per row, the wand's fill is the runs it found. combineSpans (span-write.ts) writes them into the tiles.
 */

/**
 * Rows y .. y + rows − 1 of the photo; row j's spans are the pairs xs[start[j]] .. xs[start[j + 1] − 1] as
 * [x0, x1) in photo pixels, left to right, disjoint, inside the photo (0 ≤ x0 < x1 ≤ width).
 */
export interface Spans {
  y: number;
  rows: number;
  /** rows + 1 offsets into xs (even numbers); start[0] = 0 and start[rows] = xs.length. */
  start: Int32Array;
  xs: Int32Array;
}

export type SpanMode = 'add' | 'subtract' | 'intersect';

/** No pixel (an intersect with nothing clears the mask). */
export const noSpans: Spans = { y: 0, rows: 0, start: new Int32Array(1), xs: new Int32Array(0) };

/** Collects spans row by row (rows in increasing order, spans left to right); adjacent spans are merged. */
export class SpanBuilder {
  readonly start: Int32Array;
  private xs: Int32Array;
  private n = 0;
  private row = 0;

  constructor(
    readonly y: number,
    readonly rows: number,
    capacity = 2 * rows,
  ) {
    this.start = new Int32Array(rows + 1);
    this.xs = new Int32Array(Math.max(16, capacity));
  }

  /** Appends [a, b) to row j (0-based from y); a < b, a not left of the row's previous span's end. */
  add(j: number, a: number, b: number): void {
    while (this.row < j) this.start[++this.row] = this.n;
    if (this.n > this.start[j]! && this.xs[this.n - 1] === a) {
      this.xs[this.n - 1] = b;
      return;
    }
    if (this.n + 2 > this.xs.length) {
      const bigger = new Int32Array(this.xs.length * 2);
      bigger.set(this.xs);
      this.xs = bigger;
    }
    this.xs[this.n++] = a;
    this.xs[this.n++] = b;
  }

  done(): Spans {
    while (this.row < this.rows) this.start[++this.row] = this.n;
    return { y: this.y, rows: this.rows, start: this.start, xs: this.xs.slice(0, this.n) };
  }
}

/** The spans as bytes over `rect` (which contains them): rect.width·rect.height, row-major, 255 = selected. */
export function spanBytes(
  s: Spans,
  rect: { x: number; y: number; width: number; height: number },
): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let j = 0; j < s.rows; j++) {
    const o = (s.y + j - rect.y) * rect.width - rect.x;
    for (let k = s.start[j]!; k < s.start[j + 1]!; k += 2) out.fill(255, o + s.xs[k]!, o + s.xs[k + 1]!);
  }
  return out;
}
