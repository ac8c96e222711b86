/**
 * The magic wand and colour range on a typed array: pixels whose colour is within `tolerance` of the sampled
 * one (the largest difference over R, G and B, 0..255), either the 4-connected region around the seed or
 * every such pixel in the photo (colour range). One pass over the photo finds each row's runs of matching
 * pixels (a pixel is read once, as one 32-bit word); colour range takes every run, the wand the runs
 * connected to the seed's (a search over runs: two runs in neighbouring rows touch when they share a
 * column). Either way the result is spans (mask/spans.ts), never a photo-sized buffer.
 */
import { SpanBuilder, type Spans } from '../mask/spans';
import { SpanSelection, type Selection } from './raster';

export interface RgbaImage {
  width: number;
  height: number;
  /** width·height·4 bytes, RGBA, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

export interface WandOptions {
  /** 0..255: 0 takes only the exact colour, 255 everything. */
  tolerance: number;
  /** true: the connected region around the seed; false: every matching pixel (select colour range). */
  contiguous: boolean;
}

/** The selection of the colours like the pixel at (sx, sy); null when the seed is outside the photo. */
export function wandSelect(img: RgbaImage, sx: number, sy: number, opts: WandOptions): Selection | null {
  const { width: W, height: H } = img;
  const x = Math.floor(sx);
  const y = Math.floor(sy);
  if (x < 0 || y < 0 || x >= W || y >= H) return null;
  const px = new Uint32Array(img.data.buffer, img.data.byteOffset, W * H);
  const runs = matchingRuns(px, W, H, px[y * W + x]!, Math.max(0, Math.min(255, Math.round(opts.tolerance))));
  return selectionOf(runs, W, opts.contiguous ? connected(runs, x, y) : null);
}

/** Every row's runs of matching pixels, as spans over the whole photo. */
export function matchingRuns(px: Uint32Array, W: number, H: number, seed: number, t: number): Spans {
  // Per channel, which values are within the tolerance of the seed's: three table lookups per pixel, or
  // none for the seed's own colour (a flat area).
  const okR = near(seed & 255, t);
  const okG = near((seed >>> 8) & 255, t);
  const okB = near((seed >>> 16) & 255, t);
  const start = new Int32Array(H + 1);
  let xs = new Int32Array(Math.max(1024, 4 * H));
  let n = 0;
  for (let j = 0; j < H; j++) {
    start[j] = n;
    const o = j * W;
    let i = 0;
    while (i < W) {
      let v = px[o + i]!;
      if (v !== seed && !(okR[v & 255]! & okG[(v >>> 8) & 255]! & okB[(v >>> 16) & 255]!)) {
        i++;
        continue;
      }
      const a = i++;
      for (; i < W; i++) {
        v = px[o + i]!;
        if (v !== seed && !(okR[v & 255]! & okG[(v >>> 8) & 255]! & okB[(v >>> 16) & 255]!)) break;
      }
      if (n + 2 > xs.length) {
        const bigger = new Int32Array(xs.length * 2);
        bigger.set(xs);
        xs = bigger;
      }
      xs[n++] = a;
      xs[n++] = i;
    }
  }
  start[H] = n;
  return { y: 0, rows: H, start, xs: xs.subarray(0, n) };
}

/** Which runs (1 = taken) are 4-connected to the run holding pixel (x, y), which must match. */
function connected(r: Spans, x: number, y: number): Uint8Array {
  const { start, xs } = r;
  const count = xs.length >> 1;
  const rowOf = new Int32Array(count);
  for (let j = 0; j < r.rows; j++) rowOf.fill(j, start[j]! >> 1, start[j + 1]! >> 1);
  const taken = new Uint8Array(count);
  const stack = new Int32Array(count);
  let sp = 0;
  let seed = start[y]! >> 1;
  while (xs[2 * seed + 1]! <= x) seed++;
  taken[seed] = 1;
  stack[sp++] = seed;
  while (sp > 0) {
    const k = stack[--sp]!;
    const row = rowOf[k]!;
    const a = xs[2 * k]!;
    const b = xs[2 * k + 1]!;
    for (let nrow = row - 1; nrow <= row + 1; nrow += 2) {
      if (nrow < 0 || nrow >= r.rows) continue;
      // The first run of that row ending right of a, then every run starting left of b.
      let lo = start[nrow]! >> 1;
      let hi = start[nrow + 1]! >> 1;
      const end = hi;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (xs[2 * mid + 1]! > a) hi = mid;
        else lo = mid + 1;
      }
      for (let q = lo; q < end && xs[2 * q]! < b; q++) {
        if (taken[q]) continue;
        taken[q] = 1;
        stack[sp++] = q;
      }
    }
  }
  return taken;
}

/** The runs taken (all of them when `taken` is null) as a selection over their tight bounding box. */
function selectionOf(r: Spans, W: number, taken: Uint8Array | null): Selection | null {
  const { start, xs } = r;
  let minX = W;
  let maxX = -1;
  let minY = -1;
  let maxY = -1;
  for (let j = 0; j < r.rows; j++) {
    for (let k = start[j]!; k < start[j + 1]!; k += 2) {
      if (taken && !taken[k >> 1]) continue;
      if (xs[k]! < minX) minX = xs[k]!;
      if (xs[k + 1]! > maxX) maxX = xs[k + 1]!;
      if (minY < 0) minY = j;
      maxY = j;
    }
  }
  if (maxY < 0) return null;
  const rows = maxY - minY + 1;
  const b = new SpanBuilder(minY, rows);
  for (let j = 0; j < rows; j++) {
    for (let k = start[minY + j]!; k < start[minY + j + 1]!; k += 2)
      if (!taken || taken[k >> 1]) b.add(j, xs[k]!, xs[k + 1]!);
  }
  return new SpanSelection({ x: minX, y: minY, width: maxX - minX, height: rows }, b.done());
}

/** 1 for the byte values within `t` of `c`, else 0. */
function near(c: number, t: number): Uint8Array {
  const ok = new Uint8Array(256);
  ok.fill(1, Math.max(0, c - t), Math.min(255, c + t) + 1);
  return ok;
}
