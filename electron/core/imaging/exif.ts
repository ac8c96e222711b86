/**
 * Minimal EXIF surgery for export: orientation set to 1 (the pixels are upright) and the embedded
 * thumbnail (IFD1) dropped, since it would show the photo before the edit. Everything else is kept as is.
 * For TIFF exports the block is taken apart (`exifForTiff`) so its tags can live in the TIFF's own IFDs.
 */

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** Strips a leading "Exif\0\0" if present, returning the TIFF structure. */
export function exifTiff(exif: Uint8Array): Uint8Array {
  if (exif.length >= 6 && EXIF_HEADER.every((b, i) => exif[i] === b)) return exif.subarray(6);
  return exif;
}

/** Returns a copy of the EXIF TIFF block with Orientation = 1 and no IFD1; null when it cannot be parsed. */
export function normaliseExif(exif: Uint8Array): Uint8Array | null {
  const tiff = new Uint8Array(exifTiff(exif));
  if (tiff.length < 8) return null;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  const be = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!le && !be) return null;
  const dv = new DataView(tiff.buffer);
  if (dv.getUint16(2, le) !== 42) return null;
  const ifd0 = dv.getUint32(4, le);
  if (ifd0 + 2 > tiff.length) return null;
  const n = dv.getUint16(ifd0, le);
  const end = ifd0 + 2 + n * 12;
  if (end + 4 > tiff.length) return null;
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    if (dv.getUint16(e, le) === 0x0112 && dv.getUint16(e + 2, le) === 3) dv.setUint16(e + 8, 1, le);
  }
  dv.setUint32(end, 0, le); // no IFD1 (thumbnail)
  return tiff;
}

/** Reads EXIF Orientation (1 when absent or unreadable). */
export function exifOrientation(exif: Uint8Array): number {
  const tiff = exifTiff(exif);
  if (tiff.length < 8) return 1;
  const le = tiff[0] === 0x49;
  const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd0 = dv.getUint32(4, le);
  if (ifd0 + 2 > tiff.length) return 1;
  const n = dv.getUint16(ifd0, le);
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    if (e + 12 > tiff.length) return 1;
    if (dv.getUint16(e, le) === 0x0112) return dv.getUint16(e + 8, le);
  }
  return 1;
}

/** One TIFF directory entry, its value bytes already in little-endian order (our TIFF writer's). */
export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  bytes: Uint8Array;
}

/** The original's EXIF, reorganised for our TIFF writer: every list sorted by tag, no duplicates. */
export interface ExifForTiff {
  /** IFD0's descriptive tags (Make, Model, DateTime, Artist, Copyright, …: `IFD0_KEEP`), ASCII cut at NUL. */
  ifd0: TiffEntry[];
  /** The Exif sub-IFD (0x8769), without its Interop pointer. */
  exif: TiffEntry[];
  /** The GPS sub-IFD (0x8825). */
  gps: TiffEntry[];
  /** The Interoperability IFD (0xA005, pointed to from the Exif IFD). */
  interop: TiffEntry[];
  /** IFD0's XResolution, YResolution and ResolutionUnit as found (the writer checks their types). */
  resolution: TiffEntry[];
}

export const TAG_EXIF_IFD = 0x8769;
export const TAG_GPS_IFD = 0x8825;
export const TAG_INTEROP_IFD = 0xa005;
export const TAG_ORIENTATION = 0x0112;

/** Bytes per value of TIFF field types 1..12, and the size of the unit swapped between byte orders. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];
const TYPE_UNIT = [0, 1, 1, 2, 4, 4, 1, 1, 2, 4, 4, 4, 8];

/**
 * IFD0 tags copied into the TIFF's IFD0, with the field types accepted for each. A list, not "everything but
 * the structural tags": IFD0 is what every TIFF reader parses, and libtiff warns about any tag it knows that
 * has an unexpected type or shape — sharp's default `failOn: 'warning'` then refuses the whole file. The
 * structure, resolution (see `resolution`), orientation, colour (the ICC profile says it) and pointers into
 * the source (strips, thumbnails, sub-IFDs) are the writer's business and never copied.
 */
const ASCII = [2];
const IFD0_KEEP = new Map<number, readonly number[]>([
  [269, ASCII], // DocumentName
  [270, ASCII], // ImageDescription
  [271, ASCII], // Make
  [272, ASCII], // Model
  [285, ASCII], // PageName
  [305, ASCII], // Software
  [306, ASCII], // DateTime
  [315, ASCII], // Artist
  [316, ASCII], // HostComputer
  [700, [1, 7]], // XMP packet
  [18246, [3]], // Rating (Windows)
  [18249, [3]], // RatingPercent (Windows)
  [33432, ASCII], // Copyright
  [33723, [4, 7]], // IPTC-NAA
  [40091, [1]], // XPTitle
  [40092, [1]], // XPComment
  [40093, [1]], // XPAuthor
  [40094, [1]], // XPKeywords
  [40095, [1]], // XPSubject
]);
/** Exif IFD tags that describe a compressed (JPEG) stream only; the EXIF spec leaves them out of TIFF. */
const COMPRESSED_ONLY_EXIF_TAGS = new Set([0x9101, 0x9102, 0xa002, 0xa003]);
const RESOLUTION_TAGS = new Set([282, 283, 296]);

class Source {
  readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly le: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u16(at: number): number {
    return this.dv.getUint16(at, this.le);
  }
  u32(at: number): number {
    return this.dv.getUint32(at, this.le);
  }
}

interface ParsedIfd {
  entries: TiffEntry[];
  /** Offsets of the sub-IFDs asked for (valid-looking pointer entries only). */
  pointers: Map<number, number>;
}

/** Whether a directory entry (tag, field type) is wanted; others are skipped before their value is read. */
type Want = (tag: number, type: number) => boolean;

/**
 * Reads one IFD, bounds-checked: an IFD whose table does not fit is null; an entry with an unknown type,
 * a zero count, a value outside the block or beyond the byte budget is skipped; later duplicates are dropped.
 * Values are copied and converted to little endian. `pointerTags` are returned as offsets, not entries;
 * entries `want` rejects are skipped without reading (or paying for) their value.
 */
function readIfd(
  src: Source,
  off: number,
  pointerTags: readonly number[],
  budget: { bytes: number },
  want: Want = () => true,
): ParsedIfd | null {
  const len = src.buf.length;
  if (off < 8 || off + 2 > len) return null;
  const n = src.u16(off);
  if (off + 2 + n * 12 > len) return null;
  const entries: TiffEntry[] = [];
  const pointers = new Map<number, number>();
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = off + 2 + i * 12;
    const tag = src.u16(p);
    const type = src.u16(p + 2);
    const count = src.u32(p + 4);
    if (seen.has(tag)) continue;
    seen.add(tag);
    if (pointerTags.includes(tag)) {
      // LONG or IFD (13), one value: the sub-IFD's offset.
      if ((type === 4 || type === 13) && count === 1) pointers.set(tag, src.u32(p + 8));
      continue;
    }
    if (type < 1 || type > 12 || count === 0 || !want(tag, type)) continue;
    const size = count * TYPE_SIZE[type]!; // a double: no overflow, count < 2^32
    let start = p + 8;
    if (size > 4) {
      start = src.u32(p + 8);
      if (start + size > len || size > budget.bytes) continue;
      budget.bytes -= size;
    }
    let bytes = src.buf.slice(start, start + size);
    const unit = TYPE_UNIT[type]!;
    if (!src.le && unit > 1) for (let b = 0; b < size; b += unit) bytes.subarray(b, b + unit).reverse();
    if (type === 2 && bytes[size - 1] !== 0) {
      // ASCII must end in NUL (libtiff warns otherwise): terminate it.
      const t = new Uint8Array(size + 1);
      t.set(bytes);
      bytes = t;
    }
    entries.push({ tag, type, count: type === 2 ? bytes.length : count, bytes });
  }
  entries.sort((a, b) => a.tag - b.tag);
  return { entries, pointers };
}

/** A TIFF structure's IFD0 entries (those `wantIfd0` accepts) and its Exif, GPS and Interop IFDs, all little endian. */
export interface TiffDirs {
  ifd0: TiffEntry[];
  exif: TiffEntry[];
  gps: TiffEntry[];
  interop: TiffEntry[];
}

/**
 * The shared reader of a TIFF structure — an EXIF block without its "Exif\0\0", or a whole TIFF file: the
 * header (II or MM), IFD0 (never the IFD chain after it), the Exif and GPS IFDs it points to and the Interop
 * IFD the Exif IFD points to. Each IFD is read at most once (pointer loops end there); values beyond 4 bytes
 * may total no more than `budgetBytes`. Null when the header or IFD0 is unreadable. Never throws.
 */
function readTiffDirs(tiff: Uint8Array, wantIfd0: Want, budgetBytes: number): TiffDirs | null {
  if (tiff.length < 8) return null;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  const be = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!le && !be) return null;
  const src = new Source(tiff, le);
  if (src.u16(2) !== 42) return null;
  const budget = { bytes: budgetBytes };
  const ifd0Offset = src.u32(4);
  const ifd0 = readIfd(src, ifd0Offset, [TAG_EXIF_IFD, TAG_GPS_IFD], budget, wantIfd0);
  if (!ifd0) return null;
  const visited = new Set([ifd0Offset]);
  const sub = (parent: ParsedIfd | null, tag: number, pointerTags: readonly number[]): ParsedIfd | null => {
    const at = parent?.pointers.get(tag);
    if (at === undefined || visited.has(at)) return null;
    visited.add(at);
    return readIfd(src, at, pointerTags, budget);
  };
  const exifIfd = sub(ifd0, TAG_EXIF_IFD, [TAG_INTEROP_IFD]);
  const gps = sub(ifd0, TAG_GPS_IFD, []);
  const interop = sub(exifIfd, TAG_INTEROP_IFD, []);
  return {
    ifd0: ifd0.entries,
    exif: exifIfd?.entries ?? [],
    gps: gps?.entries ?? [],
    interop: interop?.entries ?? [],
  };
}

const keptInIfd0: Want = (tag, type) =>
  Boolean(IFD0_KEEP.get(tag)?.includes(type)) || RESOLUTION_TAGS.has(tag);

/**
 * An IFD0 ASCII value cut at its first NUL: libtiff warns about NULs inside (cameras pad Make and Model
 * with them), and sharp's default `failOn: 'warning'` would refuse the file.
 */
function oneString(e: TiffEntry): TiffEntry {
  if (e.type !== 2) return e;
  const end = e.bytes.indexOf(0);
  return end === e.bytes.length - 1 ? e : { ...e, count: end + 1, bytes: e.bytes.slice(0, end + 1) };
}

/**
 * The EXIF block (as sharp gives it, "Exif\0\0" optional; II or MM) taken apart for writing into a TIFF:
 * IFD0's descriptive tags, the Exif, GPS and Interop IFDs, values relocated and converted to little endian
 * (Exif tags that only describe a JPEG stream — ComponentsConfiguration, PixelX/YDimension — are left out).
 * Anything broken is skipped (an unreadable sub-IFD, a looping pointer, an out-of-range value); null when
 * the header or IFD0 is unreadable or nothing is left. Work is bounded: at most four IFDs, each read once,
 * and values (beyond 4 bytes) totalling no more than the block's own size. Never throws on bad input.
 */
export function exifForTiff(exif: Uint8Array): ExifForTiff | null {
  const tiff = exifTiff(exif);
  // Genuine values do not overlap, so together they fit in the block; hostile ones that all point at the
  // same bytes would otherwise multiply the output.
  const dirs = readTiffDirs(tiff, keptInIfd0, tiff.length);
  if (!dirs) return null;
  const out: ExifForTiff = {
    ifd0: dirs.ifd0.filter((e) => IFD0_KEEP.has(e.tag)).map(oneString),
    exif: dirs.exif.filter((e) => !COMPRESSED_ONLY_EXIF_TAGS.has(e.tag)),
    gps: dirs.gps,
    interop: dirs.interop,
    resolution: dirs.ifd0.filter((e) => RESOLUTION_TAGS.has(e.tag)),
  };
  if (!out.ifd0.length && !out.exif.length && !out.gps.length) return null;
  return out;
}

/** Values read from a TIFF file's metadata at most (bytes beyond 4 per entry): a megabyte. */
const FILE_METADATA_BUDGET = 2 ** 20;

/**
 * A TIFF file's own metadata (libvips does not give it as EXIF): IFD0's descriptive tags (`IFD0_KEEP`, ASCII
 * cut at NUL), its resolution, its Orientation (a SHORT 1..8) and the Exif, GPS and Interop IFDs, little
 * endian, each list sorted. The file's structure (strips, tiles, colour, ICC, Photoshop data, …) is never read
 * beyond its directory entry. Null when the header or IFD0 is unreadable or nothing descriptive is there.
 * Bounded (the shared reader: four IFDs at most, values up to a megabyte in all); never throws on bad input.
 */
export function tiffFileMetadata(file: Uint8Array): TiffDirs | null {
  const want: Want = (tag, type) => keptInIfd0(tag, type) || (tag === TAG_ORIENTATION && type === 3);
  const dirs = readTiffDirs(file, want, Math.min(file.length, FILE_METADATA_BUDGET));
  if (!dirs) return null;
  const ifd0 = dirs.ifd0
    .filter((e) => {
      if (e.tag !== TAG_ORIENTATION) return true;
      const v = e.bytes[0]! | (e.bytes[1]! << 8);
      return e.count === 1 && v >= 1 && v <= 8;
    })
    .map(oneString);
  if (!ifd0.some((e) => IFD0_KEEP.has(e.tag)) && !dirs.exif.length && !dirs.gps.length) return null;
  return { ...dirs, ifd0 };
}
