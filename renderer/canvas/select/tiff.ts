/**
 * A small baseline TIFF reader for mask files (the browser decodes no TIFF): one image, strips,
 * uncompressed or PackBits, 8 bits per sample, greyscale (either polarity) or RGB, with or without an extra
 * (alpha) sample. Anything else gives null, and the caller says the file cannot be read.
 */
import type { RgbaImage } from './flood';

export function isTiff(b: Uint8Array): boolean {
  return (
    b.length >= 8 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42))
  );
}

export function decodeTiff(b: Uint8Array): RgbaImage | null {
  if (!isTiff(b)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  try {
    const ifd = u32(4);
    const n = u16(ifd);
    const tags = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      const tag = u16(e);
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = type === 3 ? 2 : type === 4 ? 4 : type === 1 ? 1 : 0;
      if (!size) continue;
      const at = count * size <= 4 ? e + 8 : u32(e + 8);
      const vals: number[] = [];
      for (let k = 0; k < count; k++)
        vals.push(size === 2 ? u16(at + k * 2) : size === 4 ? u32(at + k * 4) : b[at + k]!);
      tags.set(tag, vals);
    }
    const one = (t: number, d?: number) => tags.get(t)?.[0] ?? d;
    const width = one(256);
    const height = one(257);
    const spp = one(277, 1)!;
    const bits = tags.get(258) ?? [1];
    const compression = one(259, 1);
    const photometric = one(262, 1);
    const offsets = tags.get(273);
    const counts = tags.get(279);
    const planar = one(284, 1);
    if (!width || !height || !offsets || !counts || planar !== 1) return null;
    if (bits.some((x) => x !== 8) || (compression !== 1 && compression !== 32773)) return null;
    if (
      !((photometric === 0 || photometric === 1) && spp <= 2) &&
      !(photometric === 2 && spp >= 3 && spp <= 4)
    )
      return null;
    const raw = new Uint8Array(width * height * spp);
    let pos = 0;
    for (let s = 0; s < offsets.length; s++) {
      const strip = b.subarray(offsets[s]!, offsets[s]! + counts[s]!);
      if (compression === 1) {
        raw.set(strip.subarray(0, raw.length - pos), pos);
        pos += strip.length;
      } else {
        for (let i = 0; i < strip.length && pos < raw.length;) {
          const c = (strip[i++]! << 24) >> 24;
          if (c >= 0) {
            raw.set(strip.subarray(i, i + c + 1).subarray(0, raw.length - pos), pos);
            pos += c + 1;
            i += c + 1;
          } else if (c !== -128) {
            raw.fill(strip[i++]!, pos, Math.min(raw.length, pos + 1 - c));
            pos += 1 - c;
          }
        }
      }
    }
    if (pos < raw.length) return null;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const o = i * 4;
      const r = i * spp;
      if (photometric === 2) {
        data[o] = raw[r]!;
        data[o + 1] = raw[r + 1]!;
        data[o + 2] = raw[r + 2]!;
        data[o + 3] = spp === 4 ? raw[r + 3]! : 255;
      } else {
        const g = photometric === 0 ? 255 - raw[r]! : raw[r]!;
        data[o] = data[o + 1] = data[o + 2] = g;
        data[o + 3] = spp === 2 ? raw[r + 1]! : 255;
      }
    }
    return { width, height, data };
  } catch {
    return null; // an offset past the end: a damaged file
  }
}
