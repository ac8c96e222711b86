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
 *    into a per-pixel object probability p = Lobj / (Lobj + Lbg) (colour-models.ts), and solve for the
 *    labelling x that minimises  γ Σ_edges w_ij (x_i − x_j)² + Σ_i (x_i − p_i)²  with x = 0 outside the box.
 *    The edge weights w_ij = exp(−β‖c_i − c_j‖²) (β = 1 / 2⟨‖Δc‖²⟩, as in GrabCut) are small across colour
 *    edges, so the smoothing follows the photo's edges: this is the random walker with priors (Grady 2005), a
 *    sparse symmetric positive definite system solved by Jacobi-preconditioned conjugate gradients,
 *    warm-started from the last answer and bounded in iterations (random-walker.ts).
 * 4. Full resolution: x is upsampled bilinearly; pixels where it is clearly inside or outside take that
 *    answer, and the narrow band between is re-classified against the full-resolution colour under the
 *    two mixtures (the upsampled x as the prior), which puts the edge on the photo's edge instead of on the
 *    coarse grid (refine.ts). Outside the box everything is 0.
 */
import { fitModels, objectPrior } from './colour-models';
import type { Gmm } from './gmm';
import { solve, walkerGraph } from './random-walker';
import { refineFullRes } from './refine';

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

  const { wx, wy, diag } = walkerGraph(rgb, free, w, h, gamma);

  // 3. GrabCut iterations.
  const xs = new Float32Array(N);
  for (let i = 0; i < N; i++) xs[i] = free[i] ? 1 : 0;
  const prior = new Float32Array(N);
  let fg: Gmm | null = null;
  let bg: Gmm | null = null;
  for (let it = 0; it < iterations; it++) {
    if (cancelled()) return null;
    const models = fitModels(rgb, free, nFree, xs, it === 0);
    if (!models) break;
    ({ fg, bg } = models);
    objectPrior(prior, free, rgb, fg, bg);
    solve(xs, prior, free, diag, wx, wy, w, h, maxCg);
  }
  if (cancelled()) return null;
  if (!fg || !bg) return out;

  // 4. Full resolution: upsample, keep the clear parts, re-classify the band against the full colours.
  refineFullRes(out, data, W, H, { bx0, by0, bx1, by1 }, xs, w, h, fg, bg);
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
