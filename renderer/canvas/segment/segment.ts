/**
 * Object select: the object inside a loose box, found GrabCut-style on a downscaled copy and snapped to the
 * full-resolution colours along its edge. Plain TypeScript on typed arrays (no DOM), run in a worker
 * (segment.worker.ts) and by the unit tests in Node.
 *
 * 1. The crop (the box plus a margin of background) is area-averaged to a long side of at most `maxSide`.
 * 2. Pixels outside the box are background for certain; those inside are unknown.
 * 3. Repeated `iterations` times, as GrabCut does: fit a colour mixture (gmm.ts) to the background (the pixels
 *    outside the box and those currently judged background) and one to the object (the pixels currently
 *    judged object; at first the colours in the box that the background explains worst), turn them
 *    into a per-pixel object probability p = Lobj / (Lobj + Lbg), and solve for the labelling x that
 *    minimises  γ Σ_edges w_ij (x_i − x_j)² + Σ_i (x_i − p_i)²  with x = 0 outside the box. The edge
 *    weights w_ij = exp(−β‖c_i − c_j‖²) (β = 1 / 2⟨‖Δc‖²⟩, as in GrabCut) are small across colour edges, so
 *    the smoothing follows the photo's edges: this is the random walker with priors (Grady 2005), a sparse
 *    symmetric positive definite system solved by Jacobi-preconditioned conjugate gradients, warm-started
 *    from the last answer and bounded in iterations.
 * 4. Full resolution: x is upsampled bilinearly; pixels where it is clearly inside or outside take that
 *    answer, and the narrow band between is re-classified against the full-resolution colour under the
 *    two mixtures (the upsampled x as the prior), which puts the edge on the photo's edge instead of on the
 *    coarse grid. Outside the box everything is 0.
 */
import { fitGmm, logDensity, type Gmm } from './gmm';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SegmentInput {
  width: number;
  height: number;
  /** width·height·4 bytes, RGBA, row-major: the crop around the box. */
  data: Uint8Array | Uint8ClampedArray;
  /** The user's box, in crop pixels (inside the crop). */
  box: Box;
}

export interface SegmentOptions {
  /** Long side of the working copy (default 480). */
  maxSide?: number;
  /** GrabCut iterations: colour models refitted, labelling solved again (default 3). */
  iterations?: number;
  /** Weight of the edge-aware smoothing against the colour models (default 4). */
  smoothness?: number;
  /** Conjugate-gradient iterations per solve, at most (default 120). */
  maxCgIterations?: number;
  /** Called between steps; return true to stop (the answer is then null). */
  cancelled?: () => boolean;
}

/** The margin of background kept around a box: 15% of its long side, at least 12 px. */
export function cropAround(
  box: Box,
  photo: { width: number; height: number },
): { x: number; y: number; width: number; height: number } {
  const m = Math.max(12, Math.round(0.15 * Math.max(box.width, box.height)));
  const x0 = Math.max(0, Math.floor(box.x - m));
  const y0 = Math.max(0, Math.floor(box.y - m));
  const x1 = Math.min(photo.width, Math.ceil(box.x + box.width + m));
  const y1 = Math.min(photo.height, Math.ceil(box.y + box.height + m));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** The object's mask over the crop (width·height bytes, 0 or 255), or null when cancelled. */
export function segmentObject(input: SegmentInput, opts: SegmentOptions = {}): Uint8Array | null {
  const { width: W, height: H, data, box } = input;
  const maxSide = opts.maxSide ?? 480;
  const iterations = opts.iterations ?? 3;
  const gamma = opts.smoothness ?? 4;
  const maxCg = opts.maxCgIterations ?? 120;
  const cancelled = opts.cancelled ?? (() => false);
  const out = new Uint8Array(W * H);
  const bx0 = Math.max(0, Math.floor(box.x));
  const by0 = Math.max(0, Math.floor(box.y));
  const bx1 = Math.min(W, Math.ceil(box.x + box.width));
  const by1 = Math.min(H, Math.ceil(box.y + box.height));
  if (bx1 - bx0 < 2 || by1 - by0 < 2) return out;

  // 1. The working copy.
  const k = Math.min(1, maxSide / Math.max(W, H));
  const w = Math.max(2, Math.round(W * k));
  const h = Math.max(2, Math.round(H * k));
  const rgb = downscale(data, W, H, w, h);
  const N = w * h;

  // 2. Fixed background: working pixels whose centre lies outside the box.
  const free = new Uint8Array(N);
  let nFree = 0;
  for (let y = 0; y < h; y++) {
    const sy = ((y + 0.5) * H) / h;
    for (let x = 0; x < w; x++) {
      const sx = ((x + 0.5) * W) / w;
      if (sx >= bx0 && sx < bx1 && sy >= by0 && sy < by1) {
        free[y * w + x] = 1;
        nFree++;
      }
    }
  }
  if (nFree === N) {
    // The box covers the whole crop (it reaches every edge of the photo): its outer ring stands for the
    // background.
    for (let x = 0; x < w; x++) free[x] = free[(h - 1) * w + x] = 0;
    for (let y = 0; y < h; y++) free[y * w] = free[y * w + w - 1] = 0;
  }

  // Edge weights (right and down neighbours).
  const wx = new Float32Array(N);
  const wy = new Float32Array(N);
  let sumD = 0;
  let nD = 0;
  for (let i = 0; i < N; i++) {
    const x = i % w;
    if (x + 1 < w) {
      sumD += dist2(rgb, i, i + 1);
      nD++;
    }
    if (i + w < N) {
      sumD += dist2(rgb, i, i + w);
      nD++;
    }
  }
  const beta = sumD > 0 ? nD / (2 * sumD) : 0;
  for (let i = 0; i < N; i++) {
    const x = i % w;
    if (x + 1 < w) wx[i] = gamma * Math.exp(-beta * dist2(rgb, i, i + 1));
    if (i + w < N) wy[i] = gamma * Math.exp(-beta * dist2(rgb, i, i + w));
  }
  // The diagonal of the system: 1 + γ Σ w over every neighbour (a fixed neighbour holds x = 0).
  const diag = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    if (!free[i]) {
      diag[i] = 1;
      continue;
    }
    const x = i % w;
    let s = 1;
    if (x + 1 < w) s += wx[i]!;
    if (x > 0) s += wx[i - 1]!;
    if (i + w < N) s += wy[i]!;
    if (i >= w) s += wy[i - w]!;
    diag[i] = s;
  }

  // 3. GrabCut iterations.
  const xs = new Float32Array(N);
  for (let i = 0; i < N; i++) xs[i] = free[i] ? 1 : 0;
  const prior = new Float32Array(N);
  let fg: Gmm | null = null;
  let bg: Gmm | null = null;
  for (let it = 0; it < iterations; it++) {
    if (cancelled()) return null;
    const bgIdx: number[] = [];
    for (let i = 0; i < N; i++) if (!free[i] || xs[i]! < 0.5) bgIdx.push(i);
    const nextBg = fitGmm(rgb, Int32Array.from(bgIdx), 8);
    if (!nextBg) break;
    let fgIdx: number[] = [];
    if (it === 0) {
      // The first object model: the colours in the box that the surroundings explain worst (below the 2nd
      // percentile of the background's own likelihood), so background seen inside the box stays out of it.
      const own: number[] = [];
      for (let i = 0; i < N; i++) if (!free[i]) own.push(lbOf(nextBg, rgb, i));
      own.sort((a, b) => a - b);
      const tau = own[Math.floor(own.length * 0.02)] ?? -Infinity;
      for (let i = 0; i < N; i++) if (free[i] && lbOf(nextBg, rgb, i) < tau) fgIdx.push(i);
      if (fgIdx.length < nFree * 0.01) fgIdx = [];
    }
    if (!fgIdx.length) for (let i = 0; i < N; i++) if (free[i] && xs[i]! >= 0.5) fgIdx.push(i);
    const nextFg = fitGmm(rgb, Int32Array.from(fgIdx), 5);
    if (!nextFg) break;
    fg = nextFg;
    bg = nextBg;
    for (let i = 0; i < N; i++) {
      if (!free[i]) {
        prior[i] = 0;
        continue;
      }
      prior[i] = sigmoid(lbOf(fg, rgb, i) - lbOf(bg, rgb, i));
    }
    solve(xs, prior, free, diag, wx, wy, w, h, maxCg);
  }
  if (cancelled()) return null;
  if (!fg || !bg) return out;

  // 4. Full resolution: upsample, keep the clear parts, re-classify the band against the full colours.
  const LO = 0.15;
  const HI = 0.85;
  const kx = w / W;
  const ky = h / H;
  for (let y = by0; y < by1; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * ky - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const ty = fy - y0;
    const r0 = y0 * w;
    const r1 = y1 * w;
    const o = y * W;
    for (let x = bx0; x < bx1; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * kx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const tx = fx - x0;
      const top = xs[r0 + x0]! + (xs[r0 + x1]! - xs[r0 + x0]!) * tx;
      const bot = xs[r1 + x0]! + (xs[r1 + x1]! - xs[r1 + x0]!) * tx;
      const p = top + (bot - top) * ty;
      if (p >= HI) out[o + x] = 255;
      else if (p > LO) {
        const j = (o + x) * 4;
        const r = data[j]!;
        const g = data[j + 1]!;
        const b = data[j + 2]!;
        const s = Math.log(p / (1 - p)) + clamp(logDensity(fg, r, g, b) - logDensity(bg, r, g, b), -8, 8);
        if (s > 0) out[o + x] = 255;
      }
    }
  }
  return out;
}

/** Area-averaged RGB copy (3 floats per pixel) of an RGBA image. */
export function downscale(
  data: Uint8Array | Uint8ClampedArray,
  W: number,
  H: number,
  w: number,
  h: number,
): Float32Array {
  const out = new Float32Array(w * h * 3);
  const cnt = new Float32Array(w * h);
  const xmap = new Int32Array(W);
  for (let x = 0; x < W; x++) xmap[x] = Math.min(w - 1, Math.floor((x * w) / W));
  for (let y = 0; y < H; y++) {
    const dy = Math.min(h - 1, Math.floor((y * h) / H)) * w;
    let j = y * W * 4;
    for (let x = 0; x < W; x++, j += 4) {
      const d = dy + xmap[x]!;
      out[d * 3] = out[d * 3]! + data[j]!;
      out[d * 3 + 1] = out[d * 3 + 1]! + data[j + 1]!;
      out[d * 3 + 2] = out[d * 3 + 2]! + data[j + 2]!;
      cnt[d] = cnt[d]! + 1;
    }
  }
  for (let i = 0; i < w * h; i++) {
    const c = cnt[i]! || 1;
    out[i * 3] = out[i * 3]! / c;
    out[i * 3 + 1] = out[i * 3 + 1]! / c;
    out[i * 3 + 2] = out[i * 3 + 2]! / c;
  }
  return out;
}

function lbOf(m: Gmm, rgb: Float32Array, i: number): number {
  return logDensity(m, rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!);
}

function dist2(rgb: Float32Array, i: number, j: number): number {
  const dr = rgb[i * 3]! - rgb[j * 3]!;
  const dg = rgb[i * 3 + 1]! - rgb[j * 3 + 1]!;
  const db = rgb[i * 3 + 2]! - rgb[j * 3 + 2]!;
  return dr * dr + dg * dg + db * db;
}

function sigmoid(t: number): number {
  return t > 30 ? 1 : t < -30 ? 0 : 1 / (1 + Math.exp(-t));
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * (I + γL) x = p over the free pixels (fixed ones stay 0), by Jacobi-preconditioned conjugate gradients
 * from the current x, at most maxIt iterations or until the residual falls below 1e-3 of the right side.
 * γ is folded into wx, wy.
 */
function solve(
  x: Float32Array,
  b: Float32Array,
  free: Uint8Array,
  diag: Float32Array,
  wx: Float32Array,
  wy: Float32Array,
  w: number,
  h: number,
  maxIt: number,
): void {
  const N = w * h;
  const r = new Float32Array(N);
  const z = new Float32Array(N);
  const p = new Float32Array(N);
  const q = new Float32Array(N);
  const apply = (v: Float32Array, outv: Float32Array) => {
    for (let i = 0; i < N; i++) {
      if (!free[i]) {
        outv[i] = v[i]!;
        continue;
      }
      const xi = i % w;
      let s = diag[i]! * v[i]!;
      if (xi + 1 < w && free[i + 1]) s -= wx[i]! * v[i + 1]!;
      if (xi > 0 && free[i - 1]) s -= wx[i - 1]! * v[i - 1]!;
      if (i + w < N && free[i + w]) s -= wy[i]! * v[i + w]!;
      if (i >= w && free[i - w]) s -= wy[i - w]! * v[i - w]!;
      outv[i] = s;
    }
  };
  apply(x, q);
  let bnorm = 0;
  let rz = 0;
  for (let i = 0; i < N; i++) {
    r[i] = b[i]! - q[i]!;
    z[i] = r[i]! / diag[i]!;
    p[i] = z[i]!;
    rz += r[i]! * z[i]!;
    bnorm += b[i]! * b[i]!;
  }
  const tol2 = 1e-6 * Math.max(bnorm, 1e-12);
  for (let it = 0; it < maxIt; it++) {
    let rr = 0;
    for (let i = 0; i < N; i++) rr += r[i]! * r[i]!;
    if (rr <= tol2) break;
    apply(p, q);
    let pq = 0;
    for (let i = 0; i < N; i++) pq += p[i]! * q[i]!;
    if (!(pq > 0)) break;
    const alpha = rz / pq;
    let rzNext = 0;
    for (let i = 0; i < N; i++) {
      x[i] = x[i]! + alpha * p[i]!;
      r[i] = r[i]! - alpha * q[i]!;
      z[i] = r[i]! / diag[i]!;
      rzNext += r[i]! * z[i]!;
    }
    const betaCg = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < N; i++) p[i] = z[i]! + betaCg * p[i]!;
  }
}
