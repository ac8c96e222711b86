/**
 * The seam measure shared by the unit tests and bench/seam.bench.ts, plus the synthetic drifts and the
 * "model" that applies them.
 *
 * Seam ΔE: at boundary pixels of the mask (binarised at 128), step along the outward normal (estimated from
 * the mask around the pixel) `dist` px out and in; at each end take the mean colour over a (2r+1)² box,
 * convert to CIELAB (sRGB, D65). The jump across the edge is Lab(in) − Lab(out) on the composite; the
 * photo's own jump at the same two places (its gradient or texture) is subtracted; the seam error is the
 * length of what remains (CIE76 ΔE). Reported as mean and max over the boundary samples.
 */
import sharp from 'sharp';
import type { Mask, Photo } from '../../../../electron/core/imaging';

export interface SeamStats {
  mean: number;
  max: number;
  samples: number;
  /** Where the largest error is (the boundary pixel). */
  worst: { x: number; y: number };
}

const lin = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const fLab = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);

/** sRGB (0..1 per channel) to CIELAB (D65). */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const fx = fLab(X);
  const fy = fLab(Y);
  const fz = fLab(Z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function boxLab(p: Photo, cx: number, cy: number, r: number): [number, number, number] | null {
  const x0 = Math.round(cx) - r;
  const y0 = Math.round(cy) - r;
  if (x0 < 0 || y0 < 0 || x0 + 2 * r >= p.width || y0 + 2 * r >= p.height) return null;
  const s = [0, 0, 0];
  for (let y = y0; y <= y0 + 2 * r; y++) {
    for (let x = x0; x <= x0 + 2 * r; x++) {
      const i = (y * p.width + x) * p.channels;
      for (let c = 0; c < 3; c++) s[c]! += p.pixels[i + c]!;
    }
  }
  const n = (2 * r + 1) ** 2 * (p.depth === 16 ? 65535 : 255);
  return srgbToLab(s[0]! / n, s[1]! / n, s[2]! / n);
}

/** Seam ΔE of `out` against `photo` along the edge of `mask` (see the file comment). */
export function seamDeltaE(
  photo: Photo,
  out: Photo,
  mask: Mask,
  dist = 10,
  r = 2,
  maxSamples = 4000,
): SeamStats {
  const { width: W, height: H } = mask;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < W && y < H && mask.data[y * W + x]! >= 128;
  const edge: number[] = [];
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      if (!on(x, y)) continue;
      if (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1)) edge.push(y * W + x);
    }
  }
  const stride = Math.max(1, Math.ceil(edge.length / maxSamples));
  let sum = 0;
  let max = 0;
  let n = 0;
  const worst = { x: 0, y: 0 };
  for (let e = 0; e < edge.length; e += stride) {
    const x = edge[e]! % W;
    const y = Math.floor(edge[e]! / W);
    // Outward normal: the mean offset towards unmasked pixels in a 9x9 window.
    let nx = 0;
    let ny = 0;
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        if (!on(x + dx, y + dy)) {
          nx += dx;
          ny += dy;
        }
      }
    }
    const len = Math.hypot(nx, ny);
    if (len < 1e-6) continue;
    nx /= len;
    ny /= len;
    const pts = [
      [x - dist * nx, y - dist * ny],
      [x + dist * nx, y + dist * ny],
    ] as const;
    const ci = boxLab(out, pts[0][0], pts[0][1], r);
    const co = boxLab(out, pts[1][0], pts[1][1], r);
    const pi = boxLab(photo, pts[0][0], pts[0][1], r);
    const po = boxLab(photo, pts[1][0], pts[1][1], r);
    if (!ci || !co || !pi || !po) continue;
    const d = Math.hypot(
      ci[0] - co[0] - (pi[0] - po[0]),
      ci[1] - co[1] - (pi[1] - po[1]),
      ci[2] - co[2] - (pi[2] - po[2]),
    );
    sum += d;
    if (d > max) {
      max = d;
      worst.x = x;
      worst.y = y;
    }
    n++;
  }
  return { mean: n ? sum / n : 0, max, samples: n, worst };
}

/**
 * High-frequency energy of `img` over the pixels where `where` holds: the sum of squared differences
 * between each sample and the mean of its 3x3 neighbourhood.
 */
export function highFrequencyEnergy(img: Photo, where: (x: number, y: number) => boolean): number {
  let e = 0;
  const ch = img.channels;
  for (let y = 1; y < img.height - 1; y++) {
    for (let x = 1; x < img.width - 1; x++) {
      if (!where(x, y)) continue;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) s += img.pixels[((y + dy) * img.width + x + dx) * ch + c]!;
        const d = img.pixels[(y * img.width + x) * ch + c]! - s / 9;
        e += d * d;
      }
    }
  }
  return e;
}

/** A colour drift over the result image: levels to add per channel at (u, v) in [0, 1]². */
export type Drift = (u: number, v: number) => [number, number, number];

/** The synthetic drifts, each reaching ±`a` levels. */
export function drifts(a: number): Record<string, Drift> {
  return {
    uniform: () => [a, a, a],
    'left-right ramp': (u) => {
      const d = a * (2 * u - 1);
      return [d, d, d];
    },
    'diagonal ramp': (u, v) => {
      const d = a * (u + v - 1);
      return [d, d, d];
    },
    vignette: (u, v) => {
      const d = a - 2 * a * (((u - 0.5) ** 2 + (v - 0.5) ** 2) / 0.5);
      return [d, d, d];
    },
    'white-balance ramp': (u, v) => [a * (2 * u - 1), (a / 2) * (1 - 2 * v), -a * (2 * u - 1)],
  };
}

/** A "model" that returns the image it was sent with `drift` added (no new content): the seam is all drift. */
export async function driftModel(image: Uint8Array, drift: Drift): Promise<Uint8Array> {
  const img = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = img.info;
  const out = Buffer.from(img.data);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = drift((x + 0.5) / width, (y + 0.5) / height);
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[i + c] = Math.max(0, Math.min(255, Math.round(out[i + c]! + d[c]!)));
    }
  }
  return new Uint8Array(
    await sharp(out, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** A smooth gradient "sky", 8 or 16 bit, values kept clear of clipping under ±25 levels of drift. */
export function gradientSky(width: number, height: number, depth: 8 | 16 = 8): Photo {
  const n = width * height * 3;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const unit = depth === 16 ? 257 : 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((70 + 40 * u + 20 * v) * unit);
      pixels[i + 1] = Math.round((110 + 30 * v + 10 * u) * unit);
      pixels[i + 2] = Math.round((190 + 30 * v - 15 * u) * unit);
    }
  }
  return { width, height, channels: 3, depth, pixels, icc: null, exif: null, format: 'raw' };
}

/** An elliptical mask with a soft rim of `soft` px. */
export function ellipseMask(
  width: number,
  height: number,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  soft = 3,
): Mask {
  const data = new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(cy - ry - soft)); y < Math.min(height, cy + ry + soft + 1); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx - soft)); x < Math.min(width, cx + rx + soft + 1); x++) {
      // Distance outside the ellipse, approximately in pixels.
      const q = Math.hypot((x - cx) / rx, (y - cy) / ry);
      const d = (q - 1) * Math.min(rx, ry);
      data[y * width + x] = d <= 0 ? 255 : d >= soft ? 0 : Math.round(255 * (1 - d / soft));
    }
  }
  return { width, height, data };
}
