/**
 * Seamless colour correction of the model's result: a smooth per-channel offset field that makes the result
 * meet the photo along the whole boundary of the blend area (a membrane, i.e. a Laplace solve with the
 * photo-minus-result difference as boundary values).
 *
 * The model re-renders the whole frame, so its answer drifts from the photo in exposure and white balance,
 * and not uniformly (ramps, vignettes). Where the photo is kept (blend weight 0) the difference photo - result
 * is known; inside the blend area it is interpolated as smoothly as possible (harmonic: a linear ramp is
 * reproduced exactly). The field is solved on a coarse grid of cells (each cell's value is the mean
 * difference over its kept pixels, which also removes the texture and noise the two images do not share) and
 * upsampled bilinearly, so it holds only low frequencies: the result's own edges and texture pass unchanged.
 */
import type { Rect } from '../../../shared/contract';
import type { Mask, Photo } from './types';

/** The correction: `offset(x, y, c)` in 8-bit units, bilinear over the grid, for crop-relative pixels. */
export interface SeamField {
  /** Cell size in crop pixels. */
  cell: number;
  /** Grid origin (crop-relative) and size in cells. */
  x0: number;
  y0: number;
  gw: number;
  gh: number;
  /** gw*gh*3 offsets, row-major, interleaved channels. */
  values: Float32Array;
}

/**
 * Coarse-grid cell size: at least 4 px, and at most about 96 cells along the longer side of the area. The
 * field holds only low frequencies, so a finer grid buys nothing measurable (the seam tests' worst ΔE was
 * 0.705 with 192 cells, 0.713 with 96, the means the same), while the sums, the median and the membrane's
 * relaxation after the result cost about a quarter as much.
 */
export function fieldCell(width: number, height: number): number {
  return Math.max(4, Math.ceil(Math.max(width, height) / 96));
}

/**
 * How far around the blend area's box the field reaches, in pixels. Two cells of kept photo are enough: the
 * membrane inside depends only on the cells that border it.
 */
export function fieldMargin(box: Rect): number {
  return 2 * fieldCell(box.width, box.height);
}

/**
 * Solves the membrane on the grid: cells with `fixed[i]` keep their values; the others satisfy the discrete
 * Laplace equation (mean of their 4 neighbours; grid borders are reflecting). Cascadic multigrid: the problem
 * is coarsened 2x2 until small, solved there, and each finer level starts from the coarser answer and is
 * relaxed with a bounded number of SOR sweeps. `plan` (membranePlan of the same fixed cells) holds what
 * depends only on which cells are fixed; it is made here when not given.
 */
export function solveMembrane(
  values: Float32Array,
  fixed: Uint8Array,
  gw: number,
  gh: number,
  channels: number,
  plan: MembranePlan = membranePlan(fixed, gw, gh),
): void {
  const coarse = plan.coarse;
  if (!coarse) {
    relax(values, plan.cells, plan.split, channels, 400);
    return;
  }
  const cw = coarse.gw;
  const cv = new Float32Array(cw * coarse.gh * channels);
  const cnt = plan.counts!;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (!fixed[i]) continue;
      const j = (y >> 1) * cw + (x >> 1);
      for (let c = 0; c < channels; c++) cv[j * channels + c]! += values[i * channels + c]!;
    }
  }
  for (let j = 0; j < cw * coarse.gh; j++) {
    if (cnt[j]! > 0) for (let c = 0; c < channels; c++) cv[j * channels + c]! /= cnt[j]!;
  }
  solveMembrane(cv, coarse.fixed, cw, coarse.gh, channels, coarse);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (fixed[i]) continue;
      const j = (y >> 1) * cw + (x >> 1);
      for (let c = 0; c < channels; c++) values[i * channels + c] = cv[j * channels + c]!;
    }
  }
  relax(values, plan.cells, plan.split, channels, 40);
}

/**
 * What the membrane's solve depends on besides the values: per level of the multigrid its size, fixed
 * cells, how many fixed cells each coarse cell averages, and the free cells with their four neighbours
 * (borders reflected), red cells first. Made once per set of fixed cells (while the service works).
 */
export interface MembranePlan {
  gw: number;
  gh: number;
  fixed: Uint8Array;
  /** Per free cell: its index and its left, right, up and down neighbours' (5 entries). */
  cells: Int32Array;
  /** Entries (5 per cell) of the red cells ((x + y) even), which come first. */
  split: number;
  /** The next coarser level, null at the coarsest (solved by relaxation alone). */
  coarse: MembranePlan | null;
  /** Fixed cells of this level under each coarse cell (null at the coarsest). */
  counts: Uint16Array | null;
}

export function membranePlan(fixed: Uint8Array, gw: number, gh: number): MembranePlan {
  const cells: number[] = [];
  let split = 0;
  for (let colour = 0; colour < 2; colour++) {
    for (let y = 0; y < gh; y++) {
      for (let x = (y + colour) & 1; x < gw; x += 2) {
        const i = y * gw + x;
        if (fixed[i]) continue;
        cells.push(
          i,
          x > 0 ? i - 1 : i + (gw > 1 ? 1 : 0),
          x < gw - 1 ? i + 1 : i - (gw > 1 ? 1 : 0),
          y > 0 ? i - gw : i + (gh > 1 ? gw : 0),
          y < gh - 1 ? i + gw : i - (gh > 1 ? gw : 0),
        );
      }
    }
    if (colour === 0) split = cells.length;
  }
  const base = { gw, gh, fixed, cells: Int32Array.from(cells), split };
  if (gw * gh <= 64 || (gw <= 2 && gh <= 2)) return { ...base, coarse: null, counts: null };
  const cw = Math.ceil(gw / 2);
  const ch = Math.ceil(gh / 2);
  const cf = new Uint8Array(cw * ch);
  const counts = new Uint16Array(cw * ch);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      if (!fixed[y * gw + x]) continue;
      const j = (y >> 1) * cw + (x >> 1);
      cf[j] = 1;
      counts[j]!++;
    }
  }
  return { ...base, coarse: membranePlan(cf, cw, ch), counts };
}

/**
 * Red-black SOR sweeps of the Laplace equation over the free cells (`cells` from membranePlan): the red
 * cells, then the black ones, each from its four neighbours' current values. Within a colour no cell reads
 * another of its colour, so the order in which they are updated does not matter.
 */
function relax(v: Float32Array, cells: Int32Array, split: number, channels: number, sweeps: number): void {
  const omega = 1.7;
  const n = cells.length;
  for (let s = 0; s < sweeps; s++) {
    for (let colour = 0; colour < 2; colour++) {
      const end = colour === 0 ? split : n;
      if (channels === 3) {
        for (let e = colour === 0 ? 0 : split; e < end; e += 5) {
          const k = cells[e]! * 3;
          const l = cells[e + 1]! * 3;
          const r = cells[e + 2]! * 3;
          const u = cells[e + 3]! * 3;
          const d = cells[e + 4]! * 3;
          const a0 = (v[l]! + v[r]! + v[u]! + v[d]!) / 4;
          v[k] = v[k]! + omega * (a0 - v[k]!);
          const a1 = (v[l + 1]! + v[r + 1]! + v[u + 1]! + v[d + 1]!) / 4;
          v[k + 1] = v[k + 1]! + omega * (a1 - v[k + 1]!);
          const a2 = (v[l + 2]! + v[r + 2]! + v[u + 2]! + v[d + 2]!) / 4;
          v[k + 2] = v[k + 2]! + omega * (a2 - v[k + 2]!);
        }
        continue;
      }
      for (let e = colour === 0 ? 0 : split; e < end; e += 5) {
        const i = cells[e]!;
        const l = cells[e + 1]!;
        const r = cells[e + 2]!;
        const u = cells[e + 3]!;
        const d = cells[e + 4]!;
        for (let c = 0; c < channels; c++) {
          const k = i * channels + c;
          const avg =
            (v[l * channels + c]! + v[r * channels + c]! + v[u * channels + c]! + v[d * channels + c]!) / 4;
          v[k] = v[k]! + omega * (avg - v[k]!);
        }
      }
    }
  }
}

/**
 * The part of the field that depends only on `base` and the weight, not on the result: the grid, which
 * sampled pixels are kept photo (as runs along the sampled rows), the photo's sum and count per cell, and
 * which cells are known. compositeResult makes it while the service works (the sent image is known then).
 */
export interface SeamSampling {
  cell: number;
  x0: number;
  y0: number;
  gw: number;
  gh: number;
  /** Width of the image the samples index (the crop's; res must be that wide). */
  width: number;
  /** Kept samples: triples (row, first x, end x), every `step`-th pixel of [first, end) on that row. */
  runs: Int32Array;
  step: number;
  /** Grid column of each sampled x, from x0. */
  colCell: Int32Array;
  /** Per cell: the photo's sum over its kept samples (3 channels) and their count. */
  baseSums: Float64Array;
  counts: Uint32Array;
  /** Known cells (a quarter of the cell kept), and how many. */
  fixed: Uint8Array;
  known: number;
  /** The membrane's levels and the quadratic's normal matrix (null below 24 known cells: no quadratic). */
  membrane: MembranePlan;
  system: Float64Array | null;
}

/**
 * The sampling of seamField for `base` (8-bit RGB, the crop's pixels: sums of its integer samples are
 * exact, so splitting photo - result into two sums gives the very values of the fused sum) over `box`.
 */
export function seamSampling(base: Photo, crop: Rect, weight: Mask, box: Rect): SeamSampling {
  const cell = fieldCell(box.width, box.height);
  const m = fieldMargin(box);
  const x0 = Math.max(0, box.x - m);
  const y0 = Math.max(0, box.y - m);
  const x1 = Math.min(crop.width, box.x + box.width + m);
  const y1 = Math.min(crop.height, box.y + box.height + m);
  const gw = Math.ceil((x1 - x0) / cell);
  const gh = Math.ceil((y1 - y0) / cell);
  const baseSums = new Float64Array(gw * gh * 3);
  const counts = new Uint32Array(gw * gh);
  const k = base.depth === 16 ? 1 / 257 : 1;
  const bc = base.channels;
  // Large cells are sampled on every other row and column: still at least 16 samples per cell.
  const step = cell >= 8 ? 2 : 1;
  const colCell = new Int32Array(x1 - x0);
  for (let x = x0; x < x1; x++) colCell[x - x0] = Math.floor((x - x0) / cell);
  const pix = base.pixels;
  const wd = weight.data;
  const runs: number[] = [];
  for (let y = y0; y < y1; y += step) {
    const rowCell = Math.floor((y - y0) / cell) * gw;
    let p = ((crop.y + y) * base.width + crop.x + x0) * bc;
    let i = y * crop.width + x0;
    let open = -1;
    for (let x = x0; x < x1; x += step, p += bc * step, i += step) {
      if (wd[i] !== 0) {
        if (open >= 0) runs.push(y, open, x);
        open = -1;
        continue;
      }
      if (open < 0) open = x;
      const g = rowCell + colCell[x - x0]!;
      counts[g]!++;
      baseSums[g * 3]! += pix[p]! * k;
      baseSums[g * 3 + 1]! += pix[p + 1]! * k;
      baseSums[g * 3 + 2]! += pix[p + 2]! * k;
    }
    if (open >= 0) runs.push(y, open, x1);
  }
  const fixed = new Uint8Array(gw * gh);
  // A cell is known when a quarter of it is kept photo: enough pixels for a stable mean.
  const need = Math.max(1, (Math.ceil(cell / step) ** 2) >> 2);
  let known = 0;
  for (let g = 0; g < gw * gh; g++) {
    if (counts[g]! < need) continue;
    fixed[g] = 1;
    known++;
  }
  return {
    cell,
    x0,
    y0,
    gw,
    gh,
    width: crop.width,
    runs: Int32Array.from(runs),
    step,
    colCell,
    baseSums,
    counts,
    fixed,
    known,
    membrane: membranePlan(fixed, gw, gh),
    system: known >= 24 ? quadraticSystem(fixed, gw, gh) : null,
  };
}

/** The field from a sampling and the result (8-bit RGB, `s.width` wide, same pixels as the sampled base). */
export function seamFieldFrom(s: SeamSampling, res: Uint8Array): SeamField | null {
  const { cell, x0, y0, gw, gh, runs, step, colCell, baseSums, counts, fixed, known } = s;
  if (known === 0) return null;
  const resSums = new Float64Array(gw * gh * 3);
  for (let r = 0; r < runs.length; r += 3) {
    const y = runs[r]!;
    const rowCell = Math.floor((y - y0) / cell) * gw;
    const end = runs[r + 2]!;
    let q = (y * s.width + runs[r + 1]!) * 3;
    for (let x = runs[r + 1]!; x < end; x += step, q += 3 * step) {
      const g = (rowCell + colCell[x - x0]!) * 3;
      resSums[g]! += res[q]!;
      resSums[g + 1]! += res[q + 1]!;
      resSums[g + 2]! += res[q + 2]!;
    }
  }
  const values = new Float32Array(gw * gh * 3);
  for (let g = 0; g < gw * gh; g++) {
    if (!fixed[g]) continue;
    for (let c = 0; c < 3; c++) values[g * 3 + c] = (baseSums[g * 3 + c]! - resSums[g * 3 + c]!) / counts[g]!;
  }
  // The smooth part first: a quadratic per channel fitted to the known cells reproduces ramps and vignettes
  // inside the area exactly; the membrane then interpolates only what the quadratic leaves, so the field
  // still meets every known cell. The residual is median-filtered before (it is flat where the drift is
  // smooth, so the median only removes outliers and does not bend the drift's curvature).
  const poly = s.system ? fitQuadratic(values, fixed, gw, gh, s.system) : null;
  if (poly) addQuadratic(values, gw, gh, poly, -1);
  medianKnown(values, fixed, gw, gh);
  solveMembrane(values, fixed, gw, gh, 3, s.membrane);
  if (poly) addQuadratic(values, gw, gh, poly, 1);
  return { cell, x0, y0, gw, gh, values };
}

/**
 * The offset field for `res` (the result at the crop's size, 8-bit RGB in the same space as `base`) over
 * `box` (crop-relative: the blend area's bounding box). compositeResult calls it in sRGB at the API
 * resolution, with `base` the image that was sent. Null when no kept pixel lies near the blend area (nothing
 * to match against, e.g. a mask over the whole photo).
 */
export function seamField(
  base: Photo,
  res: Uint8Array,
  crop: Rect,
  weight: Mask,
  box: Rect,
): SeamField | null {
  return seamFieldFrom(seamSampling(base, crop, weight, box), res);
}

/**
 * Each known cell's value becomes the median over the known cells of its 3x3 neighbourhood, per channel: a
 * single cell whose mean is pulled by a star, a specular highlight or a hard edge the two images resample
 * differently is not carried into the field. The at most nine values are sorted by insertion, in the order
 * a typed array's sort gives (-0 before +0).
 */
function medianKnown(values: Float32Array, fixed: Uint8Array, gw: number, gh: number): void {
  const src = values.slice();
  const buf = new Float64Array(9);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (!fixed[i]) continue;
      for (let c = 0; c < 3; c++) {
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= gh) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= gw || !fixed[yy * gw + xx]) continue;
            const val = src[(yy * gw + xx) * 3 + c]!;
            let j = n++;
            while (j > 0 && before(val, buf[j - 1]!)) {
              buf[j] = buf[j - 1]!;
              j--;
            }
            buf[j] = val;
          }
        }
        values[i * 3 + c] = n & 1 ? buf[n >> 1]! : (buf[n / 2 - 1]! + buf[n / 2]!) / 2;
      }
    }
  }
}

/** a sorts before b (numeric, -0 before +0, as TypedArray.prototype.sort). */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && 1 / a < 0 && 1 / b > 0);
}

/** The quadratic basis at grid cell (x, y), coordinates scaled to [-1, 1] over the grid. */
export function basis(x: number, y: number, gw: number, gh: number, out: Float64Array): void {
  const u = gw > 1 ? (2 * x) / (gw - 1) - 1 : 0;
  const v = gh > 1 ? (2 * y) / (gh - 1) - 1 : 0;
  out[0] = 1;
  out[1] = u;
  out[2] = v;
  out[3] = u * u;
  out[4] = u * v;
  out[5] = v * v;
}

/**
 * The normal matrix of the quadratic's least squares over the fixed cells, ridge included: it depends only
 * on which cells are known, so it is made while the service works (fitQuadratic copies it).
 */
export function quadraticSystem(fixed: Uint8Array, gw: number, gh: number): Float64Array {
  const N = 6;
  const A = new Float64Array(N * N);
  const b = new Float64Array(N);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      if (!fixed[y * gw + x]) continue;
      basis(x, y, gw, gh, b);
      for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) A[r * N + c]! += b[r]! * b[c]!;
    }
  }
  let trace = 0;
  for (let r = 0; r < N; r++) trace += A[r * N + r]!;
  for (let r = 0; r < N; r++) A[r * N + r]! += 1e-7 * trace;
  return A;
}

/**
 * Least-squares quadratic (6 coefficients per channel) over the fixed cells, with a small ridge so a thin or
 * one-sided set of known cells (a mask at the photo's edge) cannot produce a wild fit. Null when singular.
 * `system` is quadraticSystem of the same cells (made here when not given).
 */
export function fitQuadratic(
  values: Float32Array,
  fixed: Uint8Array,
  gw: number,
  gh: number,
  system: Float64Array = quadraticSystem(fixed, gw, gh),
): Float64Array | null {
  const N = 6;
  const A = system.slice();
  const B = new Float64Array(N * 3);
  const b = new Float64Array(N);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (!fixed[i]) continue;
      basis(x, y, gw, gh, b);
      for (let r = 0; r < N; r++) {
        for (let ch = 0; ch < 3; ch++) B[r * 3 + ch]! += b[r]! * values[i * 3 + ch]!;
      }
    }
  }
  // Gaussian elimination with partial pivoting on [A | B].
  for (let k = 0; k < N; k++) {
    let piv = k;
    for (let r = k + 1; r < N; r++) if (Math.abs(A[r * N + k]!) > Math.abs(A[piv * N + k]!)) piv = r;
    if (Math.abs(A[piv * N + k]!) < 1e-12) return null;
    if (piv !== k) {
      for (let c = 0; c < N; c++) [A[k * N + c], A[piv * N + c]] = [A[piv * N + c]!, A[k * N + c]!];
      for (let ch = 0; ch < 3; ch++) [B[k * 3 + ch], B[piv * 3 + ch]] = [B[piv * 3 + ch]!, B[k * 3 + ch]!];
    }
    for (let r = k + 1; r < N; r++) {
      const f = A[r * N + k]! / A[k * N + k]!;
      for (let c = k; c < N; c++) A[r * N + c]! -= f * A[k * N + c]!;
      for (let ch = 0; ch < 3; ch++) B[r * 3 + ch]! -= f * B[k * 3 + ch]!;
    }
  }
  const coef = new Float64Array(N * 3);
  for (let k = N - 1; k >= 0; k--) {
    for (let ch = 0; ch < 3; ch++) {
      let s = B[k * 3 + ch]!;
      for (let c = k + 1; c < N; c++) s -= A[k * N + c]! * coef[c * 3 + ch]!;
      coef[k * 3 + ch] = s / A[k * N + k]!;
    }
  }
  return coef;
}

/**
 * values += sign * quadratic, over every cell: the basis of each row and column computed once, the sum per
 * channel in the basis' order (the same arithmetic as basis() then a loop over its six terms).
 */
function addQuadratic(values: Float32Array, gw: number, gh: number, coef: Float64Array, sign: number): void {
  const us = new Float64Array(gw);
  for (let x = 0; x < gw; x++) us[x] = gw > 1 ? (2 * x) / (gw - 1) - 1 : 0;
  const c = coef;
  for (let y = 0; y < gh; y++) {
    const v = gh > 1 ? (2 * y) / (gh - 1) - 1 : 0;
    const vv = v * v;
    let i = y * gw * 3;
    for (let x = 0; x < gw; x++, i += 3) {
      const u = us[x]!;
      const uu = u * u;
      const uv = u * v;
      for (let ch = 0; ch < 3; ch++) {
        let q = 0;
        q += 1 * c[ch]!;
        q += u * c[3 + ch]!;
        q += v * c[6 + ch]!;
        q += uu * c[9 + ch]!;
        q += uv * c[12 + ch]!;
        q += vv * c[15 + ch]!;
        values[i + ch]! += sign * q;
      }
    }
  }
}

/**
 * Per-column (or per-row) bilinear sampling positions of the field for crop coordinates [from, from + n):
 * the lower cell index and the weight of the upper one, cell centres at (i + 0.5) * cell.
 */
export function samplePositions(
  from: number,
  n: number,
  origin: number,
  cell: number,
  cells: number,
): { lo: Int32Array; t: Float32Array } {
  const lo = new Int32Array(n);
  const t = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const u = (from + j - origin + 0.5) / cell - 0.5;
    if (u <= 0 || cells === 1) {
      lo[j] = 0;
      t[j] = 0;
    } else if (u >= cells - 1) {
      lo[j] = cells - 2;
      t[j] = 1;
    } else {
      const f = Math.floor(u);
      lo[j] = f;
      t[j] = u - f;
    }
  }
  return { lo, t };
}
