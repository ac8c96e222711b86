/**
 * Banded patch files: the same PNG as before (8- or 16-bit RGBA, every row Sub-filtered, one zlib stream),
 * but deflated in bands of BAND_ROWS rows, each band ending with a full flush (the compressor's state reset
 * and the output byte-aligned), so that inflating can start at any band; and a private ancillary chunk
 * `mrIX` before IDAT that gives each band's compressed length and, per row, the columns where alpha is not 0
 * and up to MAX_SPANS runs where it is the maximum (255 or 65535). Any PNG reader decodes such a file as it
 * decoded the files before (the chunk is ancillary: readers skip it; a full-flushed stream is one valid zlib
 * stream). The flatten reads the chunk first: a row of a layer that opaque pixels of layers above hide
 * wholly is never applied, and its band, when no row of it is needed, is never inflated.
 */
import zlib, { constants as zc } from 'node:zlib';
import type { Rect } from '../../../shared/contract';
import { Adler32, deflateParts, filteredRows, pngChunk, zlibStream } from './png';
import { addBytes, over8, rowScratch } from './rgba-words';
import type { Patch, Photo } from './types';
import { directWriter, type DirectWrite } from './zlib-direct';

/** Rows per band: small enough that a partly hidden layer skips most of what is hidden, large enough that the
 * full flush after each band costs nothing measurable in size. */
export const BAND_ROWS = 16;
/** Opaque runs kept per row (the longest; fewer only make the flatten skip less, never wrongly). */
export const MAX_SPANS = 8;
const INDEX_TYPE = 'mrIX';
const INDEX_VERSION = 2;
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const IHDR = 0x49484452;
const IDAT = 0x49444154;
export const MRIX = 0x6d724958; // "mrIX"
/** Deflate bands in flight at once when encoding (each holds its own compressor). */
const DEFLATE_LANES = 4;

/** What the `mrIX` chunk says about a patch. */
export interface BandIndex {
  bandRows: number;
  /** Where each band's deflate data starts in the stream after the 2-byte zlib header, then where it ends. */
  offsets: Float64Array;
  /** Each band's deflate data's CRC-32 (so that a band read on its own is checked as the IDAT CRC checks all). */
  crcs: Uint32Array;
  /** Per row y: [2y] the first column whose alpha is not 0, [2y+1] one past the last (equal: none). */
  extent: Uint32Array;
  /** Row y's opaque runs are spans[2i], spans[2i+1] (from, to) for i in spanStart[y] .. spanStart[y+1]. */
  spanStart: Uint32Array;
  spans: Uint32Array;
}

/**
 * Row summaries of a patch's alpha, rows y0..y1 (appended to `out`, in row order): the extent of alpha > 0
 * and the longest runs of alpha = max.
 */
function summarizeRows(p: Patch, y0: number, y1: number, out: RowSummaries): void {
  const { width: w } = p.rect;
  const max = p.depth === 16 ? 65535 : 255;
  const a = p.rgba;
  const { extent, spanStart, spans } = out;
  const row: Array<[number, number]> = [];
  for (let y = y0; y < y1; y++) {
    let first = -1;
    let last = -1;
    let runFrom = -1;
    row.length = 0;
    for (let x = 0, s = y * w * 4 + 3; x <= w; x++, s += 4) {
      const v = x < w ? a[s]! : 0;
      if (v !== 0) {
        if (first < 0) first = x;
        last = x;
      }
      if (v === max) {
        if (runFrom < 0) runFrom = x;
      } else if (runFrom >= 0) {
        row.push([runFrom, x]);
        runFrom = -1;
      }
    }
    extent[2 * y] = first < 0 ? 0 : first;
    extent[2 * y + 1] = first < 0 ? 0 : last + 1;
    if (row.length > MAX_SPANS) {
      row.sort((m, n) => n[1] - n[0] - (m[1] - m[0]));
      row.length = MAX_SPANS;
      row.sort((m, n) => m[0] - n[0]);
    }
    for (const [f, t] of row) spans.push(f, t);
    spanStart[y + 1] = spans.length / 2;
  }
}

interface RowSummaries {
  extent: Uint32Array;
  spanStart: Uint32Array;
  spans: number[];
}

/**
 * The patch as a banded PNG: Sub-filtered rows, deflated at level 3 with the run-length strategy one band at
 * a time on libuv's pool, each band full-flushed; `chunks` (tEXt...) and the `mrIX` index before IDAT. The
 * main thread filters, summarises and checksums each band just before it is handed to the pool, so that
 * this work overlaps the deflating of the bands before it.
 */
export async function encodeBandedPatch(
  patch: Patch,
  chunks: Uint8Array[],
  bandRows = BAND_ROWS,
): Promise<Uint8Array> {
  const { width, height } = patch.rect;
  const nBands = Math.ceil(height / bandRows);
  const summary: RowSummaries = {
    extent: new Uint32Array(2 * height),
    spanStart: new Uint32Array(height + 1),
    spans: [],
  };
  const adler = new Adler32();
  const samplesPerRow = width * 4;
  /** Band i's filtered rows, its rows summarised and checksummed: bands are taken in order, so these are too. */
  const prepare = (i: number) => {
    const y0 = i * bandRows;
    const y1 = Math.min(height, y0 + bandRows);
    // Sub reads only the row itself, so a band filtered on its own is those rows of the whole filter.
    const rows = filteredRows(
      {
        width,
        height: y1 - y0,
        channels: 4,
        depth: patch.depth,
        pixels: patch.rgba.subarray(y0 * samplesPerRow, y1 * samplesPerRow),
      },
      'sub',
    );
    summarizeRows(patch, y0, y1, summary);
    adler.update(rows);
    return rows;
  };
  const segments = await deflateParts(nBands, DEFLATE_LANES, prepare, 3, zc.Z_RLE);
  const { extent, spanStart, spans } = summary;

  // The index: version, band rows, band count, each band's length and CRC-32; then per row its extent, its
  // count of opaque runs and the runs. Big-endian u32s, deflated as a whole.
  const words = 3 + 2 * nBands + 3 * height + spans.length;
  const index = new DataView(new ArrayBuffer(words * 4));
  let o = 0;
  const put = (v: number) => {
    index.setUint32(o, v);
    o += 4;
  };
  put(INDEX_VERSION);
  put(bandRows);
  put(nBands);
  for (const s of segments) {
    put(s.length);
    put(zlib.crc32(s));
  }
  for (let y = 0; y < height; y++) {
    put(extent[2 * y]!);
    put(extent[2 * y + 1]!);
    put(spanStart[y + 1]! - spanStart[y]!);
    for (let i = spanStart[y]!; i < spanStart[y + 1]!; i++) {
      put(spans[2 * i]!);
      put(spans[2 * i + 1]!);
    }
  }
  const indexChunk = pngChunk(INDEX_TYPE, zlib.deflateSync(new Uint8Array(index.buffer), { level: 6 }));

  const idat = zlibStream(segments, adler.value());

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = patch.depth;
  ihdr[9] = 6; // RGBA
  const parts = [
    new Uint8Array(PNG_SIGNATURE),
    pngChunk('IHDR', ihdr),
    ...chunks,
    indexChunk,
    pngChunk('IDAT', idat),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The `mrIX` chunk's data read against the image's size, or null for anything inconsistent (another version,
 * a band count or row summary that does not fit): such a file is read whole, as one without the chunk.
 * `dataLength`, when known (the whole file is at hand), must be the deflate data's length.
 */
export function parseBandIndex(
  data: Uint8Array,
  width: number,
  height: number,
  dataLength?: number,
): BandIndex | null {
  try {
    const maxBytes = 4 * (3 + 2 * height + height * (3 + 2 * MAX_SPANS));
    const raw = zlib.inflateSync(data, { maxOutputLength: maxBytes });
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let o = 0;
    const get = () => {
      if (o + 4 > raw.length) throw new Error('short');
      const v = dv.getUint32(o);
      o += 4;
      return v;
    };
    if (get() !== INDEX_VERSION) return null;
    const bandRows = get();
    const nBands = get();
    if (bandRows < 1 || nBands !== Math.ceil(height / bandRows)) return null;
    const offsets = new Float64Array(nBands + 1);
    const crcs = new Uint32Array(nBands);
    for (let i = 0; i < nBands; i++) {
      offsets[i + 1] = offsets[i]! + get();
      crcs[i] = get();
    }
    if (dataLength !== undefined && offsets[nBands] !== dataLength) return null;
    const extent = new Uint32Array(2 * height);
    const spanStart = new Uint32Array(height + 1);
    const spans: number[] = [];
    for (let y = 0; y < height; y++) {
      const f = get();
      const t = get();
      if (f > t || t > width) return null;
      extent[2 * y] = f;
      extent[2 * y + 1] = t;
      const k = get();
      if (k > MAX_SPANS) return null;
      let prev = 0;
      for (let i = 0; i < k; i++) {
        const a = get();
        const b = get();
        // Opaque runs lie inside the extent, in order, apart.
        if (a < prev || a >= b || a < f || b > t) return null;
        spans.push(a, b);
        prev = b;
      }
      spanStart[y + 1] = spans.length / 2;
    }
    if (o !== raw.length) return null;
    return { bandRows, offsets, crcs, extent, spanStart, spans: Uint32Array.from(spans) };
  } catch {
    return null;
  }
}

/** The head of a patch PNG: its IHDR and the `mrIX` chunk's data (null without one). */
export interface PatchHead {
  width: number;
  height: number;
  depth: 8 | 16;
  index: Uint8Array | null;
  /** Where the first IDAT chunk's data starts in the file, and its length. */
  idatAt: number;
  idatLength: number;
}

/**
 * Reads the chunks before the first IDAT (signature, IHDR, then any; every CRC checked). `{ need }` when the
 * bytes end before the first IDAT (read at least that many and ask again); null for anything that is not
 * such a PNG.
 */
export function readPatchHead(b: Uint8Array): PatchHead | { need: number } | null {
  if (b.length < 33) return { need: 33 };
  if (!PNG_SIGNATURE.every((v, i) => b[i] === v)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(8) !== 13 || dv.getUint32(12) !== IHDR) return null;
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const depth = b[24];
  if (depth !== 8 && depth !== 16) return null;
  let index: Uint8Array | null = null;
  let off = 8;
  for (;;) {
    if (off + 8 > b.length) return { need: off + 8 + 65536 };
    const len = dv.getUint32(off);
    const type = dv.getUint32(off + 4);
    if (type === IDAT) return { width, height, depth, index, idatAt: off + 8, idatLength: dv.getUint32(off) };
    if (off + 12 + len > b.length) return { need: off + 12 + len + 12 };
    if (zlib.crc32(b.subarray(off + 4, off + 8 + len)) !== dv.getUint32(off + 8 + len)) return null;
    if (type === MRIX) index = b.subarray(off + 8, off + 8 + len);
    off += 12 + len;
  }
}

/** Where bands first..last (inclusive) lie in the zlib stream (IDAT's data), from and to. */
export function bandBytes(index: BandIndex, first: number, last: number): { from: number; to: number } {
  return { from: 2 + index.offsets[first]!, to: 2 + index.offsets[last + 1]! };
}

/**
 * Whether `data` is exactly the deflate bytes of bands first..last (inclusive) that the index describes: its
 * length, and every band's CRC-32. Bytes of another file (one replaced since its index was read) do not match.
 */
export function bandsMatch(
  data: Uint8Array,
  index: Pick<BandIndex, 'offsets' | 'crcs'>,
  first: number,
  last: number,
): boolean {
  const base = index.offsets[first]!;
  if (data.length !== index.offsets[last + 1]! - base) return false;
  for (let b = first; b <= last; b++) {
    const band = data.subarray(index.offsets[b]! - base, index.offsets[b + 1]! - base);
    if (zlib.crc32(band) !== index.crcs[b]) return false;
  }
  return true;
}

/**
 * Bands first..last (inclusive) of a banded patch inflated on libuv's pool from `data`, their deflate bytes
 * (bandBytes of the stream): exactly their rows' bytes, or null unless every band's CRC-32 is the index's and
 * they inflate to exactly that size from exactly those bytes.
 */
export function inflateBands(
  data: Uint8Array,
  index: BandIndex,
  first: number,
  last: number,
  size: number,
): Promise<Uint8Array | null> {
  if (!bandsMatch(data, index, first, last)) return Promise.resolve(null);
  return new Promise((resolve) => {
    zlib.inflateRaw(data, bandInflateOptions(size), (err, res) =>
      resolve(err ? null : inflated(res, data, size)),
    );
  });
}

/**
 * inflateBands on the calling thread (a flatten worker's: the thread is the worker's own), with the same
 * checks; `index` holds at least the offsets and CRC-32s of bands first..last.
 */
export function inflateBandsSync(
  data: Uint8Array,
  index: Pick<BandIndex, 'offsets' | 'crcs'>,
  first: number,
  last: number,
  size: number,
): Uint8Array | null {
  if (!bandsMatch(data, index, first, last)) return null;
  try {
    return inflated(zlib.inflateRawSync(data, bandInflateOptions(size)), data, size);
  } catch {
    return null;
  }
}

/**
 * inflateBandsSync into one output buffer reused from call to call (a flatten worker inflates hundreds of
 * MB: fresh buffers for each run cost their page faults and garbage collections), through the stream's
 * handle (zlib-direct.ts). The rows returned are valid until the next call. Where node's zlib engine does
 * not offer that, each call inflates into a buffer of its own as inflateBandsSync does.
 */
export class BandInflater {
  private engine: { z: zlib.InflateRaw; write: DirectWrite | null } | null = null;
  private out = new Uint8Array(0);

  inflate(
    data: Uint8Array,
    index: Pick<BandIndex, 'offsets' | 'crcs'>,
    first: number,
    last: number,
    size: number,
  ): Uint8Array | null {
    if (!bandsMatch(data, index, first, last)) return null;
    const room = size + 64;
    if (this.out.length < room)
      this.out = new Uint8Array(Math.max(room, Math.min(2 * this.out.length, 64 << 20)));
    let e = this.engine;
    if (!e) {
      const z = zlib.createInflateRaw();
      e = { z, write: directWriter(z) };
      this.engine = e;
    } else e.z.reset();
    if (!e.write) return inflateBandsSync(data, index, first, last, size);
    const wrote = e.write(zc.Z_SYNC_FLUSH, data, 0, data.length, this.out, 0, room);
    if (!wrote) {
      this.engine = null;
      return null;
    }
    // Exactly `size` bytes out, from all of the data (nothing left after the stream's end).
    if (room - wrote[0] !== size || wrote[1] !== 0) return null;
    return this.out.subarray(0, size);
  }
}

/** One output buffer with slack (so that it also sees the data's end); more output than `size` is an error. */
function bandInflateOptions(size: number): zlib.ZlibOptions {
  const opts = {
    info: true,
    chunkSize: Math.max(64, size + 64),
    maxOutputLength: size,
    finishFlush: zc.Z_SYNC_FLUSH,
  };
  return opts as zlib.ZlibOptions;
}

/** The rows of an `info` inflate's result: exactly `size` bytes from exactly all of `data`, or null. */
function inflated(res: unknown, data: Uint8Array, size: number): Uint8Array | null {
  const { buffer, engine } = (res ?? {}) as { buffer?: Buffer; engine?: zlib.Inflate };
  if (!buffer || !engine || buffer.length !== size || engine.bytesWritten !== data.length) return null;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * For each pixel of `area` (the whole frame by default; a flatten of one rectangle maps only that), the
 * position (1-based, in stack order) of the topmost layer that is opaque there by its index's runs, 0 for
 * none: a layer numbered k changes a pixel only when this is at most k (a layer above that writes its own
 * samples exactly covers whatever k wrote). The map is area.width x area.height, row by row from area's
 * corner. Layers without an index, or whose rectangle is not inside the width x height frame, claim nothing.
 * `shared`: in a SharedArrayBuffer (for the flatten's workers).
 */
export function topOpaque(
  width: number,
  height: number,
  layers: Array<{ rect: Rect; index: BandIndex | null }>,
  shared = false,
  area: Rect = { x: 0, y: 0, width, height },
): Uint8Array | Uint16Array | Uint32Array {
  const n = layers.length;
  const bytes = n < 255 ? 1 : n < 65535 ? 2 : 4;
  const size = area.width * area.height * bytes;
  // Shared: the flatten's workers read it where it is (flatten-stripes.ts).
  const buffer = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
  const top =
    bytes === 1 ? new Uint8Array(buffer) : bytes === 2 ? new Uint16Array(buffer) : new Uint32Array(buffer);
  for (let k = 1; k <= n; k++) {
    const { rect: r, index } = layers[k - 1]!;
    if (!index || r.x < 0 || r.y < 0 || r.x + r.width > width || r.y + r.height > height) continue;
    opaqueRuns(r, index, area, (row, from, to) => {
      const at = row * area.width - area.x;
      top.fill(k, at + from, at + to);
    });
  }
  return top;
}

/**
 * Each opaque run of a layer at `rect` with this index inside `area`: its row of the area (0 at area.y) and
 * its frame columns from, to, cut to the area's (never empty).
 */
function opaqueRuns(
  rect: Rect,
  index: BandIndex,
  area: Rect,
  run: (row: number, from: number, to: number) => void,
): void {
  const ax1 = area.x + area.width;
  const y1 = Math.min(rect.height, area.y + area.height - rect.y);
  for (let y = Math.max(0, area.y - rect.y); y < y1; y++) {
    for (let i = index.spanStart[y]!; i < index.spanStart[y + 1]!; i++) {
      const from = Math.max(area.x, rect.x + index.spans[2 * i]!);
      const to = Math.min(ax1, rect.x + index.spans[2 * i + 1]!);
      if (from < to) run(rect.y + y - area.y, from, to);
    }
  }
}

/**
 * The columns of each row of `area` that the opaque runs of some layers cover, as merged intervals, the
 * layers added from the top of the stack down: before a layer's file is read at all (not even its head),
 * whether opaque pixels of the layers above hide its whole rectangle inside the area (such a layer cannot
 * change a pixel there, so a flatten of the area reads nothing of it).
 */
export class AreaCover {
  /** Per row of the area, [from, to) intervals of frame columns, in order, apart (adjacent ones merged). */
  private readonly rows: number[][];

  constructor(private readonly area: Rect) {
    this.rows = Array.from({ length: area.height }, () => []);
  }

  /** Whether every pixel of `rect` inside the area is covered (true for a rectangle that misses it). */
  hides(rect: Rect): boolean {
    const { area } = this;
    const x0 = Math.max(rect.x, area.x);
    const x1 = Math.min(rect.x + rect.width, area.x + area.width);
    const y1 = Math.min(rect.y + rect.height, area.y + area.height);
    for (let y = Math.max(rect.y, area.y); y < y1 && x0 < x1; y++) {
      const row = this.rows[y - area.y]!;
      let held = false;
      for (let i = 0; i < row.length && !held && row[i]! <= x0; i += 2) held = row[i + 1]! >= x1;
      if (!held) return false;
    }
    return true;
  }

  /** Adds the opaque runs of a layer at `rect` with this index (cut to the area). */
  add(rect: Rect, index: BandIndex): void {
    opaqueRuns(rect, index, this.area, (row, from, to) => mergeInterval(this.rows[row]!, from, to));
  }
}

/** Adds [from, to) to sorted, apart intervals, merging those it overlaps or touches. */
function mergeInterval(row: number[], from: number, to: number): void {
  let i = 0;
  while (i < row.length && row[i + 1]! < from) i += 2;
  let j = i;
  while (j < row.length && row[j]! <= to) {
    from = Math.min(from, row[j]!);
    to = Math.max(to, row[j + 1]!);
    j += 2;
  }
  row.splice(i, j - i, from, to);
}

/** Columns per tile of a Coverage's minima. */
const TILE = 32;

/**
 * topOpaque's map with, per row, the least value of each TILE columns (so a hidden row is seen quickly);
 * `x`, `y` and `height` say where the map lies in the frame (its corner at 0, 0 for a whole-frame map).
 */
export interface Coverage {
  top: Uint8Array | Uint16Array | Uint32Array;
  width: number;
  height: number;
  x: number;
  y: number;
  mins: Uint8Array | Uint16Array | Uint32Array;
  tiles: number;
}

/** The coverage of a topOpaque map of width x height, whose corner lies at x, y in the frame. */
export function coverage(
  top: Uint8Array | Uint16Array | Uint32Array,
  width: number,
  height: number,
  x = 0,
  y = 0,
): Coverage {
  const tiles = Math.ceil(width / TILE);
  const mins =
    top instanceof Uint8Array
      ? new Uint8Array(tiles * height)
      : top instanceof Uint16Array
        ? new Uint16Array(tiles * height)
        : new Uint32Array(tiles * height);
  for (let r = 0, t = 0; r < height; r++) {
    const row = r * width;
    for (let x0 = 0; x0 < width; x0 += TILE, t++) {
      let m = top[row + x0]!;
      const end = row + Math.min(width, x0 + TILE);
      for (let p = row + x0 + 1; p < end; p++) if (top[p]! < m) m = top[p]!;
      mins[t] = m;
    }
  }
  return { top, width, height, x, y, mins, tiles };
}

/**
 * Which rows of layer k (1-based) can change the image inside the coverage's area, and up to where: for row
 * y, one past the last column (of the rectangle) inside the row's extent (the whole row without an index)
 * and inside the area that no layer above covers (its top value at most k); 0 for a row with none (rows
 * outside the area have none). Null when no row has one.
 */
export function neededRows(c: Coverage, rect: Rect, index: BandIndex | null, k: number): Uint32Array | null {
  const { top, width, mins, tiles } = c;
  const ends = new Uint32Array(rect.height);
  let any = false;
  // Rows of the layer inside the area; x below is a column of the map (the frame's x - c.x).
  const y0 = Math.max(0, c.y - rect.y);
  const y1 = Math.min(rect.height, c.y + c.height - rect.y);
  const left = rect.x - c.x;
  for (let y = y0; y < y1; y++) {
    const row = (rect.y + y - c.y) * width;
    const tileRow = (rect.y + y - c.y) * tiles;
    const x0 = Math.max(0, left + (index ? index.extent[2 * y]! : 0));
    // From the right: the first uncovered pixel met is the row's end. A whole tile inside the range by its
    // minimum (then pixel by pixel inside it), else pixel by pixel.
    for (let x = Math.min(width, left + (index ? index.extent[2 * y + 1]! : rect.width)) - 1; x >= x0;) {
      if ((x + 1) % TILE === 0 && x + 1 - TILE >= x0) {
        if (mins[tileRow + (x + 1 - TILE) / TILE]! > k) {
          x -= TILE;
          continue;
        }
        while (top[row + x]! > k) x--;
      } else if (top[row + x]! > k) {
        x--;
        continue;
      }
      ends[y] = x - left + 1;
      any = true;
      break;
    }
  }
  return any ? ends : null;
}

/**
 * An 8-bit patch's Sub-filtered rows (rows y0.. of `rect`, as a band run holds them) blended onto an 8-bit
 * image as blendRows8 in patch.ts does, but only rows with an end (neededRows) and, in them, only pixels
 * from column `from` (of the rectangle) up to the end that no layer above covers (top > k). The samples
 * written are the same as blending every pixel, since a covered pixel is written again exactly by the layer
 * above. `rect` is in the image's own coordinates, as `top` is laid out like the image: for an image of one
 * rectangle of the frame, the layer's rectangle moved by that rectangle's corner (then it may start left
 * of or above the image: `from` and the ends keep the blend inside it).
 */
export function blendCoveredRows8(
  img: Photo,
  rect: Rect,
  y0: number,
  rows: Uint8Array,
  ends: Uint32Array,
  top: ArrayLike<number>,
  k: number,
  from = 0,
): void {
  const px = img.pixels as Uint8Array;
  const ch = img.channels;
  const width = img.width;
  const w = rect.width;
  const stride = w * 4;
  const { bytes: rowBytes, words: row, from: rowFrom } = rowScratch(stride, rows);
  const count = rows.length / (stride + 1);
  for (let j = 0; j < count; j++) {
    const end = ends[y0 + j]!;
    if (end === 0) continue;
    const y = y0 + j;
    const s = j * (stride + 1);
    rowFrom.copy(rowBytes, 0, s + 1, s + 1 + end * 4);
    const sub = rows[s] === 1 ? 0xffffffff : 0;
    let left = 0;
    let x = 0;
    // Left of `from`: only unfiltered (Sub adds each pixel's left neighbour), not blended.
    for (const skip = Math.min(from, end); x < skip; x++) left = addBytes(row[x]!, left & sub);
    let p = (rect.y + y) * width + rect.x + x;
    for (; x < end; x++, p++) {
      const v = addBytes(row[x]!, left & sub);
      left = v;
      if (v >>> 24 === 0 || top[p]! > k) continue;
      over8(px, p * ch, v);
    }
  }
}
