/**
 * Save back into a greyscale file. A photo is edited as RGB (load.ts converts grey through its profile), so
 * writing it back into the grey TIFF, PNG or JPEG it came from turns it grey again: each pixel's luma, taken
 * back through the file's own grey profile when it has one, at the file's depth (8 or 16 bit), with its
 * alpha, profile and EXIF. A pixel no edit changed comes back as the sample the file held, wherever the
 * profile let the decode tell samples apart (an untagged file: always).
 */
import { normaliseExif } from './exif';
import { withJpegMetadata } from './export-flat';
import { writeStreamedFile, type FileWriteOptions } from './export-image';
import type { ExportSink } from './export-sink';
import { loadPhoto } from './load';
import { encodePng, iccpChunk, pngChunk } from './png';
import { writePngStreamed } from './png-stream';
import { writeTiff } from './tiff';
import type { ExportOptions, Photo } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8 } from './util';
import sharp from 'sharp';

/** What kind of colour a photo file holds, for a save back into it. */
export type SourceColour = { kind: 'rgb' } | { kind: 'grey'; icc: Uint8Array | null } | { kind: 'cmyk' };

/** The colour kind of a photo file, from its header (and, for a grey file, its profile). */
export async function sourceColourOf(file: string): Promise<SourceColour> {
  const m = await sharp(file, { limitInputPixels: false }).metadata();
  if (m.space === 'cmyk') return { kind: 'cmyk' };
  if (m.space !== 'b-w' && m.space !== 'grey16') return { kind: 'rgb' };
  return { kind: 'grey', icc: m.icc ? new Uint8Array(m.icc) : null };
}

/** Grey samples (1 channel, or 2 with alpha), as the TIFF and PNG writers take them. */
export interface GreyImage {
  width: number;
  height: number;
  channels: 1 | 2;
  depth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
  icc: Uint8Array | null;
  exif: Uint8Array | null;
}

/**
 * For each displayed grey level (what load.ts made of a sample: R = G = B through the profile), the file's
 * sample that shows it: the sample whose decode is that level, else the one whose decode is nearest. Built
 * by decoding every sample of the depth through the real loader (a ramp in a PNG carrying the profile).
 */
async function sampleOfLevel(icc: Uint8Array, depth: 8 | 16): Promise<Uint16Array> {
  const levels = depth === 16 ? 65536 : 256;
  const side = depth === 16 ? 256 : 16;
  const ramp = depth === 16 ? new Uint16Array(levels) : new Uint8Array(levels);
  for (let v = 0; v < levels; v++) ramp[v] = v;
  const png = encodePng(
    { width: side, height: side, channels: 1, depth, pixels: ramp },
    { chunks: [iccpChunk(icc)] },
  );
  const shown = await loadPhoto(png);
  const inv = new Int32Array(levels).fill(-1);
  for (let v = 0; v < levels; v++) {
    const y = shown.pixels[v * shown.channels]!;
    if (inv[y] === -1) inv[y] = v;
  }
  // Levels no sample decodes to: the sample of the nearest level that has one.
  const out = new Uint16Array(levels);
  const left = new Int32Array(levels);
  let last = -1;
  for (let y = 0; y < levels; y++) {
    if (inv[y]! >= 0) last = y;
    left[y] = last;
  }
  let next = -1;
  for (let y = levels - 1; y >= 0; y--) {
    if (inv[y]! >= 0) next = y;
    const l = left[y]!;
    const pick = l < 0 ? next : next < 0 ? l : y - l <= next - y ? l : next;
    out[y] = inv[pick]!;
  }
  return out;
}

/**
 * The photo as grey: Rec. 709 luma of the encoded values in integer weights summing to 2^15, so a neutral
 * pixel (R = G = B, every pixel of a grey original no edit touched) keeps its value exactly; then, for a
 * file with a profile, the sample that shows that level (sampleOfLevel). Alpha is kept.
 */
export async function greyOf(photo: Photo, icc: Uint8Array | null): Promise<GreyImage> {
  const lut = icc ? await sampleOfLevel(icc, photo.depth) : null;
  const n = photo.width * photo.height;
  const src = photo.pixels;
  const ch = photo.channels;
  const outCh = ch === 4 ? 2 : 1;
  const out = photo.depth === 16 ? new Uint16Array(n * outCh) : new Uint8Array(n * outCh);
  for (let i = 0; i < n; i++) {
    const s = i * ch;
    const y = (src[s]! * 6966 + src[s + 1]! * 23436 + src[s + 2]! * 2366 + 16384) >>> 15;
    out[i * outCh] = lut ? lut[y]! : y;
    if (outCh === 2) out[i * 2 + 1] = src[s + 3]!;
  }
  return {
    width: photo.width,
    height: photo.height,
    channels: outCh,
    depth: photo.depth,
    pixels: out,
    icc,
    exif: photo.exif,
  };
}

/** A grey JPEG (alpha, if any, flattened onto white), the profile and EXIF as its own segments. */
async function greyJpeg(g: GreyImage, quality: number): Promise<Uint8Array> {
  const n = g.width * g.height;
  const data = new Uint8Array(n);
  const max = g.depth === 16 ? 65535 : 255;
  for (let i = 0; i < n; i++) {
    const v = g.pixels[i * g.channels]!;
    const a = g.channels === 2 ? g.pixels[i * 2 + 1]! / max : 1;
    const flat = v * a + max * (1 - a);
    data[i] = g.depth === 16 ? Math.round(flat) >> 8 : Math.round(flat);
  }
  const jpeg = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: g.width, height: g.height, channels: 1 },
    limitInputPixels: false,
  })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS * 2 })
    .toColourspace('b-w')
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
  return bufToU8(withJpegMetadata(jpeg, g.icc, g.exif ? normaliseExif(g.exif) : null));
}

/** Writes the grey image as a TIFF, PNG or JPEG into `sink` (WebP and PSD have no greyscale form). */
export async function exportGreyTo(g: GreyImage, opts: ExportOptions, sink: ExportSink): Promise<void> {
  const progress = opts.onProgress;
  if (opts.format === 'tiff') return writeTiff(g, sink, progress);
  if (opts.format === 'png') {
    const chunks: Uint8Array[] = [];
    if (g.icc) chunks.push(iccpChunk(g.icc));
    const exif = g.exif ? normaliseExif(g.exif) : null;
    if (exif) chunks.push(pngChunk('eXIf', exif));
    return writePngStreamed(g, sink, { level: 6, chunks, ...(progress ? { onProgress: progress } : {}) });
  }
  if (opts.format === 'jpeg') {
    progress?.(0, 1);
    await sink.write(await greyJpeg(g, Math.min(100, Math.max(1, Math.round(opts.quality ?? 92)))));
    progress?.(1, 1);
    return;
  }
  throw new Error(`no greyscale ${opts.format}`);
}

/**
 * The grey export of `photo` written to `file` as exportImageToFile writes any export (a temporary file
 * beside it, flushed, renamed over it), `icc` being the grey file's own profile (null when untagged).
 */
export async function exportGreyToFile(
  photo: Photo,
  icc: Uint8Array | null,
  opts: ExportOptions,
  file: string,
  o: FileWriteOptions = {},
): Promise<number> {
  const grey = await greyOf(photo, icc);
  const { onProgress: _p, ...quiet } = opts;
  return writeStreamedFile(
    file,
    (sink) => exportGreyTo(grey, opts, sink),
    o.mode,
    (sink) => exportGreyTo(grey, quiet, sink),
    o.beforeRename,
  );
}
