/**
 * The soft edge's three box passes as they were written before they became plain functions: closures over
 * the swapped buffers, the row copied into a padded scratch line and back, the vertical pass over views of
 * the rows. The oracle the faster passes (boxBlur3) are held to, bit for bit.
 */
import type { BoxEdges } from '../../../shared/mask-feather';

export function boxBlur3Oracle(
  start: Float32Array,
  rw: number,
  rh: number,
  br: number,
  edges: BoxEdges,
): Float32Array {
  let f: Float32Array = start.slice();
  let g: Float32Array = new Float32Array(rw * rh);
  const maxLen = Math.max(rw, rh);
  const src = new Float32Array(maxLen + 2 * br + 2);
  const dst = new Float32Array(maxLen);
  const k = 2 * br + 1;
  const pass = (n: number, base: number) => {
    const first = edges.left ? f[base]! : 0;
    const last = edges.right ? f[base + n - 1]! : 0;
    for (let i = -br; i < 0; i++) src[i + br] = first;
    for (let i = 0, j = base; i < n; i++, j++) src[i + br] = f[j]!;
    for (let i = n; i < n + br; i++) src[i + br] = last;
    let s = 0;
    for (let i = 0; i < k; i++) s += src[i]!;
    for (let i = 0; i < n; i++) {
      dst[i] = s / k;
      s += src[i + k]! - src[i]!;
    }
    for (let i = 0, j = base; i < n; i++, j++) f[j] = dst[i]!;
  };
  const colSum = new Float64Array(rw);
  const zeroRow = new Float32Array(rw);
  const rowAt = (j: number): Float32Array => {
    if (j < 0) return edges.top ? f.subarray(0, rw) : zeroRow;
    if (j >= rh) return edges.bottom ? f.subarray((rh - 1) * rw, rh * rw) : zeroRow;
    return f.subarray(j * rw, (j + 1) * rw);
  };
  const columnPass = () => {
    colSum.fill(0);
    for (let i = 0; i < k; i++) {
      const r = rowAt(i - br);
      for (let x = 0; x < rw; x++) colSum[x] = colSum[x]! + r[x]!;
    }
    for (let i = 0; i < rh; i++) {
      const add = rowAt(i + k - br);
      const sub = rowAt(i - br);
      for (let x = 0; x < rw; x++) {
        g[i * rw + x] = colSum[x]! / k;
        colSum[x] = colSum[x]! + (add[x]! - sub[x]!);
      }
    }
    [f, g] = [g, f];
  };
  for (let it = 0; it < 3; it++) {
    for (let y = 0; y < rh; y++) pass(rw, y * rw);
    columnPass();
  }
  return f;
}
