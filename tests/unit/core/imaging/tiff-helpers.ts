/**
 * TIFF test helpers. A tiny TIFF reader, independent of the implementation: IFD0 and the Exif, GPS and Interop IFDs of
 * a TIFF file or an EXIF block ("Exif\0\0" optional), values decoded to JS values, both byte orders. It also
 * checks the structure (sorted tags, values inside the file, sub-IFDs terminated) and throws when it is bad.
 */
import sharp from 'sharp';
import { expect } from 'vitest';

export type Value = string | number[];
export interface Field {
  type: number;
  count: number;
  value: Value;
}
export type Ifd = Map<number, Field>;
export interface ReadTiff {
  le: boolean;
  ifd0: Ifd;
  exif: Ifd | null;
  gps: Ifd | null;
  interop: Ifd | null;
}

export const SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

export function readTiff(bytes: Uint8Array): ReadTiff {
  const b = bytes[0] === 0x45 ? bytes.subarray(6) : bytes; // "Exif\0\0"
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  if (!le && b[0] !== 0x4d) throw new Error('byte order');
  if (dv.getUint16(2, le) !== 42) throw new Error('magic');
  const readIfd = (off: number): { ifd: Ifd; next: number } => {
    const n = dv.getUint16(off, le);
    if (off + 2 + n * 12 + 4 > b.length) throw new Error(`IFD at ${off} outside the file`);
    const ifd: Ifd = new Map();
    let last = -1;
    for (let i = 0; i < n; i++) {
      const p = off + 2 + i * 12;
      const tag = dv.getUint16(p, le);
      if (tag <= last) throw new Error(`tags not sorted: ${tag} after ${last}`);
      last = tag;
      const type = dv.getUint16(p + 2, le);
      const count = dv.getUint32(p + 4, le);
      const size = count * SIZE[type]!;
      const at = size > 4 ? dv.getUint32(p + 8, le) : p + 8;
      if (at + size > b.length) throw new Error(`tag ${tag} value outside the file`);
      const v: number[] = [];
      for (let k = 0; k < count; k++) {
        const q = at + k * SIZE[type]!;
        if (type === 1 || type === 7) v.push(dv.getUint8(q));
        else if (type === 6) v.push(dv.getInt8(q));
        else if (type === 3) v.push(dv.getUint16(q, le));
        else if (type === 8) v.push(dv.getInt16(q, le));
        else if (type === 4) v.push(dv.getUint32(q, le));
        else if (type === 9) v.push(dv.getInt32(q, le));
        else if (type === 5) v.push(dv.getUint32(q, le), dv.getUint32(q + 4, le));
        else if (type === 10) v.push(dv.getInt32(q, le), dv.getInt32(q + 4, le));
        else if (type === 11) v.push(dv.getFloat32(q, le));
        else if (type === 12) v.push(dv.getFloat64(q, le));
      }
      ifd.set(tag, {
        type,
        count,
        value: type === 2 ? Buffer.from(b.subarray(at, at + size)).toString('latin1') : v,
      });
    }
    return { ifd, next: dv.getUint32(off + 2 + n * 12, le) };
  };
  const ifd0 = readIfd(dv.getUint32(4, le)).ifd;
  const sub = (parent: Ifd | null, tag: number) => {
    const f = parent?.get(tag);
    if (!f) return null;
    const r = readIfd((f.value as number[])[0]!);
    expect(r.next).toBe(0);
    return r.ifd;
  };
  const exif = sub(ifd0, 0x8769);
  return { le, ifd0, exif, gps: sub(ifd0, 0x8825), interop: sub(exif, 0xa005) };
}

/** A TIFF's fields without the pointer tags (their values are offsets, which differ by design). */
export function plain(ifd: Ifd | null): Record<number, Value> {
  const out: Record<number, Value> = {};
  for (const [tag, f] of ifd ?? []) if (![0x8769, 0x8825, 0xa005].includes(tag)) out[tag] = f.value;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A tiny EXIF writer for hand-made sources (both byte orders, every field type).

export interface Spec {
  tag: number;
  type: number;
  values: number[] | string;
}

export function buildExif(
  le: boolean,
  ifds: { ifd0: Spec[]; exif?: Spec[]; gps?: Spec[]; interop?: Spec[] },
): Uint8Array {
  const buf = new Uint8Array(8192);
  const dv = new DataView(buf.buffer);
  buf.set(le ? [0x49, 0x49] : [0x4d, 0x4d]);
  dv.setUint16(2, 42, le);
  let off = 8;
  const put = (type: number, values: number[] | string, at: number) => {
    if (typeof values === 'string') {
      buf.set(Buffer.from(values + '\0', 'latin1'), at);
      return;
    }
    const per = type === 5 || type === 10 ? 2 : 1;
    values.forEach((v, i) => {
      const q = at + Math.floor(i / per) * SIZE[type]! + (i % per) * 4;
      if (type === 1 || type === 7) dv.setUint8(q, v);
      else if (type === 6) dv.setInt8(q, v);
      else if (type === 3) dv.setUint16(q, v, le);
      else if (type === 8) dv.setInt16(q, v, le);
      else if (type === 4 || type === 5) dv.setUint32(q, v, le);
      else if (type === 9 || type === 10) dv.setInt32(q, v, le);
      else if (type === 11) dv.setFloat32(q, v, le);
      else if (type === 12) dv.setFloat64(q, v, le);
    });
  };
  const count = (s: Spec) =>
    typeof s.values === 'string'
      ? s.values.length + 1
      : s.values.length / (s.type === 5 || s.type === 10 ? 2 : 1);
  const writeIfd = (specs: Spec[]): number => {
    const at = off;
    const sorted = [...specs].sort((a, b) => a.tag - b.tag);
    dv.setUint16(at, sorted.length, le);
    off = at + 2 + sorted.length * 12 + 4;
    sorted.forEach((s, i) => {
      const p = at + 2 + i * 12;
      const n = count(s);
      dv.setUint16(p, s.tag, le);
      dv.setUint16(p + 2, s.type, le);
      dv.setUint32(p + 4, n, le);
      if (n * SIZE[s.type]! <= 4) put(s.type, s.values, p + 8);
      else {
        dv.setUint32(p + 8, off, le);
        put(s.type, s.values, off);
        off += n * SIZE[s.type]! + ((n * SIZE[s.type]!) % 2);
      }
    });
    return at;
  };
  // Sub-IFDs first so that their offsets are known when IFD0 is written; IFD0 is pointed to from the header.
  const ptr = (tag: number, specs: Spec[] | undefined): Spec[] =>
    specs ? [{ tag, type: 4, values: [writeIfd(specs)] }] : [];
  const interop = ptr(0xa005, ifds.interop);
  const exif = ptr(0x8769, ifds.exif && [...ifds.exif, ...interop]);
  const gps = ptr(0x8825, ifds.gps);
  dv.setUint32(4, writeIfd([...ifds.ifd0, ...exif, ...gps]), le);
  return new Uint8Array([...Buffer.from('Exif\0\0', 'latin1'), ...buf.subarray(0, off)]);
}

/**
 * A whole uncompressed 8-bit RGB TIFF file in either byte order, pixels in one strip after the directories,
 * with `ifds` (IFD0 descriptive tags, Exif, GPS, Interop IFDs) besides the structural tags.
 */
export function buildTiffFile(
  le: boolean,
  width: number,
  height: number,
  pixels: Uint8Array,
  ifds: { ifd0: Spec[]; exif?: Spec[]; gps?: Spec[]; interop?: Spec[] },
): Uint8Array {
  const structure = (stripAt: number): Spec[] => [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: [8, 8, 8] },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [2] },
    { tag: 273, type: 4, values: [stripAt] },
    { tag: 277, type: 3, values: [3] },
    { tag: 278, type: 4, values: [height] },
    { tag: 279, type: 4, values: [pixels.length] },
  ];
  const build = (stripAt: number) =>
    buildExif(le, { ...ifds, ifd0: [...structure(stripAt), ...ifds.ifd0] }).subarray(6);
  // The strip offset is inline, so the directories are as long whatever it is: build twice.
  const head = build(build(0).length);
  const out = new Uint8Array(head.length + pixels.length);
  out.set(head);
  out.set(pixels, head.length);
  return out;
}

type ExifTags = Record<string, string>;

/**
 * A JPEG with camera EXIF (orientation 6, Display P3) from raw RGB, made by sharp: make, model, copyright,
 * artist, dates, exposure and a GPS latitude, plus the tags in `more`.
 */
export async function cameraJpeg(
  rgb: Uint8Array,
  width: number,
  height: number,
  more: { IFD0?: ExifTags; IFD2?: ExifTags; IFD3?: ExifTags } = {},
): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .withIccProfile('p3')
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: {
          Make: 'Acme',
          Model: 'Lens-o-matic 9',
          Copyright: 'Maskroom test',
          Artist: 'Ann Example',
          DateTime: '2024:05:06 07:08:10',
          ...more.IFD0,
        },
        IFD2: {
          DateTimeOriginal: '2024:05:06 07:08:09',
          ExposureTime: '1/250',
          FNumber: '28/10',
          ...more.IFD2,
        },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2406/100', ...more.IFD3 },
      })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
}
