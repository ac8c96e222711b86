/**
 * A baseline TIFF writer (8 or 16 bit; RGB or RGBA, or grey with or without alpha for a save back into a
 * greyscale file; deflate + horizontal predictor, ICC profile tag, EXIF: IFD0's descriptive tags plus Exif,
 * GPS and Interop sub-IFDs, relocated from the original's block).
 * Ours because sharp's TIFF output is always 8 bit; a 16-bit original must export as 16 bit.
 */
import zlib from 'node:zlib';
import {
  TAG_EXIF_IFD,
  TAG_GPS_IFD,
  TAG_INTEROP_IFD,
  TAG_ORIENTATION,
  exifForTiff,
  tiffFileMetadata,
  type ExifForTiff,
  type TiffDirs,
  type TiffEntry,
} from './exif';
import type { ExportSink } from './export-sink';

export interface TiffInput {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  depth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
  icc?: Uint8Array | null;
  /** The original's EXIF block (as sharp gives it): its tags are written into the TIFF, orientation 1. */
  exif?: Uint8Array | null;
}

/** An IFD entry: SHORT, LONG or RATIONAL numbers (a rational is two LONGs), or bytes written as they are. */
type Entry = { tag: number; type: number; count: number; value: number[] | Uint8Array };
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const UNDEFINED = 7;

/** Rows per strip: about 256 KB of samples, at least one row. */
function rowsPerStripOf(img: TiffInput): number {
  const rowBytes = img.width * img.channels * (img.depth / 8);
  return Math.max(1, Math.min(img.height, Math.floor((256 * 1024) / rowBytes) || 1));
}

/** The strips in order, each deflated on its own (horizontal predictor first). */
function* tiffStrips(img: TiffInput): Generator<Uint8Array> {
  const { width, height, channels, depth, pixels } = img;
  const bps = depth / 8;
  const rowSamples = width * channels;
  const rowsPerStrip = rowsPerStripOf(img);
  for (let y0 = 0; y0 < height; y0 += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, height - y0);
    const buf = new Uint8Array(rows * rowSamples * bps);
    const dv = new DataView(buf.buffer);
    for (let r = 0; r < rows; r++) {
      const base = (y0 + r) * rowSamples;
      for (let i = 0; i < rowSamples; i++) {
        // Horizontal predictor (2): each sample minus the same channel's previous sample, modulo 2^depth.
        const v = pixels[base + i]!;
        const prev = i >= channels ? pixels[base + i - channels]! : 0;
        if (depth === 8) buf[r * rowSamples + i] = (v - prev) & 0xff;
        else dv.setUint16((r * rowSamples + i) * 2, (v - prev) & 0xffff, true);
      }
    }
    yield zlib.deflateSync(buf, { level: 6 });
  }
}

/** The little-endian TIFF header pointing at the first IFD. */
function tiffHeader(ifd0At: number): Uint8Array {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifd0At, true);
  return out;
}

/**
 * The IFDs that follow the strips (which start at offset 8), laid out from `off`, the end of the strips:
 * returns the bytes from `off` on and the first IFD's offset.
 */
function tiffDirectory(
  img: TiffInput,
  stripLengths: number[],
  off: number,
): { bytes: Uint8Array; ifd0At: number } {
  const { width, channels, depth } = img;
  const rowsPerStrip = rowsPerStripOf(img);
  const meta = img.exif ? safeExifForTiff(img.exif) : null;
  const stripOffsets: number[] = [];
  let at = 8;
  for (const n of stripLengths) {
    stripOffsets.push(at);
    at += n;
  }
  const entries: Entry[] = [
    { tag: 256, type: LONG, count: 1, value: [width] },
    { tag: 257, type: LONG, count: 1, value: [img.height] },
    { tag: 258, type: SHORT, count: channels, value: new Array<number>(channels).fill(depth) },
    { tag: 259, type: SHORT, count: 1, value: [8] }, // Adobe deflate
    { tag: 262, type: SHORT, count: 1, value: [channels <= 2 ? 1 : 2] }, // BlackIsZero grey, or RGB
    { tag: 273, type: LONG, count: stripOffsets.length, value: stripOffsets },
    { tag: 277, type: SHORT, count: 1, value: [channels] },
    { tag: 278, type: LONG, count: 1, value: [rowsPerStrip] },
    { tag: 279, type: LONG, count: stripLengths.length, value: stripLengths },
    { tag: 284, type: SHORT, count: 1, value: [1] }, // chunky
    { tag: 317, type: SHORT, count: 1, value: [2] }, // horizontal predictor
  ];
  if (channels === 2 || channels === 4) entries.push({ tag: 338, type: SHORT, count: 1, value: [2] }); // unassociated alpha
  entries.push({ tag: 339, type: SHORT, count: channels, value: new Array<number>(channels).fill(1) });
  if (img.icc) entries.push({ tag: 34675, type: UNDEFINED, count: img.icc.length, value: img.icc });
  entries.push(...resolution(meta?.resolution ?? []));

  // EXIF: IFD0's descriptive tags join ours (ours win), Orientation is 1 (the pixels are upright), and the
  // Exif / GPS / Interop IFDs are written as sub-IFDs, their pointers filled in once the layout is known.
  const sub: SubIfds = { exif: [], gps: [], interop: [] };
  if (meta) {
    const owned = new Set(entries.map((e) => e.tag));
    for (const e of meta.ifd0) if (!owned.has(e.tag)) entries.push(fromExif(e));
    entries.push({ tag: TAG_ORIENTATION, type: SHORT, count: 1, value: [1] });
    sub.exif = meta.exif.map(fromExif);
    sub.gps = meta.gps.map(fromExif);
    sub.interop = meta.interop.map(fromExif);
  }
  const { blocks, ifd0At, end } = layoutIfds(entries, sub, off);
  const bytes = new Uint8Array(end - off);
  const dv = new DataView(bytes.buffer);
  for (const b of blocks) writeIfd(bytes, dv, b.entries, b.at, off);
  return { bytes, ifd0At };
}

/** The TIFF in memory. Layout: header, pixel strips, IFD0, then the sub-IFDs. */
export function encodeTiff(img: TiffInput): Uint8Array {
  const strips = [...tiffStrips(img)];
  const off = 8 + strips.reduce((n, s) => n + s.length, 0);
  const dir = tiffDirectory(
    img,
    strips.map((s) => s.length),
    off,
  );
  const out = new Uint8Array(off + dir.bytes.length);
  out.set(tiffHeader(dir.ifd0At));
  let at = 8;
  for (const s of strips) {
    out.set(s, at);
    at += s.length;
  }
  out.set(dir.bytes, off);
  return out;
}

/**
 * The same file as encodeTiff, streamed into `sink`: each strip is written as soon as it is deflated, the
 * IFDs after them, and the header's first-IFD offset filled in last. `onProgress`: rows written of all.
 */
export async function writeTiff(
  img: TiffInput,
  sink: ExportSink,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  await sink.write(tiffHeader(0));
  const lengths: number[] = [];
  let off = 8;
  const rowsPerStrip = rowsPerStripOf(img);
  for (const s of tiffStrips(img)) {
    await sink.write(s);
    lengths.push(s.length);
    off += s.length;
    onProgress?.(Math.min(img.height, lengths.length * rowsPerStrip), img.height);
  }
  const dir = tiffDirectory(img, lengths, off);
  await sink.write(dir.bytes);
  await sink.patch(0, tiffHeader(dir.ifd0At));
}

type SubIfds = { exif: Entry[]; gps: Entry[]; interop: Entry[] };
interface Block {
  entries: Entry[];
  at: number;
}

/**
 * Lays out IFD0 and then the non-empty sub-IFDs from `off`, adding their pointers (Exif and GPS to IFD0,
 * Interop to the Exif IFD, which then exists even if it was empty). Each IFD is its table, sorted,
 * followed by its out-of-line values, everything on even offsets. Returns the blocks for `writeIfd`.
 */
function layoutIfds(
  ifd0: Entry[],
  sub: SubIfds,
  off: number,
): { blocks: Block[]; ifd0At: number; end: number } {
  const pointers: { entry: Entry; ifd: keyof SubIfds }[] = [];
  const link = (list: Entry[], tag: number, ifd: keyof SubIfds) => {
    if (!sub[ifd].length) return;
    const entry: Entry = { tag, type: LONG, count: 1, value: [0] };
    list.push(entry);
    pointers.push({ entry, ifd });
  };
  link(sub.exif, TAG_INTEROP_IFD, 'interop');
  link(ifd0, TAG_EXIF_IFD, 'exif');
  link(ifd0, TAG_GPS_IFD, 'gps');
  const blocks: Block[] = [];
  const place = (list: Entry[]) => {
    list.sort((a, b) => a.tag - b.tag);
    if (off % 2) off++;
    blocks.push({ entries: list, at: off });
    off += blockSize(list);
    return blocks[blocks.length - 1]!.at;
  };
  const ifd0At = place(ifd0);
  const at = { exif: 0, gps: 0, interop: 0 };
  for (const k of ['exif', 'gps'] as const) if (sub[k].length) at[k] = place(sub[k]);
  if (sub.exif.length && sub.interop.length) at.interop = place(sub.interop);
  for (const p of pointers) p.entry.value = [at[p.ifd]];
  return { blocks, ifd0At, end: off };
}

/** Largest EXIF block (with "Exif\0\0") that fits a JPEG APP1 segment. */
export const EXIF_BLOCK_MAX = 65533;

/**
 * A TIFF file's own metadata (`tiffFileMetadata`: IFD0's descriptive tags, resolution and Orientation, the
 * Exif, GPS and Interop IFDs) as a standard EXIF block: "Exif\0\0", a little-endian TIFF header, IFD0, then
 * the sub-IFDs, values relocated. Used as `Photo.exif` for TIFF sources, which libvips gives no EXIF for.
 * At most `EXIF_BLOCK_MAX` bytes: when the tags do not fit, the costliest entries (XMP, MakerNote, …) are
 * left out first. Null when the file has no readable metadata. Bounded; never throws.
 */
export function exifFromTiffFile(file: Uint8Array): Uint8Array | null {
  let meta: TiffDirs | null;
  try {
    meta = tiffFileMetadata(file);
  } catch {
    return null;
  }
  if (!meta) return null;
  const ifd0 = meta.ifd0.map(fromExif);
  const sub: SubIfds = {
    exif: meta.exif.map(fromExif),
    gps: meta.gps.map(fromExif),
    interop: meta.interop.map(fromExif),
  };
  fitExif([ifd0, sub.exif, sub.gps, sub.interop], EXIF_BLOCK_MAX - 6);
  if (!ifd0.length && !sub.exif.length && !sub.gps.length) return null;
  const { blocks, ifd0At, end } = layoutIfds(ifd0, sub, 8);
  const tiff = new Uint8Array(end);
  const dv = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49]);
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifd0At, true);
  for (const b of blocks) writeIfd(tiff, dv, b.entries, b.at);
  const out = new Uint8Array(6 + end);
  out.set([0x45, 0x78, 0x69, 0x66, 0, 0]); // "Exif\0\0"
  out.set(tiff, 6);
  return out;
}

/**
 * Removes entries, costliest first (12 bytes of table plus the padded value), until the IFDs, their pointers
 * and the TIFF header fit in `max` bytes. O(n log n) in the number of entries.
 */
function fitExif(lists: Entry[][], max: number): void {
  const cost = (e: Entry) => {
    const s = valueSize(e);
    return 12 + (s > 4 ? s + (s % 2) : 0);
  };
  // Header, then per IFD its count, next-IFD offset and alignment byte; three pointer entries at most.
  let total = 8 + lists.length * 7 + 3 * 12;
  const all: { e: Entry; list: number; cost: number }[] = [];
  lists.forEach((list, i) => {
    for (const e of list) {
      const c = cost(e);
      total += c;
      all.push({ e, list: i, cost: c });
    }
  });
  if (total <= max) return;
  all.sort((a, b) => b.cost - a.cost);
  const drop = new Set<Entry>();
  for (const x of all) {
    if (total <= max) break;
    drop.add(x.e);
    total -= x.cost;
  }
  for (const list of lists) {
    const kept = list.filter((e) => !drop.has(e));
    list.length = 0;
    list.push(...kept);
  }
}

/** An EXIF entry as ours: its bytes are already little endian and are written as they are. */
function fromExif(e: TiffEntry): Entry {
  return { tag: e.tag, type: e.type, count: e.count, value: e.bytes };
}

/** EXIF never fails an export: whatever cannot be read is left out. */
function safeExifForTiff(exif: Uint8Array): ExifForTiff | null {
  try {
    return exifForTiff(exif);
  } catch {
    return null;
  }
}

/** XResolution, YResolution, ResolutionUnit (baseline-required): the original's when well formed, else 72 dpi. */
function resolution(found: TiffEntry[]): Entry[] {
  const get = (tag: number, type: number, bytes: number) =>
    found.find((e) => e.tag === tag && e.type === type && e.count === 1 && e.bytes.length === bytes);
  const rational = (e: TiffEntry | undefined) => {
    if (!e) return null;
    const dv = new DataView(e.bytes.buffer, e.bytes.byteOffset, 8);
    const num = dv.getUint32(0, true);
    const den = dv.getUint32(4, true);
    return num > 0 && den > 0 ? [num, den] : null;
  };
  const x = rational(get(282, RATIONAL, 8));
  const y = rational(get(283, RATIONAL, 8));
  const unitEntry = get(296, SHORT, 2);
  const unit = unitEntry ? unitEntry.bytes[0]! | (unitEntry.bytes[1]! << 8) : 2;
  const ok = x && y && unit >= 1 && unit <= 3;
  return [
    { tag: 282, type: RATIONAL, count: 1, value: ok ? x : [72, 1] },
    { tag: 283, type: RATIONAL, count: 1, value: ok ? y : [72, 1] },
    { tag: 296, type: SHORT, count: 1, value: [ok ? unit : 2] },
  ];
}

function valueSize(e: Entry): number {
  if (e.value instanceof Uint8Array) return e.value.length;
  return e.count * (e.type === SHORT ? 2 : e.type === RATIONAL ? 8 : 4);
}

/** Bytes of an IFD: count, 12-byte entries, next-IFD offset, then values over 4 bytes (each padded to even). */
function blockSize(entries: Entry[]): number {
  let n = 2 + entries.length * 12 + 4;
  for (const e of entries) {
    const s = valueSize(e);
    if (s > 4) n += s + (s % 2);
  }
  return n;
}

/** Writes an IFD placed at file offset `at` into `out`, which holds the file from offset `base` on. */
function writeIfd(out: Uint8Array, dv: DataView, entries: Entry[], at: number, base = 0): void {
  const writeValues = (e: Entry, to: number) => {
    if (e.value instanceof Uint8Array) out.set(e.value, to - base);
    else
      e.value.forEach((v, i) => {
        if (e.type === SHORT) dv.setUint16(to - base + i * 2, v, true);
        else dv.setUint32(to - base + i * 4, v, true);
      });
  };
  dv.setUint16(at - base, entries.length, true);
  let ext = at + 2 + entries.length * 12 + 4;
  entries.forEach((e, i) => {
    const p = at - base + 2 + i * 12;
    dv.setUint16(p, e.tag, true);
    dv.setUint16(p + 2, e.type, true);
    dv.setUint32(p + 4, e.count, true);
    const s = valueSize(e);
    if (s > 4) {
      dv.setUint32(p + 8, ext, true);
      writeValues(e, ext);
      ext += s + (s % 2);
    } else writeValues(e, at + 2 + i * 12 + 8);
  });
  dv.setUint32(at - base + 2 + entries.length * 12, 0, true); // no next IFD
}
