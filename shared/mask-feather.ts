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
  let f = new Float32Array(rw * rh);
  let g = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) f[y * rw + x] = data[row + x]!;
  }
  const maxLen = Math.max(rw, rh);
  const src = new Float32Array(maxLen + 2 * br + 2);
  const dst = new Float32Array(maxLen);
  const k = 2 * br + 1;
  // One box pass over the line of n values f[base + i * step], in place. Beyond the photo: the edge value;
  // inside the photo but outside the working rect the mask is 0. Plain indexed loops (no per-pixel
  // callbacks): the same float32 values summed in the same order, so the result is unchanged.
  const pass = (n: number, startInPhoto: number, photoLen: number, base: number, step: number) => {
    const first = startInPhoto === 0 ? f[base]! : 0;
    const last = startInPhoto + n === photoLen ? f[base + (n - 1) * step]! : 0;
    for (let i = -br; i < 0; i++) src[i + br] = startInPhoto + i < 0 ? first : 0;
    for (let i = 0, j = base; i < n; i++, j += step) src[i + br] = f[j]!;
    for (let i = n; i < n + br; i++) src[i + br] = startInPhoto + i >= photoLen ? last : 0;
    let s = 0;
    for (let i = 0; i < k; i++) s += src[i]!;
    for (let i = 0; i < n; i++) {
      dst[i] = s / k;
      s += src[i + k]! - src[i]!;
    }
    for (let i = 0, j = base; i < n; i++, j += step) f[j] = dst[i]!;
  };
  // The vertical pass runs over all columns at once, row by row (cache-friendly), reading f and writing g:
  // per column the same sums in the same order as pass() would make (colSum holds each column's running
  // sum as a double, as pass's `s` is). Rows beyond the rect: the edge row at the photo's edge, else 0.
  const colSum = new Float64Array(rw);
  const zeroRow = new Float32Array(rw);
  const topEdge = rect.y === 0;
  const bottomEdge = rect.y + rh === H;
  const rowAt = (j: number): Float32Array =>
    j < 0
      ? topEdge
        ? f.subarray(0, rw)
        : zeroRow
      : j >= rh
        ? bottomEdge
          ? f.subarray((rh - 1) * rw, rh * rw)
          : zeroRow
        : f.subarray(j * rw, (j + 1) * rw);
  const columnPass = () => {
    colSum.fill(0);
    for (let i = 0; i < k; i++) {
      const r = rowAt(i - br);
      for (let x = 0; x < rw; x++) colSum[x] = colSum[x]! + r[x]!;
    }
    for (let i = 0; i < rh; i++) {
      const add = rowAt(i + k - br);
      const sub = rowAt(i - br);
      const o = i * rw;
      for (let x = 0; x < rw; x++) {
        g[o + x] = colSum[x]! / k;
        colSum[x] = colSum[x]! + (add[x]! - sub[x]!);
      }
    }
    [f, g] = [g, f];
  };
  for (let it = 0; it < 3; it++) {
    for (let y = 0; y < rh; y++) pass(rw, rect.x, W, y * rw, 1);
    columnPass();
  }
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) {
      const v = Math.round(f[y * rw + x]!);
      out[row + x] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return out;
}

/** The blend weight of a W·H mask for an edit feathered by `feather` pixels: grown by ⌈feather⌉, then softened. */
export function featherWeight(data: Uint8Array, W: number, H: number, feather: number): Uint8Array {
  const r = Math.max(0, feather);
  if (r <= 0) return data.slice();
  return softEdge(morphDisc(data, W, H, Math.ceil(r), true), W, H, r);
}
