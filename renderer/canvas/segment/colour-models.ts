/**
 * The colour models of object select: Gaussian mixtures over RGB (gmm.ts) for the background and the object,
 * refitted to each new labelling as GrabCut does, and the per-pixel object probability they give.
 */
import { fitGmm, logDensity, type Gmm } from './gmm';

/**
 * The background model (8 components: the fixed pixels and the free ones labelled below 0.5) and the object
 * model (5 components: the free pixels labelled 0.5 or more; on the first iteration the colours in the box
 * that the background explains worst), or null when either cannot be fitted.
 */
export function fitModels(
  rgb: Float32Array,
  free: Uint8Array,
  nFree: number,
  xs: Float32Array,
  first: boolean,
): { fg: Gmm; bg: Gmm } | null {
  const N = free.length;
  const bgIdx: number[] = [];
  for (let i = 0; i < N; i++) if (!free[i] || xs[i]! < 0.5) bgIdx.push(i);
  const nextBg = fitGmm(rgb, Int32Array.from(bgIdx), 8);
  if (!nextBg) return null;
  let fgIdx: number[] = [];
  if (first) {
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
  if (!nextFg) return null;
  return { fg: nextFg, bg: nextBg };
}

/** The object probability p = Lobj / (Lobj + Lbg) of each free pixel (0 for the fixed ones), into `prior`. */
export function objectPrior(
  prior: Float32Array,
  free: Uint8Array,
  rgb: Float32Array,
  fg: Gmm,
  bg: Gmm,
): void {
  const N = free.length;
  for (let i = 0; i < N; i++) {
    if (!free[i]) {
      prior[i] = 0;
      continue;
    }
    prior[i] = sigmoid(lbOf(fg, rgb, i) - lbOf(bg, rgb, i));
  }
}

function lbOf(m: Gmm, rgb: Float32Array, i: number): number {
  return logDensity(m, rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!);
}

function sigmoid(t: number): number {
  return t > 30 ? 1 : t < -30 ? 0 : 1 / (1 + Math.exp(-t));
}
