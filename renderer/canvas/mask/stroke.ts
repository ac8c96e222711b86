/**
 * The stroke in progress, pure TS. It keeps its own coverage buffer per tile (the max of its segments'
 * coverage, so a soft stroke does not build up where its moves overlap) and each tile as it was before the
 * stroke (the stroke paints into a copy); the visible mask is always before ⊕ coverage. Each move is rasterised as one capsule (a
 * segment with round ends, its radius interpolated for pressure) with a smoothstep soft edge, so a pixel is
 * visited once per move rather than once per overlapping dab; pixels the stroke already covers fully are
 * skipped. Committing (one undo step) is the engine's work: finish() hands it the tiles as they were.
 */
import type { MaskTiles } from './tiles';

export type BrushMode = 'paint' | 'erase';

export interface StrokeParams {
  mode: BrushMode;
  /** Brush diameter in photo pixels (at full pressure). */
  size: number;
  /** 0 = soft (falloff over the whole radius), 1 = hard (a one-pixel antialiased edge). */
  hardness: number;
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

export class StrokeRaster {
  private stroke: StrokeState | null = null;
  /** Coverage tiles of finished strokes, reused (less garbage, fewer collections while painting). */
  private coverPool: Uint8Array[] = [];

  constructor(private readonly mask: MaskTiles) {}

  get active(): boolean {
    return this.stroke !== null;
  }

  /** Whether the stroke in progress has painted anything yet. */
  get painted(): boolean {
    return this.stroke !== null && this.stroke.segments > 0;
  }

  begin(params: StrokeParams): void {
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

  /** Extends the stroke to (x, y) in photo pixels; the first call paints a dab. `pressure` 0..1 scales the size. */
  to(x: number, y: number, pressure: number): void {
    const s = this.stroke;
    if (!s) return;
    const p = Math.min(1, Math.max(0.05, pressure));
    const r = (s.params.size / 2) * p;
    const l = s.last ?? { x, y, r };
    this.segment(s, l.x, l.y, l.r, x, y, r);
    s.last = { x, y, r };
  }

  /** Ends the stroke and returns the tiles it touched as they were before it (null: no stroke). */
  finish(): Map<number, Uint8Array | null> | null {
    const s = this.stroke;
    if (!s) return null;
    this.stroke = null;
    for (const c of s.cover.values()) if (this.coverPool.length < 128) this.coverPool.push(c);
    s.cover.clear();
    return s.orig;
  }

  /** Drops the stroke in progress, restoring the tiles as they were. */
  cancel(): void {
    const orig = this.finish();
    if (!orig) return;
    for (const [index, before] of orig) {
      this.mask.tiles[index] = before;
      this.mask.markTileDirty(index);
    }
  }

  private segment(
    s: StrokeState,
    ax: number,
    ay: number,
    ar: number,
    bx: number,
    by: number,
    br: number,
  ): void {
    const m = this.mask;
    s.segments++;
    ar = Math.max(0.5, ar);
    br = Math.max(0.5, br);
    const erase = s.params.mode === 'erase';
    const soft = 1 - s.params.hardness;
    const rMax = Math.max(ar, br);
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rMax));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rMax));
    const x1 = Math.min(m.width, Math.ceil(Math.max(ax, bx) + rMax));
    const y1 = Math.min(m.height, Math.ceil(Math.max(ay, by) + rMax));
    if (x1 <= x0 || y1 <= y0) return;
    const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    m.markDirty(box);
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
    const T = m.tileSize;
    m.forTilesIn(box, (index, tx, ty) => {
      if (!s.orig.has(index)) {
        const cur = m.tiles[index] ?? null;
        if (erase && !cur) return; // nothing to erase here
        // The tile as it was stays untouched (the history and other tiles may share it): paint a copy.
        s.orig.set(index, cur);
        m.tiles[index] = cur ? cur.slice() : new Uint8Array(T * T);
      }
      const live = m.tiles[index];
      if (!live) return;
      let cover = s.cover.get(index);
      if (!cover) s.cover.set(index, (cover = this.coverPool.pop()?.fill(0) ?? new Uint8Array(T * T)));
      const orig = s.orig.get(index) ?? m.zeroTile;
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
    });
  }
}
