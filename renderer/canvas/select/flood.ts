/**
 * The magic wand and colour range on a typed array: pixels whose colour is within `tolerance` of the sampled
 * one (the largest difference over R, G and B, 0..255), either the 4-connected region around the seed
 * (a scanline flood fill, each pixel tested once) or every such pixel in the photo (colour range).
 */
import type { Selection } from './raster';

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
  const seed = px[y * W + x]!;
  const t = Math.max(0, Math.min(255, Math.round(opts.tolerance)));
  // Per channel, which values are within the tolerance of the seed's: three table lookups per pixel.
  const okR = near(seed & 255, t);
  const okG = near((seed >>> 8) & 255, t);
  const okB = near((seed >>> 16) & 255, t);
  const match = (v: number): number => okR[v & 255]! & okG[(v >>> 8) & 255]! & okB[(v >>> 16) & 255]!;
  const out = new Uint8Array(W * H);
  let minX = W;
  let minY = H;
  let maxX = -1;
  let maxY = -1;
  if (!opts.contiguous) {
    for (let j = 0; j < H; j++) {
      const o = j * W;
      let rowAny = false;
      for (let i = 0; i < W; i++) {
        if (match(px[o + i]!)) {
          out[o + i] = 255;
          if (i < minX) minX = i;
          if (i > maxX) maxX = i;
          rowAny = true;
        }
      }
      if (rowAny) {
        if (j < minY) minY = j;
        maxY = j;
      }
    }
  } else {
    // Span fill: pop a seed, extend it left and right, then look for seeds in the rows above and below.
    // `out` is 255 for taken pixels and remembers each colour test (1 = matches, 2 = does not), so a pixel's
    // colour is looked up once.
    const eligible = (q: number): boolean => {
      const v = out[q]!;
      if (v === 0) {
        const m = match(px[q]!);
        out[q] = m ? 1 : 2;
        return m === 1;
      }
      return v === 1;
    };
    const stack = new Int32Array(Math.max(1024, 2 * (W + H)));
    let stackArr = stack;
    let sp = 0;
    const push = (i: number) => {
      if (sp === stackArr.length) {
        const bigger = new Int32Array(stackArr.length * 2);
        bigger.set(stackArr);
        stackArr = bigger;
      }
      stackArr[sp++] = i;
    };
    push(y * W + x);
    while (sp > 0) {
      const i = stackArr[--sp]!;
      if (out[i] === 255) continue;
      const row = (i / W) | 0;
      const o = row * W;
      let l = i;
      while (l > o && eligible(l - 1)) l--;
      let r = i;
      while (r < o + W - 1 && eligible(r + 1)) r++;
      out.fill(255, l, r + 1);
      if (l - o < minX) minX = l - o;
      if (r - o > maxX) maxX = r - o;
      if (row < minY) minY = row;
      if (row > maxY) maxY = row;
      for (const nrow of [row - 1, row + 1]) {
        if (nrow < 0 || nrow >= H) continue;
        const d = (nrow - row) * W;
        let inSpan = false;
        for (let k = l; k <= r; k++) {
          const q = k + d;
          const ok = eligible(q);
          if (ok && !inSpan) push(q);
          inSpan = ok;
        }
      }
    }
  }
  if (maxX < 0) return null;
  const rect = { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  const data = new Uint8Array(rect.width * rect.height);
  for (let j = 0; j < rect.height; j++) {
    const o = (rect.y + j) * W + rect.x;
    data.set(out.subarray(o, o + rect.width), j * rect.width);
  }
  // Drop the remembered colour tests (1, 2): only taken pixels (255) are selected.
  if (opts.contiguous) for (let i = 0; i < data.length; i++) if (data[i] !== 255) data[i] = 0;
  return { rect, data, binary: true };
}

/** 1 for the byte values within `t` of `c`, else 0. */
function near(c: number, t: number): Uint8Array {
  const ok = new Uint8Array(256);
  ok.fill(1, Math.max(0, c - t), Math.min(255, c + t) + 1);
  return ok;
}
