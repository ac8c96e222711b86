/**
 * The edit mask, pure TS (no DOM, no React): an 8-bit bitmap at the photo's resolution, 255 = change.
 *
 * - Tiled: 256×256 tiles allocated lazily (null = all zero), so an empty 24 MP mask costs nothing and every
 *   change has a natural dirty rectangle.
 * - Strokes: the stroke in progress keeps its own coverage buffer (the max of its segments' coverage, so a
 *   soft stroke does not build up where they overlap) and a copy of each tile as it was before the stroke; the visible
 *   mask is always before ⊕ coverage. On release the stroke is committed once, as one undo step.
 * - Undo/redo: a stack of tile diffs (before/after, PackBits-packed), bounded by a step count and a byte budget.
 * - Whole-mask actions (invert, grow, shrink, clear, load) are undoable steps of the same kind.
 */
import { packBits, unpackBits } from './packbits';
import { dilate, erode } from './morphology';
import type { Rect } from './view';
import { unionRect } from './view';

export type BrushMode = 'paint' | 'erase';

export interface StrokeParams {
  mode: BrushMode;
  /** Brush diameter in photo pixels (at full pressure). */
  size: number;
  /** 0 = soft (falloff over the whole radius), 1 = hard (a one-pixel antialiased edge). */
  hardness: number;
}

export interface MaskStats {
  /** Pixels with a value above 0. */
  nonZero: number;
  /** Sum of all values (255 per fully masked pixel). */
  sum: number;
  /** Bounding box of the non-zero pixels, or null when the mask is empty. */
  bbox: Rect | null;
}

export interface MaskEngineOptions {
  tileSize?: number;
  /** Undo steps kept (default 200, never fewer than 100 unless the byte budget forces it). */
  maxUndoSteps?: number;
  /** Bytes of packed tile diffs kept for undo/redo (default 256 MB). */
  maxUndoBytes?: number;
}

/** A tile in the history: null = all zero, 1 byte = uniformly that value, else PackBits. */
type Packed = Uint8Array | null;
interface TileChange {
  index: number;
  before: Packed;
  after: Packed;
  /** before/after are raw tile copies not yet packed (strokes commit fast and are packed when idle). */
  raw?: boolean;
}
interface Step {
  label: string;
  changes: TileChange[];
  bytes: number;
}

interface StrokeState {
  params: StrokeParams;
  /** Tile contents before the stroke touched them (null = was empty). */
  orig: Map<number, Uint8Array | null>;
  /** The stroke's own coverage, per tile. */
  cover: Map<number, Uint8Array>;
  last: { x: number; y: number; r: number } | null;
  segments: number;
}

export class MaskEngine {
  readonly width: number;
  readonly height: number;
  readonly tileSize: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Row-major tiles; null = all zero. Read-only for renderers. */
  readonly tiles: (Uint8Array | null)[];
  private readonly zeroTile: Uint8Array;
  private readonly maxSteps: number;
  private readonly maxBytes: number;
  private undoStack: Step[] = [];
  private redoStack: Step[] = [];
  private historyBytes = 0;
  private stroke: StrokeState | null = null;
  /** Coverage tiles of finished strokes, reused (less garbage, fewer collections while painting). */
  private coverPool: Uint8Array[] = [];
  private dirty: Rect | null = null;
  private listeners = new Set<() => void>();

  constructor(width: number, height: number, opts: MaskEngineOptions = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`A mask needs a positive integer size, not ${width}x${height}.`);
    }
    this.width = width;
    this.height = height;
    this.tileSize = opts.tileSize ?? 256;
    this.tilesX = Math.ceil(width / this.tileSize);
    this.tilesY = Math.ceil(height / this.tileSize);
    this.tiles = new Array<Uint8Array | null>(this.tilesX * this.tilesY).fill(null);
    this.zeroTile = new Uint8Array(this.tileSize * this.tileSize);
    this.maxSteps = Math.max(1, opts.maxUndoSteps ?? 200);
    this.maxBytes = opts.maxUndoBytes ?? 256 * 1024 * 1024;
  }

  // ---- observation -------------------------------------------------------------------------------------

  /** Called after every committed change (stroke release, undo, redo, actions) — never during a stroke. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** The union of photo rectangles changed since the last call (for dirty-rect drawing), then resets it. */
  takeDirty(): Rect | null {
    const d = this.dirty;
    this.dirty = null;
    return d;
  }

  /** Marks everything dirty (e.g. after the overlay colour changed). */
  markAllDirty(): void {
    this.dirty = { x: 0, y: 0, width: this.width, height: this.height };
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0 || (this.stroke !== null && this.stroke.segments > 0);
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  get undoDepth(): number {
    return this.undoStack.length;
  }
  get redoDepth(): number {
    return this.redoStack.length;
  }
  get historyByteSize(): number {
    return this.historyBytes;
  }
  get strokeActive(): boolean {
    return this.stroke !== null;
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
    this.forEachTile((index, tx, ty, w, h) => {
      const t = this.tiles[index];
      if (!t) return;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = t[y * T + x]!;
          if (v === 0) continue;
          nonZero++;
          sum += v;
          const px = tx * T + x;
          const py = ty * T + y;
          if (px < x0) x0 = px;
          if (px > x1) x1 = px;
          if (py < y0) y0 = py;
          if (py > y1) y1 = py;
        }
      }
    });
    return { nonZero, sum, bbox: nonZero ? { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } : null };
  }

  // ---- strokes -----------------------------------------------------------------------------------------

  beginStroke(params: StrokeParams): void {
    if (this.stroke) this.endStroke();
    this.stroke = {
      params: {
        mode: params.mode,
        size: Math.max(1, params.size),
        hardness: Math.min(1, Math.max(0, params.hardness)),
      },
      orig: new Map(),
      cover: new Map(),
      last: null,
      segments: 0,
    };
  }

  /**
   * Extends the stroke to (x, y) in photo pixels; the first call paints a dab. `pressure` 0..1 scales the size.
   * Each move is rasterised as one capsule (a segment with round ends, radius interpolated along it), so a pixel
   * is visited once per move rather than once per overlapping dab.
   */
  strokeTo(x: number, y: number, pressure = 1): void {
    const s = this.stroke;
    if (!s) return;
    const p = Math.min(1, Math.max(0.05, pressure));
    const r = (s.params.size / 2) * p;
    const l = s.last ?? { x, y, r };
    this.segment(l.x, l.y, l.r, x, y, r);
    s.last = { x, y, r };
  }

  /** Commits the stroke as one undo step. Returns whether it changed anything. */
  endStroke(): boolean {
    const s = this.stroke;
    if (!s) return false;
    this.stroke = null;
    this.recycle(s);
    const changes: TileChange[] = [];
    for (const [index, before] of s.orig) {
      const now = this.normalise(index);
      if (sameTile(before, now)) continue;
      // Raw copies now (a memcpy per tile), packed later by compact() so release never stalls a frame.
      changes.push({ index, before, after: now ? now.slice() : null, raw: true });
    }
    if (!changes.length) return false;
    this.push('stroke', changes);
    this.emit();
    return true;
  }

  /** Drops the stroke in progress, restoring the mask as it was. */
  cancelStroke(): void {
    const s = this.stroke;
    if (!s) return;
    this.stroke = null;
    this.recycle(s);
    for (const [index, before] of s.orig) {
      this.tiles[index] = before;
      this.markTileDirty(index);
    }
  }

  private recycle(s: StrokeState): void {
    for (const c of s.cover.values()) if (this.coverPool.length < 128) this.coverPool.push(c);
    s.cover.clear();
  }

  private segment(ax: number, ay: number, ar: number, bx: number, by: number, br: number): void {
    const s = this.stroke!;
    s.segments++;
    ar = Math.max(0.5, ar);
    br = Math.max(0.5, br);
    const erase = s.params.mode === 'erase';
    const soft = 1 - s.params.hardness;
    const rMax = Math.max(ar, br);
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rMax));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rMax));
    const x1 = Math.min(this.width, Math.ceil(Math.max(ax, bx) + rMax));
    const y1 = Math.min(this.height, Math.ceil(Math.max(ay, by) + rMax));
    if (x1 <= x0 || y1 <= y0) return;
    this.dirty = unionRect(this.dirty, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const invLen2 = len2 > 1e-12 ? 1 / len2 : 0;
    const dr = br - ar;
    const rMax2 = rMax * rMax;
    // Constant radius (mouse): the core and edge thresholds are the same for every pixel.
    const cw = Math.max(1, ar * soft);
    const cInner = ar - cw;
    const cInner2 = cInner > 0 ? cInner * cInner : -1;
    const cInvW = 1 / cw;
    const constR = Math.abs(dr) < 1e-6;
    const T = this.tileSize;
    for (let ty = Math.floor(y0 / T); ty <= Math.floor((y1 - 1) / T); ty++) {
      for (let tx = Math.floor(x0 / T); tx <= Math.floor((x1 - 1) / T); tx++) {
        const index = ty * this.tilesX + tx;
        if (!s.orig.has(index)) {
          const cur = this.tiles[index] ?? null;
          if (erase && !cur) continue; // nothing to erase here
          s.orig.set(index, cur ? cur.slice() : null);
          if (!cur) this.tiles[index] = new Uint8Array(T * T);
        }
        const live = this.tiles[index];
        if (!live) continue;
        let cover = s.cover.get(index);
        if (!cover) s.cover.set(index, (cover = this.coverPool.pop()?.fill(0) ?? new Uint8Array(T * T)));
        const orig = s.orig.get(index) ?? this.zeroTile;
        const tbx = tx * T;
        const tby = ty * T;
        const ry1 = Math.min(y1, tby + T);
        const rx0 = Math.max(x0, tbx);
        const rx1 = Math.min(x1, tbx + T);
        for (let y = Math.max(y0, tby); y < ry1; y++) {
          const py = y + 0.5 - ay;
          const row = (y - tby) * T - tbx;
          for (let x = rx0; x < rx1; x++) {
            // Already fully covered by this stroke (the common case where consecutive moves overlap): skip.
            if (cover[row + x] === 255) continue;
            const px = x + 0.5 - ax;
            let t = (px * dx + py * dy) * invLen2;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            const ex = px - t * dx;
            const ey = py - t * dy;
            const d2 = ex * ex + ey * ey;
            if (d2 >= rMax2) continue;
            let c: number;
            if (constR) {
              if (d2 <= cInner2) c = 255;
              else {
                const f = (ar - Math.sqrt(d2)) * cInvW;
                if (f <= 0) continue;
                c = (255 * f * f * (3 - 2 * f) + 0.5) | 0;
              }
            } else {
              const R = ar + dr * t;
              const d = Math.sqrt(d2);
              if (d >= R) continue;
              const w = Math.max(1, R * soft);
              const f = (R - d) / w;
              c = f >= 1 ? 255 : (255 * f * f * (3 - 2 * f) + 0.5) | 0;
            }
            const i = row + x;
            if (c <= cover[i]!) continue;
            cover[i] = c;
            const o = orig[i]!;
            live[i] = erase ? ((o * (255 - c) + 127) / 255) | 0 : (o + ((255 - o) * c + 127) / 255) | 0;
          }
        }
      }
    }
  }

  // ---- history -----------------------------------------------------------------------------------------

  undo(): boolean {
    if (this.stroke) this.endStroke();
    const step = this.undoStack.pop();
    if (!step) return false;
    for (const c of step.changes) this.setTile(c.index, c.before, c.raw);
    this.redoStack.push(step);
    this.emit();
    return true;
  }

  redo(): boolean {
    if (this.stroke) this.endStroke();
    const step = this.redoStack.pop();
    if (!step) return false;
    for (const c of step.changes) this.setTile(c.index, c.after, c.raw);
    this.undoStack.push(step);
    this.emit();
    return true;
  }

  private push(label: string, changes: TileChange[]): void {
    let bytes = 0;
    for (const c of changes) bytes += changeBytes(c);
    for (const r of this.redoStack) this.historyBytes -= r.bytes;
    this.redoStack = [];
    this.undoStack.push({ label, changes, bytes });
    this.historyBytes += bytes;
    while (
      this.undoStack.length > 1 &&
      (this.undoStack.length > this.maxSteps || this.historyBytes > this.maxBytes)
    ) {
      this.historyBytes -= this.undoStack.shift()!.bytes;
    }
  }

  /**
   * Packs raw tile copies left by recent strokes, for up to `budgetMs`. Returns true while work remains.
   * Call it when idle (the canvas does); history is correct either way, only smaller once packed.
   */
  compact(budgetMs = 8): boolean {
    const t0 = performance.now();
    for (const stack of [this.undoStack, this.redoStack]) {
      for (let k = stack.length - 1; k >= 0; k--) {
        const step = stack[k]!;
        let bytes = 0;
        let packed = false;
        for (const c of step.changes) {
          if (c.raw) {
            c.before = this.pack(c.index, c.before);
            c.after = this.pack(c.index, c.after);
            c.raw = false;
            packed = true;
          }
          bytes += changeBytes(c);
        }
        if (packed) {
          this.historyBytes += bytes - step.bytes;
          step.bytes = bytes;
          if (performance.now() - t0 > budgetMs) return this.needsCompact();
        }
      }
    }
    return false;
  }

  needsCompact(): boolean {
    return (
      this.undoStack.some((st) => st.changes.some((c) => c.raw)) ||
      this.redoStack.some((st) => st.changes.some((c) => c.raw))
    );
  }

  private setTile(index: number, packed: Packed, raw = false): void {
    const T = this.tileSize;
    if (raw) this.tiles[index] = packed ? packed.slice() : null;
    else if (!packed) this.tiles[index] = null;
    else if (packed.length === 1) {
      // Uniform: fill the photo part only, so the tile's padding beyond the photo edge stays 0.
      const t = new Uint8Array(T * T);
      const tx = index % this.tilesX;
      const ty = Math.floor(index / this.tilesX);
      const w = Math.min(T, this.width - tx * T);
      const h = Math.min(T, this.height - ty * T);
      if (w === T) t.fill(packed[0]!, 0, h * T);
      else for (let y = 0; y < h; y++) t.fill(packed[0]!, y * T, y * T + w);
      this.tiles[index] = t;
    } else this.tiles[index] = unpackBits(packed, this.tiles[index] ?? new Uint8Array(T * T));
    this.markTileDirty(index);
  }

  // ---- whole-mask actions ------------------------------------------------------------------------------

  invert(): void {
    const T = this.tileSize;
    this.replaceTiles('invert', (index, tile, w, h) => {
      const out = new Uint8Array(T * T);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[y * T + x] = 255 - (tile ? tile[y * T + x]! : 0);
      }
      return out;
    });
  }

  clear(): void {
    this.replaceTiles('clear', () => null);
  }

  /** Grows the mask by `px` photo pixels (grey-level dilation by an octagon). */
  grow(px: number): void {
    this.morph('grow', Math.round(px), dilate);
  }

  /** Shrinks the mask by `px` photo pixels (grey-level erosion; the photo's border does not erode it). */
  shrink(px: number): void {
    this.morph('shrink', Math.round(px), erode);
  }

  /** Replaces the mask with `data` (width·height bytes, row-major), as one undoable step. */
  load(data: Uint8Array): void {
    if (data.length !== this.width * this.height) {
      throw new Error(
        `The mask has ${data.length} bytes; a ${this.width}x${this.height} mask needs ${this.width * this.height}.`,
      );
    }
    this.writeRegion('load', { x: 0, y: 0, width: this.width, height: this.height }, data);
  }

  /** The whole mask as width·height bytes, row-major, 255 = change. */
  toBytes(): Uint8Array {
    return this.readRegion({ x: 0, y: 0, width: this.width, height: this.height });
  }

  /** A copy of a rectangle of the mask. */
  readRegion(r: Rect): Uint8Array {
    const out = new Uint8Array(r.width * r.height);
    const T = this.tileSize;
    for (let ty = Math.floor(r.y / T); ty <= Math.floor((r.y + r.height - 1) / T); ty++) {
      for (let tx = Math.floor(r.x / T); tx <= Math.floor((r.x + r.width - 1) / T); tx++) {
        const t = this.tiles[ty * this.tilesX + tx];
        if (!t) continue;
        const x0 = Math.max(r.x, tx * T);
        const x1 = Math.min(r.x + r.width, tx * T + T);
        for (let y = Math.max(r.y, ty * T); y < Math.min(r.y + r.height, ty * T + T); y++) {
          const src = (y - ty * T) * T + (x0 - tx * T);
          out.set(t.subarray(src, src + (x1 - x0)), (y - r.y) * r.width + (x0 - r.x));
        }
      }
    }
    return out;
  }

  private morph(
    label: string,
    r: number,
    op: (buf: Uint8Array, w: number, h: number, r: number) => void,
  ): void {
    if (r <= 0) return;
    if (this.stroke) this.endStroke();
    // Work only on the bounding box of the allocated tiles, widened by r: outside it the mask is 0 and stays 0.
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
    if (tx1 < 0) return;
    const x0 = Math.max(0, tx0 * T - r);
    const y0 = Math.max(0, ty0 * T - r);
    const x1 = Math.min(this.width, (tx1 + 1) * T + r);
    const y1 = Math.min(this.height, (ty1 + 1) * T + r);
    const rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    const buf = this.readRegion(rect);
    op(buf, rect.width, rect.height, r);
    this.writeRegion(label, rect, buf);
  }

  /** Writes a region as one undoable step, recording only tiles that changed. */
  private writeRegion(label: string, r: Rect, data: Uint8Array): void {
    if (this.stroke) this.endStroke();
    const T = this.tileSize;
    const changes: TileChange[] = [];
    for (let ty = Math.floor(r.y / T); ty <= Math.floor((r.y + r.height - 1) / T); ty++) {
      for (let tx = Math.floor(r.x / T); tx <= Math.floor((r.x + r.width - 1) / T); tx++) {
        const index = ty * this.tilesX + tx;
        const before = this.tiles[index] ?? null;
        const next = before ? before.slice() : new Uint8Array(T * T);
        const x0 = Math.max(r.x, tx * T);
        const x1 = Math.min(r.x + r.width, tx * T + T);
        for (let y = Math.max(r.y, ty * T); y < Math.min(r.y + r.height, ty * T + T); y++) {
          const src = (y - r.y) * r.width + (x0 - r.x);
          next.set(data.subarray(src, src + (x1 - x0)), (y - ty * T) * T + (x0 - tx * T));
        }
        this.recordTile(changes, index, before, next);
      }
    }
    this.commitChanges(label, changes);
  }

  private replaceTiles(
    label: string,
    fn: (index: number, tile: Uint8Array | null, w: number, h: number) => Uint8Array | null,
  ): void {
    if (this.stroke) this.endStroke();
    const changes: TileChange[] = [];
    this.forEachTile((index, _tx, _ty, w, h) => {
      const before = this.tiles[index] ?? null;
      this.recordTile(changes, index, before, fn(index, before, w, h));
    });
    this.commitChanges(label, changes);
  }

  /** Replaces one tile (an all-zero tile is stored as none) and records the change, if there is one. */
  private recordTile(
    changes: TileChange[],
    index: number,
    before: Uint8Array | null,
    next: Uint8Array | null,
  ): void {
    const after = next && allZero(next) ? null : next;
    if (sameTile(before, after)) return;
    changes.push({ index, before: this.pack(index, before), after: this.pack(index, after) });
    this.tiles[index] = after;
    this.markTileDirty(index);
  }

  /** One undoable step from the recorded tile changes; nothing when no tile changed. */
  private commitChanges(label: string, changes: TileChange[]): void {
    if (!changes.length) return;
    this.push(label, changes);
    this.emit();
  }

  // ---- helpers -----------------------------------------------------------------------------------------

  private forEachTile(fn: (index: number, tx: number, ty: number, w: number, h: number) => void): void {
    const T = this.tileSize;
    for (let ty = 0; ty < this.tilesY; ty++) {
      for (let tx = 0; tx < this.tilesX; tx++) {
        fn(
          ty * this.tilesX + tx,
          tx,
          ty,
          Math.min(T, this.width - tx * T),
          Math.min(T, this.height - ty * T),
        );
      }
    }
  }

  private pack(index: number, t: Uint8Array | null): Packed {
    if (!t || allZero(t)) return null;
    // A tile uniform over its photo part (typical after invert or a big brush) is kept as one byte.
    const T = this.tileSize;
    const tx = index % this.tilesX;
    const ty = Math.floor(index / this.tilesX);
    const w = Math.min(T, this.width - tx * T);
    const h = Math.min(T, this.height - ty * T);
    const v = t[0]!;
    let uniform = true;
    for (let y = 0; y < h && uniform; y++) {
      const row = y * T;
      for (let x = 0; x < w; x++) {
        if (t[row + x] !== v) {
          uniform = false;
          break;
        }
      }
    }
    return uniform ? new Uint8Array([v]) : packBits(t);
  }

  /** Frees a tile that became all zero; returns the tile's current content. */
  private normalise(index: number): Uint8Array | null {
    const t = this.tiles[index] ?? null;
    if (t && allZero(t)) {
      this.tiles[index] = null;
      return null;
    }
    return t;
  }

  private markTileDirty(index: number): void {
    const T = this.tileSize;
    const tx = index % this.tilesX;
    const ty = Math.floor(index / this.tilesX);
    const x = tx * T;
    const y = ty * T;
    this.dirty = unionRect(this.dirty, {
      x,
      y,
      width: Math.min(T, this.width - x),
      height: Math.min(T, this.height - y),
    });
  }
}

function allZero(t: Uint8Array): boolean {
  // Check 4 bytes at a time where the buffer allows it.
  if (t.byteOffset % 4 === 0 && t.length % 4 === 0) {
    const w = new Uint32Array(t.buffer, t.byteOffset, t.length / 4);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < t.length; i++) if (t[i] !== 0) return false;
  return true;
}

function sameTile(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a) return allZero(b!);
  if (!b) return allZero(a);
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function changeBytes(c: TileChange): number {
  return (c.before?.length ?? 0) + (c.after?.length ?? 0) + 32;
}
