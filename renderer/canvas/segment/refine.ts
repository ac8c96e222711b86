/**
 * Object select's last step, at full resolution: the working copy's labelling x is upsampled bilinearly;
 * pixels where it is clearly inside (≥ 0.85) or outside (≤ 0.15) take that answer, and the band between is
 * re-classified against each full-resolution pixel's colour under the two mixtures (the upsampled x as the
 * prior), which puts the edge on the photo's edge instead of on the coarse grid.
 */
import { logDensity, type Gmm } from './gmm';

/** Writes 255 into `out` (the crop, W×H) for the object's pixels inside the box [bx0, bx1) × [by0, by1). */
export function refineFullRes(
  out: Uint8Array,
  data: Uint8Array | Uint8ClampedArray,
  W: number,
  H: number,
  box: { bx0: number; by0: number; bx1: number; by1: number },
  xs: Float32Array,
  w: number,
  h: number,
  fg: Gmm,
  bg: Gmm,
): void {
  const { bx0, by0, bx1, by1 } = box;
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
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
