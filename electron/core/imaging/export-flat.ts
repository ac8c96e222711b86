/**
 * The flat JPEG and WebP export, straight from the photo's pixels: sharp reads the pixel buffer in place
 * (no PNG in between, no copy of an 8-bit photo) and libvips encodes it strip by strip, so exporting holds
 * the photo plus the encoded file, and for a 16-bit photo one 8-bit frame. The photo's ICC profile and its
 * (normalised) EXIF are put into the encoded file as its own segments (JPEG APP1/APP2, WebP EXIF/ICCP
 * chunks): sharp can attach a profile given as bytes only by converting pixels into it.
 *
 * The pixels are exactly what the earlier path (a tagged PNG decoded by sharp, then toColourspace('srgb')
 * and flatten for 16 bit) produced: 16-bit samples become 8 bit by `v >> 8`, and a 16-bit alpha is flattened
 * onto white (65280, libvips' 16-bit white for '#ffffff') in floating point and truncated before that shift.
 */
import sharp from 'sharp';
import { normaliseExif } from './exif';
import type { Photo } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8 } from './util';

/** Rows converted per step from 16 to 8 bit (bounds nothing but the loop's granularity). */
const STRIP_ROWS = 256;

/** The samples sharp is given: the photo's own buffer at 8 bit, one 8-bit frame at 16 bit. */
function eightBit(photo: Photo, flattenAlpha: boolean): { data: Uint8Array; channels: 3 | 4 } {
  if (photo.depth === 8) return { data: photo.pixels as Uint8Array, channels: photo.channels };
  const src = photo.pixels as Uint16Array;
  const n = photo.width * photo.height;
  if (photo.channels === 3 || !flattenAlpha) {
    const out = new Uint8Array(n * photo.channels);
    for (let i = 0; i < out.length; i++) out[i] = src[i]! >> 8;
    return { data: out, channels: photo.channels };
  }
  const out = new Uint8Array(n * 3);
  const WHITE = 65280;
  for (let y0 = 0; y0 < photo.height; y0 += STRIP_ROWS) {
    const end = Math.min(photo.height, y0 + STRIP_ROWS) * photo.width;
    for (let i = y0 * photo.width; i < end; i++) {
      const k = src[i * 4 + 3]! / 65535;
      const bg = WHITE * (1 - k);
      out[i * 3] = Math.trunc(src[i * 4]! * k + bg) >> 8;
      out[i * 3 + 1] = Math.trunc(src[i * 4 + 1]! * k + bg) >> 8;
      out[i * 3 + 2] = Math.trunc(src[i * 4 + 2]! * k + bg) >> 8;
    }
  }
  return { data: out, channels: 3 };
}

function input(photo: Photo, flattenAlpha: boolean): sharp.Sharp {
  const { data, channels } = eightBit(photo, flattenAlpha);
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: photo.width, height: photo.height, channels },
    limitInputPixels: false,
  }).timeout({ seconds: SHARP_TIMEOUT_SECONDS * 2 });
}

const ICC_SIG = Buffer.from('ICC_PROFILE\0', 'latin1');
const EXIF_SIG = Buffer.from('Exif\0\0', 'latin1');
/** Payload bytes of one JPEG marker segment (its 16-bit length counts itself). */
const SEGMENT_MAX = 65533;

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The APP1 (EXIF) and APP2 (ICC, split in numbered chunks) segments for a JPEG. */
function jpegMetadata(icc: Uint8Array | null, exif: Uint8Array | null): Buffer[] {
  const out: Buffer[] = [];
  if (exif && exif.length + EXIF_SIG.length <= SEGMENT_MAX)
    out.push(segment(0xe1, Buffer.concat([EXIF_SIG, exif])));
  if (icc && icc.length > 0) {
    const per = SEGMENT_MAX - ICC_SIG.length - 2;
    const count = Math.ceil(icc.length / per);
    if (count <= 255) {
      for (let i = 0; i < count; i++) {
        const part = icc.subarray(i * per, Math.min(icc.length, (i + 1) * per));
        out.push(segment(0xe2, Buffer.concat([ICC_SIG, Buffer.from([i + 1, count]), part])));
      }
    }
  }
  return out;
}

/** Inserts segments after SOI and a leading JFIF APP0, where readers look for them. */
export function withJpegMetadata(jpeg: Buffer, icc: Uint8Array | null, exif: Uint8Array | null): Buffer {
  const segs = jpegMetadata(icc, exif);
  if (segs.length === 0) return jpeg;
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, at), ...segs, jpeg.subarray(at)]);
}

function chunk(fourcc: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/**
 * A WebP with ICCP and EXIF chunks: the simple format (one VP8/VP8L chunk) becomes the extended one (VP8X
 * first, ICCP before the image data, EXIF after it), as the WebP container specification orders them.
 */
export function withWebpMetadata(
  webp: Buffer,
  width: number,
  height: number,
  icc: Uint8Array | null,
  exif: Uint8Array | null,
): Buffer {
  if (!icc && !exif) return webp;
  const chunks: Array<{ id: string; data: Buffer }> = [];
  for (let o = 12; o + 8 <= webp.length;) {
    const id = webp.toString('latin1', o, o + 4);
    const len = webp.readUInt32LE(o + 4);
    chunks.push({ id, data: webp.subarray(o + 8, o + 8 + len) });
    o += 8 + len + (len % 2);
  }
  let flags = 0;
  const vp8x = chunks.find((c) => c.id === 'VP8X');
  if (vp8x) flags = vp8x.data[0]!;
  if (chunks.some((c) => c.id === 'ALPH')) flags |= 0x10;
  // A lossless image carries its alpha inside VP8L: the flag says so when the header's alpha bit is set.
  const vp8l = chunks.find((c) => c.id === 'VP8L');
  if (vp8l && vp8l.data.length >= 5 && (vp8l.data[4]! & 0x10) !== 0) flags |= 0x10;
  if (icc) flags |= 0x20;
  if (exif) flags |= 0x08;
  const x = Buffer.alloc(10);
  x[0] = flags;
  x.writeUIntLE(width - 1, 4, 3);
  x.writeUIntLE(height - 1, 7, 3);
  const body: Buffer[] = [chunk('VP8X', x)];
  if (icc) body.push(chunk('ICCP', icc));
  for (const c of chunks) {
    if (c.id === 'VP8X' || c.id === 'ICCP' || c.id === 'EXIF') continue;
    body.push(chunk(c.id, c.data));
  }
  if (exif) body.push(chunk('EXIF', exif));
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.write('WEBP', 8, 'latin1');
  const size = body.reduce((s, b) => s + b.length, 0) + 4;
  riff.writeUInt32LE(size, 4);
  return Buffer.concat([riff, ...body]);
}

/**
 * Optimised Huffman tables need libjpeg to hold every DCT coefficient of the image before writing (about
 * 13 bytes per pixel at 4:4:4, 7 at 4:2:0, measured): above this budget the JPEG is written with the
 * standard tables instead, which streams (a few percent larger; the pixels are the same).
 */
const OPTIMISE_CODING_BUDGET = 384 * 1024 * 1024;

export function optimiseJpegCoding(width: number, height: number, subsampled: boolean): boolean {
  return width * height * (subsampled ? 7 : 13) <= OPTIMISE_CODING_BUDGET;
}

/**
 * libwebp cannot stream: it holds the whole picture (libvips' copy of the frame, its YUV planes), and from
 * effort 3 on (rate-distortion optimisation) also every coded token of the image until the end, about 3 bytes
 * a pixel more: in all about 11 bytes a pixel above the photo at effort 4 (measured, 100 MP: 1065 MB). Above
 * this budget lossy WebP is encoded at effort 2 instead (no token buffer, about 6 bytes a pixel; the file a
 * little larger at the same quality setting), so a 100 MP export stays well within 1 GB.
 */
const WEBP_EFFORT_BUDGET = 768 * 1024 * 1024;

export function webpEffort(width: number, height: number): number {
  return width * height * 11 <= WEBP_EFFORT_BUDGET ? 4 : 2;
}

/** The photo as a JPEG (alpha flattened onto white) or WebP, quality 1..100, profile and EXIF attached. */
export async function exportFlat(
  photo: Photo,
  format: 'jpeg' | 'webp',
  quality: number,
): Promise<Uint8Array> {
  const exif = photo.exif ? normaliseExif(photo.exif) : null;
  if (format === 'jpeg') {
    const subsampled = quality < 90;
    const s = input(photo, true)
      .flatten({ background: '#ffffff' })
      .jpeg({
        quality,
        chromaSubsampling: subsampled ? '4:2:0' : '4:4:4',
        optimiseCoding: optimiseJpegCoding(photo.width, photo.height, subsampled),
        mozjpeg: false,
      });
    return bufToU8(withJpegMetadata(await s.toBuffer(), photo.icc, exif));
  }
  const s = input(photo, false).webp({
    quality,
    lossless: quality === 100,
    effort: webpEffort(photo.width, photo.height),
  });
  return bufToU8(withWebpMetadata(await s.toBuffer(), photo.width, photo.height, photo.icc, exif));
}
