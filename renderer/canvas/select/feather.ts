/**
 * The feather preview: the blend weight the edit will use, computed the way the compositor does it
 * (docs/imaging.md): the mask grown by ⌈feather⌉ pixels with a disc (the shared grow), then softened by three box blurs of
 * radius round(feather / 2), the photo's border repeating its edge. The renderer may not import the
 * compositor (the layer rule), so the same steps are written here; a unit test holds the two equal.
 */
import { dilateDisc } from '../../../shared/mask-morphology';
import { MaskTiles } from '../mask/tiles';
import type { Rect } from '../view';

function bounds(m: Uint8Array, W: number, H: number): Rect | null {
  let x0 = W;
  let y0 = -1;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let first = -1;
    for (let x = 0; x < W; x++)
      if (m[o + x] !== 0) {
        first = x;
        break;
      }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    for (let x = W - 1; x > x1; x--)
      if (m[o + x] !== 0) {
        x1 = x;
        break;
      }
  }
  return y0 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function expand(r: Rect, by: number, W: number, H: number): Rect {
  const x0 = Math.max(0, r.x - by);
  const y0 = Math.max(0, r.y - by);
  const x1 = Math.min(W, r.x + r.width + by);
  const y1 = Math.min(H, r.y + r.height + by);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Grey dilation by a disc of radius r (shared/mask-morphology.ts, as the compositor grows), on the box only. */
function growDisc(mask: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const out = mask.slice();
  const b = bounds(mask, W, H);
  if (r <= 0 || !b) return out;
  const rect = expand(b, r, W, H);
  const sub = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const s = (rect.y + y) * W + rect.x;
    sub.set(mask.subarray(s, s + rect.width), y * rect.width);
  }
  dilateDisc(sub, rect.width, rect.height, r);
  for (let y = 0; y < rect.height; y++)
    out.set(sub.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * W + rect.x);
  return out;
}

/** Three box blurs of radius round(radius / 2); the photo's border repeats its edge. */
function blur3(mask: Uint8Array, W: number, H: number, radius: number): Uint8Array {
  const out = mask.slice();
  const br = Math.max(0, Math.round(radius / 2));
  const b = bounds(mask, W, H);
  if (br === 0 || !b) return out;
  const rect = expand(b, 3 * br + 1, W, H);
  const rw = rect.width;
  const rh = rect.height;
  const f = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) f[y * rw + x] = mask[row + x]!;
  }
  const maxLen = Math.max(rw, rh);
  const src = new Float32Array(maxLen + 2 * br + 2);
  const dst = new Float32Array(maxLen);
  const k = 2 * br + 1;
  // One pass along a line of n values starting at `start` of a photo line of `len`; f at base + i·step.
  const pass = (n: number, start: number, len: number, base: number, step: number) => {
    for (let i = -br; i < n + br; i++) {
      const p = start + i;
      let v: number;
      if (p < 0) v = start === 0 ? f[base]! : 0;
      else if (p >= len) v = start + n === len ? f[base + (n - 1) * step]! : 0;
      else if (i < 0 || i >= n) v = 0;
      else v = f[base + i * step]!;
      src[i + br] = v;
    }
    let s = 0;
    for (let i = 0; i < k; i++) s += src[i]!;
    for (let i = 0; i < n; i++) {
      dst[i] = s / k;
      s += src[i + k]! - src[i]!;
    }
    for (let i = 0; i < n; i++) f[base + i * step] = dst[i]!;
  };
  for (let it = 0; it < 3; it++) {
    for (let y = 0; y < rh; y++) pass(rw, rect.x, W, y * rw, 1);
    for (let x = 0; x < rw; x++) pass(rh, rect.y, H, x, rw);
  }
  for (let y = 0; y < rh; y++) {
    const row = (rect.y + y) * W + rect.x;
    for (let x = 0; x < rw; x++) {
      const v = Math.round(f[y * rw + x]!);
      out[row + x] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return out;
}

/** The blend weight of `mask` (W·H bytes) for an edit feathered by `feather` pixels. */
export function featherWeight(mask: Uint8Array, W: number, H: number, feather: number): Uint8Array {
  const r = Math.max(0, feather);
  if (r <= 0) return mask.slice();
  return blur3(growDisc(mask, W, H, Math.ceil(r)), W, H, r);
}

/** Bytes of a whole photo (W·H) as tiles the overlay can draw (all-zero tiles left out). */
export function tilesOf(bytes: Uint8Array, W: number, H: number, tileSize = 256): MaskTiles {
  const t = new MaskTiles(W, H, tileSize);
  for (let index = 0; index < t.tiles.length; index++) {
    const r = t.tileRect(index);
    const tile = new Uint8Array(tileSize * tileSize);
    let any = false;
    for (let y = 0; y < r.height; y++) {
      const row = bytes.subarray((r.y + y) * W + r.x, (r.y + y) * W + r.x + r.width);
      tile.set(row, y * tileSize);
      if (!any && row.some((v) => v !== 0)) any = true;
    }
    if (any) t.tiles[index] = tile;
  }
  return t;
}
