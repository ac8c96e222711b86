/**
 * The mask overlay in screen space, pure TS: each screen pixel looks up the mask value under it and takes
 * its colour from a 256-entry table (overlay colour, alpha = value × opacity). The mask itself is the
 * "opaque" drawing and the tint is applied once at display time, so overlapping strokes cannot darken it,
 * and only the screen rectangle that changed is recomputed (the cost follows the viewport, not the photo).
 */
import type { MaskTiles } from './mask/tiles';
import type { Rect, View } from './view';

/** RGBA (little-endian Uint32, as ImageData stores it) for each mask value 0..255. */
export function overlayLut(color: string, opacity: number): Uint32Array {
  const [r, g, b] = parseColor(color);
  const a = Math.min(1, Math.max(0, opacity));
  const lut = new Uint32Array(256);
  for (let v = 1; v < 256; v++) {
    const alpha = Math.round((v / 255) * a * 255);
    lut[v] = ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

/** '#rgb', '#rrggbb' or 'rgb(r, g, b)'; anything else falls back to red. */
export function parseColor(c: string): [number, number, number] {
  const s = c.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) {
    const n = parseInt(m[1]!, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) {
    const [r, g, b] = [...m[1]!].map((h) => parseInt(h + h, 16)) as [number, number, number];
    return [r, g, b];
  }
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(s);
  if (rgb) return [Number(rgb[1]) & 255, Number(rgb[2]) & 255, Number(rgb[3]) & 255];
  return [255, 48, 64];
}

/**
 * Fills `rect` of `out` (a `outWidth`-wide RGBA buffer viewed as Uint32) with the overlay for view `v`
 * (screen = photo · scale + offset, in the buffer's pixels). Nearest-neighbour sampling at the pixel centre,
 * the same mapping the photo is drawn with, so mask pixel (x, y) sits exactly on photo pixel (x, y).
 */
export function renderOverlayRect(
  tiles: MaskTiles,
  v: View,
  out: Uint32Array,
  outWidth: number,
  rect: Rect,
  lut: Uint32Array,
): void {
  const { width: W, height: H, tileSize: T, tilesX } = tiles;
  const grid = tiles.tiles;
  const shift = Math.log2(T);
  if (!Number.isInteger(shift)) throw new Error('tile size must be a power of two');
  const mask = T - 1;
  const cols = new Int32Array(rect.width);
  for (let i = 0; i < rect.width; i++) {
    const px = Math.floor((rect.x + i + 0.5 - v.x) / v.scale);
    cols[i] = px >= 0 && px < W ? px : -1;
  }
  for (let j = 0; j < rect.height; j++) {
    const sy = rect.y + j;
    const o = sy * outWidth + rect.x;
    const py = Math.floor((sy + 0.5 - v.y) / v.scale);
    if (py < 0 || py >= H) {
      out.fill(0, o, o + rect.width);
      continue;
    }
    const tileRow = (py >> shift) * tilesX;
    const rowOff = (py & mask) * T;
    let lastTx = -1;
    let tile: Uint8Array | null = null;
    for (let i = 0; i < rect.width; i++) {
      const px = cols[i]!;
      if (px < 0) {
        out[o + i] = 0;
        continue;
      }
      const tx = px >> shift;
      if (tx !== lastTx) {
        tile = grid[tileRow + tx] ?? null;
        lastTx = tx;
      }
      out[o + i] = tile ? lut[tile[rowOff + (px & mask)]!]! : 0;
    }
  }
}
