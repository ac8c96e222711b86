/**
 * The mask's storage, pure TS: an 8-bit bitmap at the photo's resolution (255 = change) in square tiles
 * allocated lazily (null = all zero), so an empty 24 MP mask costs nothing and every change has a natural
 * dirty rectangle. Tiles at the right and bottom edges are full-size buffers whose part beyond the photo
 * stays 0. Everything that writes the mask (strokes, actions, history) goes through the tiles and marks what
 * it changed dirty, for the display.
 *
 * A tile buffer is never written in place once a change is committed: a stroke paints into a copy it makes
 * when it first touches a tile, and every other change puts new buffers in. So the undo history keeps the
 * replaced and the new tiles by reference (no copy on commit), and every tile fully selected shares one
 * all-255 buffer (fullTile).
 */
import { paintedBounds } from './bounds';
import { packBits, unpackBits } from './packbits';
import { allZero, isConstant, markConstant } from './tile-bytes';
import { unionRect, type Rect } from '../view';

/** A tile as the history keeps it: null = all zero, 1 byte = uniformly that value, else PackBits. */
export type Packed = Uint8Array | null;

export interface MaskStats {
  /** Pixels with a value above 0. */
  nonZero: number;
  /** Sum of all values (255 per fully masked pixel). */
  sum: number;
  /** Bounding box of the non-zero pixels, or null when the mask is empty. */
  bbox: Rect | null;
}

export class MaskTiles {
  readonly width: number;
  readonly height: number;
  readonly tileSize: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Row-major tiles; null = all zero. Read-only for renderers. */
  readonly tiles: (Uint8Array | null)[];
  /** An all-zero tile, read in place of a missing one. */
  readonly zeroTile: Uint8Array;
  private dirty: Rect | null = null;
  /** The shared all-255 tiles, one per shape of the photo part (inner, right edge, bottom edge, corner). */
  private readonly full = new Map<number, Uint8Array>();

  constructor(width: number, height: number, tileSize = 256) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`A mask needs a positive integer size, not ${width}x${height}.`);
    }
    this.width = width;
    this.height = height;
    this.tileSize = tileSize;
    this.tilesX = Math.ceil(width / tileSize);
    this.tilesY = Math.ceil(height / tileSize);
    this.tiles = new Array<Uint8Array | null>(this.tilesX * this.tilesY).fill(null);
    this.zeroTile = new Uint8Array(tileSize * tileSize);
  }

  /** The union of photo rectangles changed since the last call (for dirty-rect drawing), then resets it. */
  takeDirty(): Rect | null {
    const d = this.dirty;
    this.dirty = null;
    return d;
  }

  markDirty(r: Rect): void {
    this.dirty = unionRect(this.dirty, r);
  }

  /** The part of the photo a tile covers (the edge tiles are cut at the photo's border). */
  tileRect(index: number): Rect {
    const T = this.tileSize;
    const x = (index % this.tilesX) * T;
    const y = Math.floor(index / this.tilesX) * T;
    return { x, y, width: Math.min(T, this.width - x), height: Math.min(T, this.height - y) };
  }

  /** The shared, never written tile that is 255 over tile `index`'s photo part (0 beyond the photo edge). */
  fullTile(index: number): Uint8Array {
    const { width: w, height: h } = this.tileRect(index);
    const key = w * (this.tileSize + 1) + h;
    let t = this.full.get(key);
    if (!t) {
      const T = this.tileSize;
      t = new Uint8Array(T * T);
      if (w === T) t.fill(255, 0, h * T);
      else for (let y = 0; y < h; y++) t.fill(255, y * T, y * T + w);
      this.full.set(key, markConstant(t));
    }
    return t;
  }

  getPixel(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0;
    const T = this.tileSize;
    const t = this.tiles[Math.floor(y / T) * this.tilesX + Math.floor(x / T)];
    return t ? t[(y % T) * T + (x % T)]! : 0;
  }

  isEmpty(): boolean {
    for (const t of this.tiles) {
      if (t && !allZero(t)) return false;
    }
    return true;
  }

  stats(): MaskStats {
    let nonZero = 0;
    let sum = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    const T = this.tileSize;
    this.forEachTile((index, r) => {
      const t = this.tiles[index];
      if (!t) return;
      for (let y = 0; y < r.height; y++) {
        for (let x = 0; x < r.width; x++) {
          const v = t[y * T + x]!;
          if (v === 0) continue;
          nonZero++;
          sum += v;
          const px = r.x + x;
          const py = r.y + y;
          if (px < x0) x0 = px;
          if (px > x1) x1 = px;
          if (py < y0) y0 = py;
          if (py > y1) y1 = py;
        }
      }
    });
    return { nonZero, sum, bbox: nonZero ? { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } : null };
  }

  /**
   * The bounding box of the non-zero pixels, or null when the mask is empty, without reading every pixel:
   * only the outer sides of the non-empty tiles' extent are read (bounds.ts).
   */
  bounds(): Rect | null {
    return paintedBounds(this);
  }

  /** Every tile of the photo, row by row, with the part of the photo it covers. */
  forEachTile(fn: (index: number, r: Rect) => void): void {
    for (let i = 0; i < this.tiles.length; i++) fn(i, this.tileRect(i));
  }

  /** The tiles a photo rectangle (inside the photo) touches, row by row, with their column and row. */
  forTilesIn(r: Rect, fn: (index: number, tx: number, ty: number) => void): void {
    const T = this.tileSize;
    for (let ty = Math.floor(r.y / T); ty <= Math.floor((r.y + r.height - 1) / T); ty++) {
      for (let tx = Math.floor(r.x / T); tx <= Math.floor((r.x + r.width - 1) / T); tx++) {
        fn(ty * this.tilesX + tx, tx, ty);
      }
    }
  }

  /** The bounding box of the allocated tiles widened by `pad` and cut to the photo, or null when none is. */
  allocatedRect(pad: number): Rect | null {
    const T = this.tileSize;
    let tx0 = Infinity;
    let ty0 = Infinity;
    let tx1 = -1;
    let ty1 = -1;
    this.tiles.forEach((t, i) => {
      if (!t) return;
      const tx = i % this.tilesX;
      const ty = Math.floor(i / this.tilesX);
      tx0 = Math.min(tx0, tx);
      ty0 = Math.min(ty0, ty);
      tx1 = Math.max(tx1, tx);
      ty1 = Math.max(ty1, ty);
    });
    if (tx1 < 0) return null;
    const x0 = Math.max(0, tx0 * T - pad);
    const y0 = Math.max(0, ty0 * T - pad);
    const x1 = Math.min(this.width, (tx1 + 1) * T + pad);
    const y1 = Math.min(this.height, (ty1 + 1) * T + pad);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  /** A copy of a rectangle of the mask (r.width·r.height bytes, row-major). */
  readRegion(r: Rect): Uint8Array {
    const out = new Uint8Array(r.width * r.height);
    this.forTilesIn(r, (index) => {
      const t = this.tiles[index];
      if (t) this.copyRows(index, t, r, out, true);
    });
    return out;
  }

  /**
   * Copies the rows of `r` that lie in tile `index` between the tile and a region buffer (r.width wide):
   * into the buffer when `toRegion`, else into the tile.
   */
  copyRows(index: number, tile: Uint8Array, r: Rect, region: Uint8Array, toRegion: boolean): void {
    const T = this.tileSize;
    const t = this.tileRect(index);
    const x0 = Math.max(r.x, t.x);
    const x1 = Math.min(r.x + r.width, t.x + T);
    for (let y = Math.max(r.y, t.y); y < Math.min(r.y + r.height, t.y + T); y++) {
      const ti = (y - t.y) * T + (x0 - t.x);
      const ri = (y - r.y) * r.width + (x0 - r.x);
      if (toRegion) region.set(tile.subarray(ti, ti + (x1 - x0)), ri);
      else tile.set(region.subarray(ri, ri + (x1 - x0)), ti);
    }
  }

  /** A tile in the history's form; a tile uniform over its photo part (after invert or a big brush) is one byte. */
  pack(index: number, t: Uint8Array | null): Packed {
    if (!t || allZero(t)) return null;
    if (isConstant(t)) return new Uint8Array([t[0]!]);
    const T = this.tileSize;
    const { width: w, height: h } = this.tileRect(index);
    const v = t[0]!;
    for (let y = 0; y < h; y++) {
      const row = y * T;
      for (let x = 0; x < w; x++) if (t[row + x] !== v) return packBits(t);
    }
    return new Uint8Array([v]);
  }

  /**
   * Puts a tile back from the history (`raw`: the tile itself, not yet packed; shared, since tiles are
   * never written in place) and marks it dirty.
   */
  restore(index: number, packed: Packed, raw = false): void {
    const T = this.tileSize;
    if (raw) this.tiles[index] = packed;
    else if (!packed) this.tiles[index] = null;
    else if (packed.length === 1) {
      // Uniform: fill the photo part only, so the tile's padding beyond the photo edge stays 0.
      const t = new Uint8Array(T * T);
      const { width: w, height: h } = this.tileRect(index);
      if (w === T) t.fill(packed[0]!, 0, h * T);
      else for (let y = 0; y < h; y++) t.fill(packed[0]!, y * T, y * T + w);
      this.tiles[index] = t;
    } else this.tiles[index] = unpackBits(packed, new Uint8Array(T * T));
    this.markTileDirty(index);
  }

  /** Frees a tile that became all zero; returns the tile's current content. */
  normalise(index: number): Uint8Array | null {
    const t = this.tiles[index] ?? null;
    if (t && allZero(t)) {
      this.tiles[index] = null;
      return null;
    }
    return t;
  }

  markTileDirty(index: number): void {
    this.markDirty(this.tileRect(index));
  }
}
