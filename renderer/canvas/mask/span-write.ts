/**
 * A span selection (spans.ts) combined into the tiles band by band (a band = one row of tiles), without a
 * region buffer: each tile is first classed from the spans alone as untouched, fully covered (every photo
 * row of the tile covered edge to edge) or partly covered. Only partly covered tiles are copied and written
 * (TypedArray.fill per span, or a copy of the kept spans for intersect); a fully covered tile becomes the
 * shared all-255 tile (add) or none (subtract), an untouched one none (intersect). So a selection costs in
 * proportion to its outline, not its area. Tiles are never written in place (tiles.ts), so `before` is
 * read, never changed.
 */
import { allZero } from './tile-bytes';
import type { MaskTiles } from './tiles';
import type { SpanMode, Spans } from './spans';

/** Calls put(index, after) for every tile the selection may change (after: null = all zero). */
export function combineSpans(
  m: MaskTiles,
  s: Spans,
  mode: SpanMode,
  put: (index: number, after: Uint8Array | null) => void,
): void {
  const { tileSize: T, width: W, height: H, tilesX: nx } = m;
  const { start, xs } = s;
  const all = mode === 'intersect';
  if (!all && s.rows === 0) return;
  const fullRows = new Int32Array(nx);
  const touched = new Uint8Array(nx);
  const bufs: (Uint8Array | null)[] = new Array<Uint8Array | null>(nx).fill(null);
  const ty0 = all ? 0 : Math.floor(s.y / T);
  const ty1 = all ? m.tilesY - 1 : Math.floor((s.y + s.rows - 1) / T);
  for (let ty = ty0; ty <= ty1; ty++) {
    const by0 = ty * T;
    const bh = Math.min(H, by0 + T) - by0;
    // The selection's rows inside this band.
    const j0 = Math.max(0, by0 - s.y);
    const j1 = Math.min(s.rows, by0 + bh - s.y);
    fullRows.fill(0);
    touched.fill(0);
    for (let j = j0; j < j1; j++) {
      for (let k = start[j]!; k < start[j + 1]!; k += 2) {
        const a = xs[k]!;
        const b = xs[k + 1]!;
        for (let tx = (a / T) | 0, last = ((b - 1) / T) | 0; tx <= last; tx++) {
          const x0 = tx * T;
          if (a <= x0 && b >= Math.min(W, x0 + T)) fullRows[tx]!++;
          else touched[tx] = 1;
        }
      }
    }
    const row = ty * nx;
    let partial = false;
    for (let tx = 0; tx < nx; tx++) {
      bufs[tx] = null;
      if (!touched[tx] && (fullRows[tx] === 0 || fullRows[tx] === bh)) continue;
      const before = m.tiles[row + tx] ?? null;
      // Subtracting from or intersecting with an empty tile leaves it empty.
      if (mode === 'add') bufs[tx] = before ? before.slice() : new Uint8Array(T * T);
      else if (before) bufs[tx] = mode === 'subtract' ? before.slice() : new Uint8Array(T * T);
      if (bufs[tx]) partial = true;
    }
    if (partial) {
      for (let j = j0; j < j1; j++) {
        const ro = (s.y + j - by0) * T;
        for (let k = start[j]!; k < start[j + 1]!; k += 2) {
          const a = xs[k]!;
          const b = xs[k + 1]!;
          for (let tx = (a / T) | 0, last = ((b - 1) / T) | 0; tx <= last; tx++) {
            const buf = bufs[tx];
            if (!buf) continue;
            const x0 = tx * T;
            const p = ro + Math.max(a, x0) - x0;
            const q = ro + Math.min(b, x0 + T) - x0;
            if (mode === 'add') buf.fill(255, p, q);
            else if (mode === 'subtract') buf.fill(0, p, q);
            else buf.set(m.tiles[row + tx]!.subarray(p, q), p);
          }
        }
      }
    }
    for (let tx = 0; tx < nx; tx++) {
      const index = row + tx;
      const buf = bufs[tx];
      if (buf) put(index, mode !== 'add' && allZero(buf) ? null : buf);
      else if (fullRows[tx] === bh) {
        if (mode === 'add') put(index, m.fullTile(index));
        else if (mode === 'subtract') put(index, null);
      } else if (all && !touched[tx] && fullRows[tx] === 0) put(index, null);
    }
  }
}
