/**
 * A small PNG writer and chunk tools. Our own writer because sharp cannot take 16-bit raw pixels to a
 * 16-bit PNG exactly, and cannot attach an ICC profile or EXIF block given as bytes. Writing the file
 * ourselves makes the layer format and the tagged intermediates exact by construction.
 */
import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  const t = new TextEncoder().encode(type);
  out.set(t, 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32([t, data]));
  return out;
}

export function iccpChunk(icc: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode('ICC Profile');
  const z = zlib.deflateSync(icc);
  const body = new Uint8Array(name.length + 2 + z.length);
  body.set(name, 0);
  body[name.length] = 0; // separator
  body[name.length + 1] = 0; // compression method: deflate
  body.set(z, name.length + 2);
  return pngChunk('iCCP', body);
}

export function textChunk(keyword: string, text: string): Uint8Array {
  return pngChunk('tEXt', new TextEncoder().encode(`${keyword}\0${text}`));
}

export interface PngInput {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  depth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
}

/** Encodes raw interleaved samples as PNG (filter Sub on every row), with extra chunks before IDAT. */
export function encodePng(img: PngInput, opts: { level?: number; chunks?: Uint8Array[] } = {}): Uint8Array {
  const { width, height, channels, depth, pixels } = img;
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  const raw = new Uint8Array((stride + 1) * height);
  const row = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    // Row bytes, big-endian for 16 bit.
    if (depth === 8) {
      row.set((pixels as Uint8Array).subarray(y * width * channels, (y + 1) * width * channels));
    } else {
      const p = pixels as Uint16Array;
      const base = y * width * channels;
      for (let i = 0, n = width * channels; i < n; i++) {
        const v = p[base + i]!;
        row[2 * i] = v >>> 8;
        row[2 * i + 1] = v & 0xff;
      }
    }
    const o = y * (stride + 1);
    raw[o] = 1; // Sub
    for (let i = 0; i < bpp && i < stride; i++) raw[o + 1 + i] = row[i]!;
    for (let i = bpp; i < stride; i++) raw[o + 1 + i] = (row[i]! - row[i - bpp]!) & 0xff;
  }
  const idat = zlib.deflateSync(raw, { level: opts.level ?? 6 });
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = channels === 1 ? 0 : channels === 2 ? 4 : channels === 3 ? 2 : 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const sig = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [
    sig,
    pngChunk('IHDR', ihdr),
    ...(opts.chunks ?? []),
    pngChunk('IDAT', idat),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Reads the tEXt chunks of a PNG (keyword -> text). */
export function readPngText(png: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  if (png.length < 8) return out;
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  const dec = new TextDecoder('latin1');
  while (off + 12 <= png.length) {
    const len = dv.getUint32(off);
    const type = dec.decode(png.subarray(off + 4, off + 8));
    if (off + 12 + len > png.length) break;
    if (type === 'tEXt') {
      const body = dec.decode(png.subarray(off + 8, off + 8 + len));
      const z = body.indexOf('\0');
      if (z > 0) out.set(body.slice(0, z), body.slice(z + 1));
    }
    if (type === 'IDAT' || type === 'IEND') break;
    off += 12 + len;
  }
  return out;
}
