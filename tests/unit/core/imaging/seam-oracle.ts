/**
 * The seam field as it was computed before its result-independent half moved into the preparation (one
 * fused photo - result sum per cell, the membrane relaxed over the whole grid, the median by a typed array's
 * sort, the quadratic added cell by cell): the oracle the faster code is held to, bit for bit.
 */
import type { Rect } from '../../../../shared/contract';
import type { Mask, Photo } from '../../../../electron/core/imaging/types';
import {
  basis,
  fieldMargin,
  fitQuadratic,
  seamSampling,
  type SeamField,
} from '../../../../electron/core/imaging/seamless';

export function solveMembraneOracle(
  values: Float32Array,
  fixed: Uint8Array,
  gw: number,
  gh: number,
  channels: number,
): void {
  if (gw * gh <= 64 || (gw <= 2 && gh <= 2)) {
    relax(values, fixed, gw, gh, channels, 400);
    return;
  }
  const cw = Math.ceil(gw / 2);
  const ch = Math.ceil(gh / 2);
  const cv = new Float32Array(cw * ch * channels);
  const cf = new Uint8Array(cw * ch);
  const cnt = new Uint16Array(cw * ch);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (!fixed[i]) continue;
      const j = (y >> 1) * cw + (x >> 1);
      cf[j] = 1;
      cnt[j]!++;
      for (let c = 0; c < channels; c++) cv[j * channels + c]! += values[i * channels + c]!;
    }
  }
  for (let j = 0; j < cw * ch; j++) {
    if (cnt[j]! > 0) for (let c = 0; c < channels; c++) cv[j * channels + c]! /= cnt[j]!;
  }
  solveMembraneOracle(cv, cf, cw, ch, channels);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const i = y * gw + x;
      if (fixed[i]) continue;
      const j = (y >> 1) * cw + (x >> 1);
      for (let c = 0; c < channels; c++) values[i * channels + c] = cv[j * channels + c]!;
    }
  }
  relax(values, fixed, gw, gh, channels, 40);
}

/** Red-black SOR sweeps of the Laplace equation over the free cells. */
function relax(
  v: Float32Array,
  fixed: Uint8Array,
  gw: number,
  gh: number,
  channels: number,
  sweeps: number,
): void {
  const omega = 1.7;
  for (let s = 0; s < sweeps; s++) {
    for (let colour = 0; colour < 2; colour++) {
      for (let y = 0; y < gh; y++) {
        for (let x = (y + colour) & 1; x < gw; x += 2) {
          const i = y * gw + x;
          if (fixed[i]) continue;
          const l = x > 0 ? i - 1 : i + (gw > 1 ? 1 : 0);
          const r = x < gw - 1 ? i + 1 : i - (gw > 1 ? 1 : 0);
          const u = y > 0 ? i - gw : i + (gh > 1 ? gw : 0);
          const d = y < gh - 1 ? i + gw : i - (gh > 1 ? gw : 0);
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
}

export function seamFieldOracle(
  base: Photo,
  res: Uint8Array,
  crop: Rect,
  weight: Mask,
  box: Rect,
): SeamField | null {
  // The grid is as it was (only the sums, the membrane, the median and the quadratic's add changed).
  const { cell, x0, y0, gw, gh, step, colCell, fixed, known } = seamSampling(base, crop, weight, box);
  const x1 = x0 + colCell.length;
  const y1 = Math.min(crop.height, box.y + box.height + fieldMargin(box));
  const sums = new Float64Array(gw * gh * 3);
  const counts = new Uint32Array(gw * gh);
  const k = base.depth === 16 ? 1 / 257 : 1;
  const bc = base.channels;
  const pix = base.pixels;
  const wd = weight.data;
  for (let y = y0; y < y1; y += step) {
    const rowCell = Math.floor((y - y0) / cell) * gw;
    let p = ((crop.y + y) * base.width + crop.x + x0) * bc;
    let i = y * crop.width + x0;
    for (let x = x0; x < x1; x += step, p += bc * step, i += step) {
      if (wd[i] !== 0) continue;
      const g = rowCell + colCell[x - x0]!;
      const q = i * 3;
      counts[g]!++;
      sums[g * 3]! += pix[p]! * k - res[q]!;
      sums[g * 3 + 1]! += pix[p + 1]! * k - res[q + 1]!;
      sums[g * 3 + 2]! += pix[p + 2]! * k - res[q + 2]!;
    }
  }
  const values = new Float32Array(gw * gh * 3);
  // Which cells are known is as it was; their values come from the fused sums above.
  for (let g = 0; g < gw * gh; g++) {
    if (fixed[g]) for (let c = 0; c < 3; c++) values[g * 3 + c] = sums[g * 3 + c]! / counts[g]!;
  }
  if (known === 0) return null;
  // The smooth part first: a quadratic per channel fitted to the known cells reproduces ramps and vignettes
  // inside the area exactly; the membrane then interpolates only what the quadratic leaves, so the field
  // still meets every known cell. The residual is median-filtered before (it is flat where the drift is
  // smooth, so the median only removes outliers and does not bend the drift's curvature).
  const poly = known >= 24 ? fitQuadratic(values, fixed, gw, gh) : null;
  if (poly) addQuadratic(values, gw, gh, poly, -1);
  medianKnown(values, fixed, gw, gh);
  solveMembraneOracle(values, fixed, gw, gh, 3);
  if (poly) addQuadratic(values, gw, gh, poly, 1);
  return { cell, x0, y0, gw, gh, values };
}

/** Each known cell: the median of the known cells of its 3x3 neighbourhood, by a typed array's sort. */
function medianKnown(values: Float32Array, fixed: Uint8Array, gw: number, gh: number): void {
  const src = values.slice();
  for (let i = 0; i < gw * gh; i++) {
    if (!fixed[i]) continue;
    const x = i % gw;
    const y = (i - x) / gw;
    const near: number[] = [];
    for (let yy = Math.max(0, y - 1); yy <= Math.min(gh - 1, y + 1); yy++)
      for (let xx = Math.max(0, x - 1); xx <= Math.min(gw - 1, x + 1); xx++)
        if (fixed[yy * gw + xx]) near.push(yy * gw + xx);
    for (let c = 0; c < 3; c++) {
      const v = Float32Array.from(near, (j) => src[j * 3 + c]!).sort();
      const n = v.length;
      values[i * 3 + c] = n & 1 ? v[n >> 1]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
    }
  }
}

function addQuadratic(values: Float32Array, gw: number, gh: number, coef: Float64Array, sign: number): void {
  const b = new Float64Array(6);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      basis(x, y, gw, gh, b);
      const i = y * gw + x;
      for (let ch = 0; ch < 3; ch++) {
        let q = 0;
        for (let k = 0; k < 6; k++) q += b[k]! * coef[k * 3 + ch]!;
        values[i * 3 + ch]! += sign * q;
      }
    }
  }
}
