/**
 * Colour models for object select: a Gaussian mixture over RGB (0..255) with full covariances, as GrabCut
 * keeps one for the object and one for the background. Fitted by k-means (seeded k-means++ with a fixed
 * generator, so the same pixels always give the same model) on at most `maxSamples` pixels, then one pass of
 * hard assignment to compute the weights, means and covariances. Covariances get a small ridge so a flat
 * colour (zero variance) still has a finite density.
 */

export interface Gaussian {
  weight: number;
  mean: [number, number, number];
  /** The inverse covariance, row-major 3x3. */
  inv: Float64Array;
  /** log(weight) − ½·log det Σ − 1.5·log 2π: the constant part of the log density. */
  logNorm: number;
}

export interface Gmm {
  components: Gaussian[];
}

const RIDGE = 9; // variance added on the diagonal, in (0..255)²: about 3 levels of noise
const LOG_2PI = Math.log(2 * Math.PI);

/** A fixed linear congruential generator in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Fits a mixture of up to `k` Gaussians to the colours `rgb` (3 values per sample) of the samples whose
 * index is listed in `idx`. Null when there is no sample.
 */
export function fitGmm(rgb: Float32Array, idx: Int32Array, k = 5, maxSamples = 20000): Gmm | null {
  const n0 = idx.length;
  if (n0 === 0) return null;
  const rnd = lcg(0x9e3779b9 ^ n0);
  // A regular subsample (every step-th, from a random start) keeps the fit cheap on large regions.
  const step = Math.max(1, Math.floor(n0 / maxSamples));
  const n = Math.floor((n0 - 1) / step) + 1;
  const pts = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const j = idx[i * step]! * 3;
    pts[i * 3] = rgb[j]!;
    pts[i * 3 + 1] = rgb[j + 1]!;
    pts[i * 3 + 2] = rgb[j + 2]!;
  }
  const kk = Math.min(k, n);
  // k-means++ seeds.
  const centers = new Float64Array(kk * 3);
  const d2 = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rnd() * n);
  for (let c = 0; c < kk; c++) {
    centers[c * 3] = pts[pick * 3]!;
    centers[c * 3 + 1] = pts[pick * 3 + 1]!;
    centers[c * 3 + 2] = pts[pick * 3 + 2]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dr = pts[i * 3]! - centers[c * 3]!;
      const dg = pts[i * 3 + 1]! - centers[c * 3 + 1]!;
      const db = pts[i * 3 + 2]! - centers[c * 3 + 2]!;
      const d = dr * dr + dg * dg + db * db;
      if (d < d2[i]!) d2[i] = d;
      total += d2[i]!;
    }
    if (total <= 0) break;
    let r = rnd() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
  }
  const label = new Uint8Array(n);
  const assign = () => {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < kk; c++) {
        const dr = pts[i * 3]! - centers[c * 3]!;
        const dg = pts[i * 3 + 1]! - centers[c * 3 + 1]!;
        const db = pts[i * 3 + 2]! - centers[c * 3 + 2]!;
        const d = dr * dr + dg * dg + db * db;
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      label[i] = best;
    }
  };
  for (let it = 0; it < 6; it++) {
    assign();
    const sum = new Float64Array(kk * 4);
    for (let i = 0; i < n; i++) {
      const c = label[i]!;
      sum[c * 4] = sum[c * 4]! + pts[i * 3]!;
      sum[c * 4 + 1] = sum[c * 4 + 1]! + pts[i * 3 + 1]!;
      sum[c * 4 + 2] = sum[c * 4 + 2]! + pts[i * 3 + 2]!;
      sum[c * 4 + 3] = sum[c * 4 + 3]! + 1;
    }
    for (let c = 0; c < kk; c++) {
      const m = sum[c * 4 + 3]!;
      if (m > 0) for (let q = 0; q < 3; q++) centers[c * 3 + q] = sum[c * 4 + q]! / m;
    }
  }
  assign();
  // Moments per component.
  const acc = new Float64Array(kk * 10); // count, 3 sums, 6 second moments
  for (let i = 0; i < n; i++) {
    const o = label[i]! * 10;
    const r = pts[i * 3]!;
    const g = pts[i * 3 + 1]!;
    const b = pts[i * 3 + 2]!;
    acc[o] = acc[o]! + 1;
    acc[o + 1] = acc[o + 1]! + r;
    acc[o + 2] = acc[o + 2]! + g;
    acc[o + 3] = acc[o + 3]! + b;
    acc[o + 4] = acc[o + 4]! + r * r;
    acc[o + 5] = acc[o + 5]! + r * g;
    acc[o + 6] = acc[o + 6]! + r * b;
    acc[o + 7] = acc[o + 7]! + g * g;
    acc[o + 8] = acc[o + 8]! + g * b;
    acc[o + 9] = acc[o + 9]! + b * b;
  }
  const components: Gaussian[] = [];
  for (let c = 0; c < kk; c++) {
    const o = c * 10;
    const m = acc[o]!;
    if (m === 0) continue;
    const mr = acc[o + 1]! / m;
    const mg = acc[o + 2]! / m;
    const mb = acc[o + 3]! / m;
    const a = acc[o + 4]! / m - mr * mr + RIDGE;
    const bq = acc[o + 5]! / m - mr * mg;
    const cq = acc[o + 6]! / m - mr * mb;
    const d = acc[o + 7]! / m - mg * mg + RIDGE;
    const e = acc[o + 8]! / m - mg * mb;
    const f = acc[o + 9]! / m - mb * mb + RIDGE;
    // Symmetric 3x3 [[a b c] [b d e] [c e f]]: inverse by cofactors.
    const A = d * f - e * e;
    const B = -(bq * f - cq * e);
    const C = bq * e - cq * d;
    const det = a * A + bq * B + cq * C;
    if (!(det > 0)) continue;
    const inv = new Float64Array([
      A / det,
      B / det,
      C / det,
      B / det,
      (a * f - cq * cq) / det,
      -(a * e - bq * cq) / det,
      C / det,
      -(a * e - bq * cq) / det,
      (a * d - bq * bq) / det,
    ]);
    const weight = m / n;
    components.push({
      weight,
      mean: [mr, mg, mb],
      inv,
      logNorm: Math.log(weight) - 0.5 * Math.log(det) - 1.5 * LOG_2PI,
    });
  }
  return components.length ? { components } : null;
}

/** log p(r, g, b) under the mixture (log-sum-exp over its components). */
export function logDensity(m: Gmm, r: number, g: number, b: number): number {
  let best = -Infinity;
  const cs = m.components;
  const terms = cs.length <= 8 ? scratch : new Float64Array(cs.length);
  for (let c = 0; c < cs.length; c++) {
    const q = cs[c]!;
    const x = r - q.mean[0];
    const y = g - q.mean[1];
    const z = b - q.mean[2];
    const v = q.inv;
    const maha =
      x * (v[0]! * x + v[1]! * y + v[2]! * z) +
      y * (v[3]! * x + v[4]! * y + v[5]! * z) +
      z * (v[6]! * x + v[7]! * y + v[8]! * z);
    const t = q.logNorm - 0.5 * maha;
    terms[c] = t;
    if (t > best) best = t;
  }
  if (best === -Infinity) return best;
  let s = 0;
  for (let c = 0; c < cs.length; c++) s += Math.exp(terms[c]! - best);
  return best + Math.log(s);
}

const scratch = new Float64Array(8);
