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
  return opts.contiguous ? connected(scan, W, H, x, y) : everyRun(scan, H);
}

/** Finds the runs of matching pixels in a row of the photo. */
export class RunScanner {
  private readonly okR: Uint8Array;
  private readonly okG: Uint8Array;
  private readonly okB: Uint8Array;
  private buf: Int32Array;

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
    this.buf = new Int32Array(64);
  }

  /** Row j's runs between columns x0 and x1 (cut there) as [a, b) pairs, left to right (a new array). */
  row(j: number, x0 = 0, x1 = this.W): Int32Array {
    const { px, seed, okR, okG, okB } = this;
    const o = j * this.W;
    let buf = this.buf;
    let n = 0;
    let i = x0;
    const W = x1;
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
      if (n + 2 > buf.length) {
        const bigger = new Int32Array(buf.length * 2);
        bigger.set(buf);
        this.buf = buf = bigger;
      }
      buf[n++] = a;
      buf[n++] = i;
    }
    return buf.slice(0, n);
  }
}

/** Colour range: every row's runs. */
function everyRun(scan: RunScanner, H: number): Selection | null {
  return selectionOf((j) => [scan.row(j)], 0, H - 1);
}

/** Columns per block: the wand scans a row block by block, when its search first reaches the block. */
const BLOCK = 256;

/**
 * The wand: the runs 4-connected to the one holding pixel (x, y), which matches. Runs are found per block
 * of a row (cut at the block's edges, joined again across them) when the search first reaches the block, so
 * a region costs about its own area, not the photo's.
 */
function connected(scan: RunScanner, W: number, H: number, x: number, y: number): Selection | null {
  const nb = Math.ceil(W / BLOCK);
  const runs: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(H * nb);
  const taken: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(H * nb);
  const runsOf = (cell: number): Int32Array => {
    let r = runs[cell];
    if (!r) {
      const bx = (cell % nb) * BLOCK;
      runs[cell] = r = scan.row((cell / nb) | 0, bx, Math.min(W, bx + BLOCK));
      taken[cell] = new Uint8Array(r.length >> 1);
    }
    return r;
  };
  let stack = new Int32Array(1024);
  let sp = 0;
  const take = (cell: number, k: number) => {
    if (sp + 2 > stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      stack = bigger;
    }
    taken[cell]![k] = 1;
    stack[sp++] = cell;
    stack[sp++] = k;
  };
  const seedCell = y * nb + ((x / BLOCK) | 0);
  const first = runsOf(seedCell);
  let seed = 0;
  while (first[2 * seed + 1]! <= x) seed++;
  take(seedCell, seed);
  let minY = y;
  let maxY = y;
  while (sp > 0) {
    const k = stack[--sp]!;
    const cell = stack[--sp]!;
    const own = runs[cell]!;
    const a = own[2 * k]!;
    const b = own[2 * k + 1]!;
    const row = (cell / nb) | 0;
    const bi = cell - row * nb;
    // Across the block's edges: the run that continues this one in the next or the previous block.
    if (b === (bi + 1) * BLOCK && bi + 1 < nb) {
      const r = runsOf(cell + 1);
      if (r.length && r[0] === b && !taken[cell + 1]![0]) take(cell + 1, 0);
    }
    if (a === bi * BLOCK && bi > 0) {
      const r = runsOf(cell - 1);
      const last = (r.length >> 1) - 1;
      if (last >= 0 && r[2 * last + 1] === a && !taken[cell - 1]![last]) take(cell - 1, last);
    }
    for (let nrow = row - 1; nrow <= row + 1; nrow += 2) {
      if (nrow < 0 || nrow >= H) continue;
      const ncell = nrow * nb + bi;
      const r = runsOf(ncell);
      const t = taken[ncell]!;
      // The runs of the block above or below that share a column with [a, b).
      const end = r.length >> 1;
      let lo = 0;
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (r[2 * mid + 1]! > a) hi = mid;
        else lo = mid + 1;
      }
      for (let q = lo; q < end && r[2 * q]! < b; q++) {
        if (t[q]) continue;
        take(ncell, q);
        if (nrow < minY) minY = nrow;
        if (nrow > maxY) maxY = nrow;
      }
    }
  }
  return selectionOf(
    (j) => {
      const parts: Int32Array[] = [];
      for (let bi = 0; bi < nb; bi++) {
        const r = runs[j * nb + bi];
        const t = taken[j * nb + bi];
        if (!r || !t) continue;
        const keep: number[] = [];
        for (let k = 0; k < r.length; k += 2) if (t[k >> 1]) keep.push(r[k]!, r[k + 1]!);
        if (keep.length) parts.push(Int32Array.from(keep));
      }
      return parts;
    },
    minY,
    maxY,
  );
}

/**
 * A selection over the tight bounding box of rows y0..y1's runs; `rowRuns(j)` gives row j's runs as pairs, in
 * one or more arrays left to right (runs that touch across two arrays are merged).
 */
function selectionOf(rowRuns: (j: number) => Int32Array[], y0: number, y1: number): Selection | null {
  let minX = Infinity;
  let maxX = -1;
  let minY = -1;
  let maxY = -1;
  const rows: Int32Array[][] = [];
  for (let j = y0; j <= y1; j++) {
    const parts = rowRuns(j);
    rows.push(parts);
    const head = parts.find((r) => r.length > 0);
    if (!head) continue;
    const tail = parts.findLast((r) => r.length > 0)!;
    minX = Math.min(minX, head[0]!);
    maxX = Math.max(maxX, tail[tail.length - 1]!);
    if (minY < 0) minY = j;
    maxY = j;
  }
  if (maxY < 0) return null;
  const height = maxY - minY + 1;
  const b = new SpanBuilder(minY, height);
  for (let j = 0; j < height; j++)
    for (const r of rows[minY - y0 + j]!) for (let k = 0; k < r.length; k += 2) b.add(j, r[k]!, r[k + 1]!);
  return new SpanSelection({ x: minX, y: minY, width: maxX - minX, height }, b.done());
}

/** 1 for the byte values within `t` of `c`, else 0. */
function near(c: number, t: number): Uint8Array {
  const ok = new Uint8Array(256);
  ok.fill(1, Math.max(0, c - t), Math.min(255, c + t) + 1);
  return ok;
}
