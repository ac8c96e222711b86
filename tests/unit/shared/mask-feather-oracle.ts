/**
 * The soft edge as it was written before its passes became plain functions (closures over the swapped
 * buffers): the oracle the faster code is held to, byte for byte.
 */
import { paintedBox, widenBox } from '../../../shared/mask-feather';

/**
 * Soft edge: three box blurs (≈ Gaussian, sigma ≈ radius/2, reach ≈ 1.5 x radius each side). Outside the photo
 * repeats the edge. Values that round to 0 stay exactly 0.
 */
export function softEdgeOracle(data: Uint8Array, W: number, H: number, radius: number): Uint8Array {
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
