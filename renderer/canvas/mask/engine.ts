/**
 * The edit mask, pure TS (no DOM, no React): an 8-bit bitmap at the photo's resolution, 255 = change.
 * MaskEngine puts together its parts and is the only way to change the mask:
 * - the tiles (tiles.ts): storage, reading, dirty rectangles;
 * - the stroke in progress (stroke.ts): visible while painting, committed once on release as one undo step;
 * - the history (history.ts): undo/redo of tile diffs, bounded by a step count and a byte budget;
 * - whole-mask actions (invert, grow, shrink, clear, load) and writeRegion(), the entry point for any tool
 *   that computes a region at once (a selection): each is one undoable step of the same kind.
 * Listeners hear of every committed change, never of a stroke in progress.
 */
import { MaskHistory, type TileChange } from './history';
import { dilate, erode } from './morphology';
import { StrokeRaster, type StrokeParams } from './stroke';
import { allZero, sameTile } from './tile-bytes';
import { combineSpans } from './span-write';
import type { SpanMode, Spans } from './spans';
import { MaskTiles } from './tiles';
import type { Rect } from '../view';

export type { BrushMode, StrokeParams } from './stroke';
export type { MaskStats } from './tiles';

export interface MaskEngineOptions {
  tileSize?: number;
  /** Undo steps kept (default 200, never fewer than 100 unless the byte budget forces it). */
  maxUndoSteps?: number;
  /** Bytes of packed tile diffs kept for undo/redo (default 256 MB). */
  maxUndoBytes?: number;
}

export class MaskEngine extends MaskTiles {
  private readonly history: MaskHistory;
  private readonly stroke: StrokeRaster;
  private listeners = new Set<() => void>();

  constructor(width: number, height: number, opts: MaskEngineOptions = {}) {
    super(width, height, opts.tileSize ?? 256);
    this.history = new MaskHistory(
      Math.max(1, opts.maxUndoSteps ?? 200),
      opts.maxUndoBytes ?? 256 * 1024 * 1024,
    );
    this.stroke = new StrokeRaster(this);
  }

  // ---- observation -------------------------------------------------------------------------------------

  /** Called after every committed change (stroke release, undo, redo, actions) — never during a stroke. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get canUndo(): boolean {
    return this.history.undoDepth > 0 || this.stroke.painted;
  }
  get canRedo(): boolean {
    return this.history.redoDepth > 0;
  }
  get undoDepth(): number {
    return this.history.undoDepth;
  }
  get redoDepth(): number {
    return this.history.redoDepth;
  }
  get historyByteSize(): number {
    return this.history.byteSize;
  }

  // ---- strokes -----------------------------------------------------------------------------------------

  beginStroke(params: StrokeParams): void {
    this.endStroke();
    this.stroke.begin(params);
  }

  /** Extends the stroke to (x, y) in photo pixels (see StrokeRaster.to); `pressure` 0..1 scales the size. */
  strokeTo(x: number, y: number, pressure = 1): void {
    this.stroke.to(x, y, pressure);
  }

  /** Commits the stroke as one undo step. Returns whether it changed anything. */
  endStroke(): boolean {
    const orig = this.stroke.finish();
    if (!orig) return false;
    const changes: TileChange[] = [];
    for (const [index, before] of orig) {
      const now = this.normalise(index);
      if (sameTile(before, now)) continue;
      // The tiles themselves (never written again, tiles.ts), packed later by compact(): release copies nothing.
      changes.push({ index, before, after: now, raw: true });
    }
    return this.commit(changes);
  }

  /** Drops the stroke in progress, restoring the mask as it was. */
  cancelStroke(): void {
    this.stroke.cancel();
  }

  // ---- history -----------------------------------------------------------------------------------------

  undo(): boolean {
    return this.travel(() => this.history.undo(), 'before');
  }

  redo(): boolean {
    return this.travel(() => this.history.redo(), 'after');
  }

  private travel(take: () => TileChange[] | null, side: 'before' | 'after'): boolean {
    this.endStroke();
    const changes = take();
    if (!changes) return false;
    for (const c of changes) this.restore(c.index, c[side], c.raw);
    this.emit();
    return true;
  }

  /**
   * Packs raw tile copies left by recent strokes, for up to `budgetMs`. Returns true while work remains.
   * Call it when idle (the canvas does); history is correct either way, only smaller once packed.
   */
  compact(budgetMs = 8): boolean {
    return this.history.compact(budgetMs, (index, t) => this.pack(index, t));
  }

  needsCompact(): boolean {
    return this.history.needsCompact();
  }

  // ---- whole-mask actions ------------------------------------------------------------------------------

  invert(): void {
    const T = this.tileSize;
    this.replaceTiles((tile, w, h) => {
      const out = new Uint8Array(T * T);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[y * T + x] = 255 - (tile ? tile[y * T + x]! : 0);
      }
      return out;
    });
  }

  clear(): void {
    this.replaceTiles(() => null);
  }

  /** Grows the mask by `px` photo pixels (grey-level dilation by an octagon). */
  grow(px: number): void {
    this.morph(Math.round(px), dilate);
  }

  /** Shrinks the mask by `px` photo pixels (grey-level erosion; the photo's border does not erode it). */
  shrink(px: number): void {
    this.morph(Math.round(px), erode);
  }

  /** Replaces the mask with `data` (width·height bytes, row-major), as one undoable step. */
  load(data: Uint8Array): void {
    if (data.length !== this.width * this.height) {
      throw new Error(
        `The mask has ${data.length} bytes; a ${this.width}x${this.height} mask needs ${this.width * this.height}.`,
      );
    }
    this.writeRegion({ x: 0, y: 0, width: this.width, height: this.height }, data);
  }

  /** The whole mask as width·height bytes, row-major, 255 = change. */
  toBytes(): Uint8Array {
    return this.readRegion({ x: 0, y: 0, width: this.width, height: this.height });
  }

  /**
   * Writes a rectangle of the mask (`data`: r.width·r.height bytes, row-major; r inside the photo) as one
   * undoable step, recording only the tiles that changed. A stroke in progress is committed first.
   */
  writeRegion(r: Rect, data: Uint8Array): void {
    this.endStroke();
    const T = this.tileSize;
    const changes: TileChange[] = [];
    this.forTilesIn(r, (index) => {
      const before = this.tiles[index] ?? null;
      const next = before ? before.slice() : new Uint8Array(T * T);
      this.copyRows(index, next, r, data, false);
      const after = allZero(next) ? null : next;
      // Raw: the replaced and the new tile themselves (never written again), packed later by compact(), so
      // a region as large as the photo is written without packing a tile on the spot.
      this.putTile(changes, index, after);
    });
    this.commit(changes);
  }

  /**
   * Combines a 0/255 selection given as row spans into the mask (add, subtract, or intersect over the whole
   * photo) as one undoable step, tile by tile without a region buffer (span-write.ts). Returns whether it
   * changed anything.
   */
  writeSpans(spans: Spans, mode: SpanMode): boolean {
    this.endStroke();
    const changes: TileChange[] = [];
    combineSpans(this, spans, mode, (index, after) => this.putTile(changes, index, after));
    return this.commit(changes);
  }

  /** Puts a new tile in, recording the change (raw: by reference) unless it holds what is there. */
  private putTile(changes: TileChange[], index: number, after: Uint8Array | null): void {
    const before = this.tiles[index] ?? null;
    if (sameTile(before, after)) return;
    changes.push({ index, before, after, raw: true });
    this.tiles[index] = after;
    this.markTileDirty(index);
  }

  private morph(r: number, op: (buf: Uint8Array, w: number, h: number, r: number) => void): void {
    if (r <= 0) return;
    this.endStroke();
    // Work only on the bounding box of the allocated tiles, widened by r: outside it the mask is 0 and stays 0.
    const rect = this.allocatedRect(r);
    if (!rect) return;
    const buf = this.readRegion(rect);
    op(buf, rect.width, rect.height, r);
    this.writeRegion(rect, buf);
  }

  /** Replaces every tile by fn(tile, width and height of its photo part) as one undoable step. */
  private replaceTiles(fn: (tile: Uint8Array | null, w: number, h: number) => Uint8Array | null): void {
    this.endStroke();
    const changes: TileChange[] = [];
    this.forEachTile((index, r) => {
      const before = this.tiles[index] ?? null;
      this.recordTile(changes, index, before, fn(before, r.width, r.height));
    });
    this.commit(changes);
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

  /** One undoable step from the recorded tile changes, then the listeners; nothing when no tile changed. */
  private commit(changes: TileChange[]): boolean {
    if (!changes.length) return false;
    this.history.push(changes);
    this.emit();
    return true;
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
