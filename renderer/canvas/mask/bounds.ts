/**
 * The painted box of a tiled mask without reading every pixel: the non-empty tiles give the extent in tiles,
 * and only the tiles on that extent's four sides are read, each from its outer side inwards, stopping at the
 * first painted row or column. MaskTiles.bounds() is this.
 */
import type { Rect } from '../view';
import { allZero } from './tile-bytes';
import type { MaskTiles } from './tiles';

/** The bounding box of the non-zero pixels, or null when the mask is empty. */
export function paintedBounds(m: Pick<MaskTiles, 'tiles' | 'tilesX' | 'tileSize' | 'tileRect'>): Rect | null {
  const T = m.tileSize;
  let tx0 = Infinity;
  let ty0 = Infinity;
  let tx1 = -1;
  let ty1 = -1;
  const full: number[] = [];
  for (let i = 0; i < m.tiles.length; i++) {
    const t = m.tiles[i];
    if (!t || allZero(t)) continue;
    full.push(i);
    const tx = i % m.tilesX;
    const ty = (i - tx) / m.tilesX;
    if (tx < tx0) tx0 = tx;
    if (tx > tx1) tx1 = tx;
    if (ty < ty0) ty0 = ty;
    if (ty > ty1) ty1 = ty;
  }
  if (tx1 < 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (const i of full) {
    const tx = i % m.tilesX;
    const ty = (i - tx) / m.tilesX;
    if (tx !== tx0 && tx !== tx1 && ty !== ty0 && ty !== ty1) continue;
    const t = m.tiles[i]!;
    const r = m.tileRect(i);
    if (tx === tx0) x0 = Math.min(x0, r.x + edgeColumn(t, T, r.width, r.height, 1));
    if (tx === tx1) x1 = Math.max(x1, r.x + edgeColumn(t, T, r.width, r.height, -1));
    if (ty === ty0) y0 = Math.min(y0, r.y + edgeRow(t, T, r.width, r.height, 1));
    if (ty === ty1) y1 = Math.max(y1, r.y + edgeRow(t, T, r.width, r.height, -1));
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * The first (dir 1, from the top) or last (dir -1, from the bottom) row of a non-empty tile with a non-zero
 * value in its first w columns (of h rows; T = the tile's row length).
 */
function edgeRow(t: Uint8Array, T: number, w: number, h: number, dir: 1 | -1): number {
  // A word at a time where the tile allows it: the bytes of a row beyond the photo's edge are 0 (tiles.ts).
  const words = t.byteOffset % 4 === 0 && T % 4 === 0 && t.length === T * T;
  const t32 = words ? new Uint32Array(t.buffer, t.byteOffset, t.length >> 2) : null;
  for (let k = 0; k < h; k++) {
    const y = dir === 1 ? k : h - 1 - k;
    const row = y * T;
    if (t32) {
      for (let i = row >> 2, e = (row + T) >> 2; i < e; i++) if (t32[i] !== 0) return y;
    } else for (let x = 0; x < w; x++) if (t[row + x] !== 0) return y;
  }
  return dir === 1 ? h - 1 : 0;
}

/**
 * The leftmost (dir 1) or rightmost (dir -1) column of a non-empty tile with a non-zero value in its first h
 * rows: each row is read from that side only up to the best column found so far.
 */
function edgeColumn(t: Uint8Array, T: number, w: number, h: number, dir: 1 | -1): number {
  let best = dir === 1 ? w : -1;
  for (let y = 0; y < h; y++) {
    const row = y * T;
    if (dir === 1) {
      for (let x = 0; x < best; x++) {
        if (t[row + x] !== 0) {
          best = x;
          break;
        }
      }
      if (best === 0) break;
    } else {
      for (let x = w - 1; x > best; x--) {
        if (t[row + x] !== 0) {
          best = x;
          break;
        }
      }
      if (best === w - 1) break;
    }
  }
  return best;
}
