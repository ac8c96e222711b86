/**
 * The random walker with priors (Grady 2005) on the working copy's 4-connected grid: the labelling x that
 * minimises  γ Σ_edges w_ij (x_i − x_j)² + Σ_i (x_i − p_i)²  with x = 0 on the fixed (background) pixels,
 * where w_ij = exp(−β‖c_i − c_j‖²) (β = 1 / 2⟨‖Δc‖²⟩, as in GrabCut) is small across colour edges. That is
 * the sparse symmetric positive definite system (I + γL) x = p, solved by Jacobi-preconditioned conjugate
 * gradients, warm-started from the last answer and bounded in iterations.
 */

/** The system's edge weights (γ folded in) to the right (wx) and down (wy) neighbour, and its diagonal. */
export interface WalkerGraph {
  wx: Float32Array;
  wy: Float32Array;
  diag: Float32Array;
}

/** The graph of a w×h RGB copy (3 floats per pixel); `free` marks the pixels solved for (the rest stay 0). */
export function walkerGraph(
  rgb: Float32Array,
  free: Uint8Array,
  w: number,
  h: number,
  gamma: number,
): WalkerGraph {
  const N = w * h;
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
  return { wx, wy, diag };
}

function dist2(rgb: Float32Array, i: number, j: number): number {
  const dr = rgb[i * 3]! - rgb[j * 3]!;
  const dg = rgb[i * 3 + 1]! - rgb[j * 3 + 1]!;
  const db = rgb[i * 3 + 2]! - rgb[j * 3 + 2]!;
  return dr * dr + dg * dg + db * db;
}

/**
 * (I + γL) x = p over the free pixels (fixed ones stay 0), by Jacobi-preconditioned conjugate gradients
 * from the current x, at most maxIt iterations or until the residual falls below 1e-3 of the right side.
 * γ is folded into wx, wy.
 */
export function solve(
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
