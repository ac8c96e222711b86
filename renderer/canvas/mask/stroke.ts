/**
 * The stroke in progress, pure TS. It keeps its own coverage buffer per tile (the max of its segments'
 * coverage, so a soft stroke does not build up where its moves overlap) and each tile as it was before the
 * stroke (the stroke paints into a copy); the visible mask is always before ⊕ coverage. Each move is rasterised as one capsule (a
 * segment with round ends, its radius interpolated for pressure) with a smoothstep soft edge, so a pixel is
 * visited once per move rather than once per overlapping dab. Each row visits only its run across the
 * capsule (capsuleRow) and fills the run across its core, where coverage is 255, without testing pixels; in
 * the soft edge, pixels the stroke already covers fully are skipped. Committing (one undo step) is the engine's work: finish() hands it the tiles as they were.
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
  /** A row's run [from, to) relative to the segment's start (capsuleRow's output). */
  private readonly run = new Float64Array(2);
  /** The tiles of one band of the segment's box, by column: painted copy (null: skipped), coverage, before. */
  private readonly lives: (Uint8Array | null)[] = [];
  private readonly covers: Uint8Array[] = [];
  private readonly origs: Uint8Array[] = [];

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
    const len = invLen2 > 0 ? Math.sqrt(len2) : 0;
    const run = this.run;
    const dr = br - ar;
    const rMax2 = rMax * rMax;
    // Constant radius (mouse): the core and edge thresholds are the same for every pixel.
    const cw = Math.max(1, ar * soft);
    const cInner = ar - cw;
    const cInner2 = cInner > 0 ? cInner * cInner : -1;
    const cInvW = 1 / cw;
    const constR = Math.abs(dr) < 1e-6;
    const T = m.tileSize;
    const tx0 = Math.floor(x0 / T);
    const tx1 = Math.floor((x1 - 1) / T);
    const cols = tx1 - tx0 + 1;
    const lives = this.lives;
    const covers = this.covers;
    const origs = this.origs;
    for (let ty = Math.floor(y0 / T); ty <= Math.floor((y1 - 1) / T); ty++) {
      // This band's tiles, made ready once (the stroke paints into a copy of each, see below).
      for (let c = 0; c < cols; c++) {
        const index = ty * m.tilesX + tx0 + c;
        lives[c] = null;
        if (!s.orig.has(index)) {
          const cur = m.tiles[index] ?? null;
          if (erase && !cur) continue; // nothing to erase here
          // The tile as it was stays untouched (the history and other tiles may share it): paint a copy.
          s.orig.set(index, cur);
          m.tiles[index] = cur ? cur.slice() : new Uint8Array(T * T);
        }
        const live = m.tiles[index];
        if (!live) continue;
        let cover = s.cover.get(index);
        if (!cover) s.cover.set(index, (cover = this.coverPool.pop()?.fill(0) ?? new Uint8Array(T * T)));
        lives[c] = live;
        covers[c] = cover;
        origs[c] = s.orig.get(index) ?? m.zeroTile;
      }
      const tby = ty * T;
      const ry1 = Math.min(y1, tby + T);
      for (let y = Math.max(y0, tby); y < ry1; y++) {
        const py = y + 0.5 - ay;
        // Only the pixels of this row near the capsule of radius rMax are visited (one run, a capsule being
        // convex); the core, where coverage is 255 whatever the pixel, is filled as a run. The runs are
        // widened (outer) and narrowed (core) by a pixel, so the pixels at their ends take the per-pixel test
        // below and the result is the same as testing every pixel of the box. The runs are found once per
        // row of the box and cut at the tiles' edges.
        if (!capsuleRow(py, dx, dy, len, rMax, run)) continue;
        const xs = Math.max(x0, Math.floor(run[0]! + ax - 0.5));
        const xe = Math.min(x1, Math.ceil(run[1]! + ax - 0.5) + 1);
        if (xe <= xs) continue;
        let cs = xe;
        let ce = xe;
        if (constR && cInner > 0 && capsuleRow(py, dx, dy, len, cInner, run)) {
          cs = Math.max(xs, Math.ceil(run[0]! + ax - 0.5) + 1);
          ce = Math.min(xe, Math.floor(run[1]! + ax - 0.5));
          if (ce <= cs) cs = ce = xe;
        }
        const rowInTile = (y - tby) * T;
        for (let c = Math.floor(xs / T) - tx0; c <= Math.floor((xe - 1) / T) - tx0; c++) {
          const live = lives[c];
          if (!live) continue;
          const cover = covers[c]!;
          const orig = origs[c]!;
          const tbx = (tx0 + c) * T;
          const row = rowInTile - tbx;
          const txs = Math.max(xs, tbx);
          const txe = Math.min(xe, tbx + T);
          const tcs = Math.min(txe, Math.max(cs, txs));
          const tce = Math.max(tcs, Math.min(ce, txe));
          if (tce > tcs) {
            cover.fill(255, row + tcs, row + tce);
            live.fill(erase ? 0 : 255, row + tcs, row + tce);
          }
          for (let part = 0; part < 2; part++) {
            const from = part === 0 ? txs : tce;
            const to = part === 0 ? tcs : txe;
            for (let x = from; x < to; x++) {
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
              live[i] = erase ? div255(o * (255 - c) + 127) : o + div255((255 - o) * c + 127);
            }
          }
        }
      }
    }
  }
}

/**
 * ⌊n / 255⌋ for 0 ≤ n < 65535 in integer operations (the blend's division, exact over that range: a unit test
 * checks every value; n is at most 255·255 + 127 here). A floating-point division per pixel cost about a
 * tenth of a move's time.
 */
export function div255(n: number): number {
  return (n + 1 + (n >> 8)) >> 8;
}

/**
 * Where the row at height `py` crosses the capsule of radius `r` around the segment from (0, 0) to (dx, dy)
 * (`len` its length, 0 for a dot): the open interval of x within r of the segment, written to out[0..1].
 * A capsule is convex, so the interval is the hull of the row's crossings with its two end discs and with
 * the band between them. False when the row misses it.
 */
export function capsuleRow(
  py: number,
  dx: number,
  dy: number,
  len: number,
  r: number,
  out: Float64Array,
): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  const r2 = r * r;
  const a = r2 - py * py;
  if (a > 0) {
    const h = Math.sqrt(a);
    lo = -h;
    hi = h;
  }
  const qy = py - dy;
  const b = r2 - qy * qy;
  if (b > 0) {
    const h = Math.sqrt(b);
    lo = Math.min(lo, dx - h);
    hi = Math.max(hi, dx + h);
  }
  if (len > 0) {
    // The band: the projection on the segment within it (0 ≤ x·dx + py·dy ≤ len²) and the distance to its
    // line below r (|x·dy − py·dx| < r·len).
    let tlo = -Infinity;
    let thi = Infinity;
    const len2 = len * len;
    if (dx !== 0) {
      const u = (-py * dy) / dx;
      const v = (len2 - py * dy) / dx;
      tlo = Math.min(u, v);
      thi = Math.max(u, v);
    } else if (py * dy < 0 || py * dy > len2) tlo = thi = NaN;
    let plo = -Infinity;
    let phi = Infinity;
    if (dy !== 0) {
      const u = (py * dx - r * len) / dy;
      const v = (py * dx + r * len) / dy;
      plo = Math.min(u, v);
      phi = Math.max(u, v);
    } else if (Math.abs(py * dx) >= r * len) plo = phi = NaN;
    const l = Math.max(tlo, plo);
    const h = Math.min(thi, phi);
    if (l < h) {
      lo = Math.min(lo, l);
      hi = Math.max(hi, h);
    }
  }
  if (!(lo < hi)) return false;
  out[0] = lo;
  out[1] = hi;
  return true;
}
