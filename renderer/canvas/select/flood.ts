/**
 * The magic wand and colour range on a typed array: pixels whose colour is within `tolerance` of the sampled
 * one (the largest difference over R, G and B, 0..255), either the 4-connected region around the seed or
 * every such pixel in the photo (colour range). A row is scanned once for its runs of matching pixels (each
 * pixel read once, as one 32-bit word); colour range takes every row's runs, the wand searches the runs
 * connected to the seed's (two runs in neighbouring rows touch when they share a column), scanning a row
 * when the search first reaches it. Either way the result is spans (mask/spans.ts), not a photo-sized buffer.
 */
import { SpanBuilder } from '../mask/spans';
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
  const scan = new RunScanner(px, W, px[y * W + x]!, Math.max(0, Math.min(255, Math.round(opts.tolerance))));
  return opts.contiguous ? connected(scan, W, H, x, y) : everyRun(scan, W, H);
}

/** Finds the runs of matching pixels in a row of the photo. */
export class RunScanner {
  private readonly okR: Uint8Array;
  private readonly okG: Uint8Array;
  private readonly okB: Uint8Array;

  constructor(
    private readonly px: Uint32Array,
    private readonly W: number,
    private readonly seed: number,
    t: number,
  ) {
    // Per channel, which values are within the tolerance of the seed's: three table lookups per pixel, or
    // none for the seed's own colour (a flat area).
    this.okR = near(seed & 255, t);
    this.okG = near((seed >>> 8) & 255, t);
    this.okB = near((seed >>> 16) & 255, t);
  }

  /**
   * Writes row j's runs between columns x0 and x1 (cut there) as [a, b) pairs, left to right, into `out`
   * from index n (room for x1 − x0 + 1 more values needed); returns the index after the last one written.
   */
  scan(j: number, x0: number, x1: number, out: Int32Array, n: number): number {
    const { px, seed, okR, okG, okB } = this;
    const o = j * this.W;
    let i = x0;
    while (i < x1) {
      let v = px[o + i]!;
      if (v !== seed && !(okR[v & 255]! & okG[(v >>> 8) & 255]! & okB[(v >>> 16) & 255]!)) {
        i++;
        continue;
      }
      const a = i++;
      for (; i < x1; i++) {
        v = px[o + i]!;
        if (v !== seed && !(okR[v & 255]! & okG[(v >>> 8) & 255]! & okB[(v >>> 16) & 255]!)) break;
      }
      out[n++] = a;
      out[n++] = i;
    }
    return n;
  }
}

/** Colour range: every row's runs. */
function everyRun(scan: RunScanner, W: number, H: number): Selection | null {
  const row = new Int32Array(W + 1);
  const b = new SpanBuilder(0, H);
  let minX = W;
  let maxX = -1;
  let minY = -1;
  let maxY = -1;
  for (let j = 0; j < H; j++) {
    const n = scan.scan(j, 0, W, row, 0);
    if (!n) continue;
    for (let k = 0; k < n; k += 2) b.add(j, row[k]!, row[k + 1]!);
    if (row[0]! < minX) minX = row[0]!;
    if (row[n - 1]! > maxX) maxX = row[n - 1]!;
    if (minY < 0) minY = j;
    maxY = j;
  }
  if (maxY < 0) return null;
  const all = b.done();
  const from = all.start[minY]!;
  const spans = {
    y: minY,
    rows: maxY - minY + 1,
    start: all.start.slice(minY, maxY + 2).map((v) => v - from),
    xs: all.xs.subarray(from, all.start[maxY + 1]),
  };
  return new SpanSelection({ x: minX, y: minY, width: maxX - minX, height: spans.rows }, spans);
}

/** Columns per block: the wand scans a row block by block, when its search first reaches the block. */
const BLOCK = 256;

/**
 * The wand: the runs 4-connected to the one holding pixel (x, y), which matches. Runs are found per block
 * of a row (cut at the block's edges, joined again across them) when the search first reaches the block, so
 * a region costs about its own area, not the photo's. All runs live in one pool (`off`/`len` per block).
 */
function connected(scan: RunScanner, W: number, H: number, x: number, y: number): Selection | null {
  const nb = Math.ceil(W / BLOCK);
  const off = new Int32Array(H * nb).fill(-1);
  const len = new Int32Array(H * nb);
  let pool = new Int32Array(1 << 16);
  let taken = new Uint8Array(pool.length >> 1);
  let used = 0;
  /** Scans a block the first time it is needed. */
  const ensure = (cell: number): void => {
    if (off[cell]! >= 0) return;
    if (used + BLOCK + 2 > pool.length) {
      const bigger = new Int32Array(pool.length * 2);
      bigger.set(pool);
      pool = bigger;
      const t = new Uint8Array(pool.length >> 1);
      t.set(taken);
      taken = t;
    }
    const row = (cell / nb) | 0;
    const bx = (cell - row * nb) * BLOCK;
    off[cell] = used;
    used = scan.scan(row, bx, Math.min(W, bx + BLOCK), pool, used);
    len[cell] = used - off[cell]!;
  };
  let stack = new Int32Array(1024);
  let sp = 0;
  /** Takes run `k` (its index in the pool, in pairs) of block `cell`. */
  const take = (cell: number, k: number): void => {
    if (sp + 2 > stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      stack = bigger;
    }
    taken[k] = 1;
    stack[sp++] = cell;
    stack[sp++] = k;
  };
  const seedCell = y * nb + ((x / BLOCK) | 0);
  ensure(seedCell);
  let seed = off[seedCell]! >> 1;
  while (pool[2 * seed + 1]! <= x) seed++;
  take(seedCell, seed);
  let minY = y;
  let maxY = y;
  while (sp > 0) {
    const k = stack[--sp]!;
    const cell = stack[--sp]!;
    const a = pool[2 * k]!;
    const b = pool[2 * k + 1]!;
    const row = (cell / nb) | 0;
    const bi = cell - row * nb;
    // Across the block's edges: the run that continues this one in the next or the previous block.
    if (b === (bi + 1) * BLOCK && bi + 1 < nb) {
      ensure(cell + 1);
      const q = off[cell + 1]! >> 1;
      if (len[cell + 1]! && pool[2 * q] === b && !taken[q]) take(cell + 1, q);
    }
    if (a === bi * BLOCK && bi > 0) {
      ensure(cell - 1);
      const q = ((off[cell - 1]! + len[cell - 1]!) >> 1) - 1;
      if (len[cell - 1]! && pool[2 * q + 1] === a && !taken[q]) take(cell - 1, q);
    }
    for (let nrow = row - 1; nrow <= row + 1; nrow += 2) {
      if (nrow < 0 || nrow >= H) continue;
      const ncell = nrow * nb + bi;
      ensure(ncell);
      // The runs of the block above or below that share a column with [a, b).
      let lo = off[ncell]! >> 1;
      const end = lo + (len[ncell]! >> 1);
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pool[2 * mid + 1]! > a) hi = mid;
        else lo = mid + 1;
      }
      for (let q = lo; q < end && pool[2 * q]! < b; q++) {
        if (taken[q]) continue;
        take(ncell, q);
        if (nrow < minY) minY = nrow;
        if (nrow > maxY) maxY = nrow;
      }
    }
  }
  let minX = W;
  let maxX = -1;
  const out = new SpanBuilder(minY, maxY - minY + 1);
  for (let j = minY; j <= maxY; j++) {
    for (let cell = j * nb; cell < (j + 1) * nb; cell++) {
      if (off[cell]! < 0) continue;
      for (let k = off[cell]! >> 1, e = k + (len[cell]! >> 1); k < e; k++) {
        if (!taken[k]) continue;
        const a = pool[2 * k]!;
        const b = pool[2 * k + 1]!;
        out.add(j - minY, a, b);
        if (a < minX) minX = a;
        if (b > maxX) maxX = b;
      }
    }
  }
  return new SpanSelection({ x: minX, y: minY, width: maxX - minX, height: maxY - minY + 1 }, out.done());
}

/** 1 for the byte values within `t` of `c`, else 0. */
function near(c: number, t: number): Uint8Array {
  const ok = new Uint8Array(256);
  ok.fill(1, Math.max(0, c - t), Math.min(255, c + t) + 1);
  return ok;
}
