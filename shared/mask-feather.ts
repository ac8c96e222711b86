/**
 * The mask arithmetic the compositor blends with and the canvas previews with, written once (pure, no Node,
 * no DOM): the painted box, the round grow/shrink on that box only, and the soft edge. The feather preview
 * on the canvas is therefore the compositor's blend weight byte for byte (docs/imaging.md).
 */
import { dilateDisc, erodeDisc } from './mask-morphology';

export interface MaskRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bounding box of the non-zero bytes of a W·H mask, or null when it is empty. */
export function paintedBox(data: Uint8Array, width: number, height: number): MaskRect | null {
  let y0 = -1;
  let y1 = -1;
  let x0 = width;
  let x1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (data[row + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    for (let x = width - 1; x > x1; x--) {
      if (data[row + x] !== 0) {
        x1 = x;
        break;
      }
    }
  }
  if (y0 < 0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** `r` widened by `by` on every side, clipped to a w·h photo. */
export function widenBox(r: MaskRect, by: number, w: number, h: number): MaskRect {
  const x0 = Math.max(0, r.x - by);
  const y0 = Math.max(0, r.y - by);
  const x1 = Math.min(w, r.x + r.width + by);
  const y1 = Math.min(h, r.y + r.height + by);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Round structuring element (./mask-morphology.ts): grow (max) or shrink (min) by r pixels, as a new array.
 * Outside the photo is ignored, so a mask touching the border does not pull away from it. Only the mask's
 * box widened by r is worked on: beyond it the mask is 0 and stays so.
 */
export function morphDisc(data: Uint8Array, W: number, H: number, r: number, isMax: boolean): Uint8Array {
  r = Math.round(r);
  const out = new Uint8Array(data);
  if (r <= 0) return out;
  const b = paintedBox(data, W, H);
  if (!b) return out;
  const rect = widenBox(b, r, W, H);
  const sub = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const s = (rect.y + y) * W + rect.x;
    sub.set(data.subarray(s, s + rect.width), y * rect.width);
  }
  (isMax ? dilateDisc : erodeDisc)(sub, rect.width, rect.height, r);
  for (let y = 0; y < rect.height; y++) {
    out.set(sub.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * W + rect.x);
  }
  return out;
}

/**
 * Soft edge: three box blurs (≈ Gaussian, sigma ≈ radius/2, reach ≈ 1.5 x radius each side). Outside the photo
 * repeats the edge. Values that round to 0 stay exactly 0.
 *
 * Arithmetic (the results depend on it, byte for byte): float32 samples; each box pass keeps its running
 * sum as a double, starts it as the sum of the first window in order, writes sum / k and then adds
 * (entering - leaving). The horizontal pass runs per row, the vertical one over all columns at once, row by
 * row (memory in order). Beyond the working rect: the edge value at the photo's edge, else 0.
 */
export function softEdge(data: Uint8Array, W: number, H: number, radius: number): Uint8Array {
  const out = new Uint8Array(data);
  const br = Math.max(0, Math.round(radius / 2));
  if (br === 0) return out;
  const b = paintedBox(data, W, H);
  if (!b) return out;
  const rect = widenBox(b, 3 * br + 1, W, H);
  const rw = rect.width;
  const rh = rect.height;
  const start = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    start.set(data.subarray(row, row + rw), y * rw);
  }
  const f = boxBlur3(start, rw, rh, br, {
    left: rect.x === 0,
    right: rect.x + rw === W,
    top: rect.y === 0,
    bottom: rect.y + rh === H,
  });
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    const o = y * rw;
    for (let x = 0; x < rw; x++) {
      const v = Math.round(f[o + x]!);
      out[row + x] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return out;
}

/** Which sides of a working rect lie on the photo's edge (there the edge value repeats; elsewhere 0). */
export interface BoxEdges {
  left: boolean;
  right: boolean;
  top: boolean;
  bottom: boolean;
}

/**
 * Three box passes of half-width br, each horizontal then vertical, over a rw x rh float32 buffer (used up);
 * returns the buffer holding the result.
 */
export function boxBlur3(
  start: Float32Array,
  rw: number,
  rh: number,
  br: number,
  edges: BoxEdges,
): Float32Array {
  let f: Float32Array = start;
  let g: Float32Array = new Float32Array(rw * rh);
  const line = new Float32Array(rw + 2 * br + 1);
  const colSum = new Float64Array(rw);
  for (let it = 0; it < 3; it++) {
    for (let y = 0; y < rh; y++) boxRow(f, y * rw, rw, br, line, edges.left, edges.right);
    boxColumns(f, g, rw, rh, br, colSum, edges.top, edges.bottom);
    const t = f;
    f = g;
    g = t;
  }
  return f;
}

/** One horizontal box pass over f[base, base + n), in place; `line` is scratch of n + 2·br + 1. */
function boxRow(
  f: Float32Array,
  base: number,
  n: number,
  br: number,
  line: Float32Array,
  leftEdge: boolean,
  rightEdge: boolean,
): void {
  const k = 2 * br + 1;
  const first = leftEdge ? f[base]! : 0;
  const last = rightEdge ? f[base + n - 1]! : 0;
  for (let i = 0; i < br; i++) line[i] = first;
  line.set(f.subarray(base, base + n), br);
  for (let i = n + br; i < n + 2 * br; i++) line[i] = last;
  let s = 0;
  for (let i = 0; i < k; i++) s += line[i]!;
  for (let i = 0; i < n; i++) {
    f[base + i] = s / k;
    s += line[i + k]! - line[i]!;
  }
}

/** One vertical box pass from f into g (rw x rh), all columns at once, row by row. */
function boxColumns(
  f: Float32Array,
  g: Float32Array,
  rw: number,
  rh: number,
  br: number,
  colSum: Float64Array,
  topEdge: boolean,
  bottomEdge: boolean,
): void {
  const k = 2 * br + 1;
  // Where input row j starts in f; beyond the rect the edge row at the photo's edge, else -1 (zeros).
  const rowOffset = (j: number): number => {
    if (j < 0) return topEdge ? 0 : -1;
    if (j >= rh) return bottomEdge ? (rh - 1) * rw : -1;
    return j * rw;
  };
  colSum.fill(0);
  for (let i = 0; i < k; i++) {
    const r = rowOffset(i - br);
    for (let x = 0; x < rw; x++) colSum[x] = colSum[x]! + (r < 0 ? 0 : f[r + x]!);
  }
  for (let i = 0; i < rh; i++) {
    const a = rowOffset(i + k - br);
    const b = rowOffset(i - br);
    const o = i * rw;
    for (let x = 0; x < rw; x++) {
      const c = colSum[x]!;
      g[o + x] = c / k;
      colSum[x] = c + ((a < 0 ? 0 : f[a + x]!) - (b < 0 ? 0 : f[b + x]!));
    }
  }
}

/** The blend weight of a W·H mask for an edit feathered by `feather` pixels: grown by ⌈feather⌉, then softened. */
export function featherWeight(data: Uint8Array, W: number, H: number, feather: number): Uint8Array {
  const r = Math.max(0, feather);
  if (r <= 0) return data.slice();
  return softEdge(morphDisc(data, W, H, Math.ceil(r), true), W, H, r);
}
