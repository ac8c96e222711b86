/**
 * The PNG export of a full photo, streamed: rows are filtered a strip at a time and fed to zlib's streaming
 * deflate (on libuv's thread pool), and every piece of compressed output becomes its own IDAT chunk as it
 * arrives, so the encoder holds one strip of filtered rows and the file it has written so far, never a
 * filtered copy of the whole frame (which is as large as the photo, twice that for 16-bit samples, and what
 * `encodePng` in png.ts builds). The file is written into an `ExportSink`: in memory (`exportImage`) or
 * straight to disk. Pixels are the same as encodePng's: the 'sub' filter, 16-bit samples big-endian.
 */
import zlib from 'node:zlib';
import { pngChunk, type PngInput } from './png';
import type { ExportSink } from './export-sink';

/** Bytes of filtered rows handed to deflate per step (a strip is at least one row). */
const STRIP_BYTES = 4 * 1024 * 1024;
/** Compressed bytes per IDAT chunk at most (deflate's output pieces). */
const IDAT_BYTES = 1024 * 1024;

export interface PngStreamOptions {
  /** zlib level, 0-9 (default 6). */
  level?: number;
  /** Chunks to place before IDAT (iCCP, eXIf, ...). */
  chunks?: Uint8Array[];
  /** Rows filtered so far of all rows, called after each strip is handed to deflate. */
  onProgress?: (done: number, total: number) => void;
}

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function header(img: PngInput): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, img.width);
  dv.setUint32(4, img.height);
  ihdr[8] = img.depth;
  ihdr[9] = img.channels === 1 ? 0 : img.channels === 2 ? 4 : img.channels === 3 ? 2 : 6;
  return pngChunk('IHDR', ihdr);
}

/** Rows [y0, y1) filtered with 'sub' (filter byte 1, then each byte minus the one a pixel to its left). */
function filterStrip(img: PngInput, y0: number, y1: number): Uint8Array {
  const { width, channels, depth, pixels } = img;
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  const n = width * channels;
  const out = new Uint8Array((stride + 1) * (y1 - y0));
  for (let y = y0; y < y1; y++) {
    const o = (y - y0) * (stride + 1);
    out[o] = 1;
    const base = y * n;
    if (depth === 8) {
      const p = pixels as Uint8Array;
      for (let i = 0; i < bpp && i < n; i++) out[o + 1 + i] = p[base + i]!;
      for (let i = bpp; i < n; i++) out[o + 1 + i] = (p[base + i]! - p[base + i - bpp]!) & 0xff;
    } else {
      // Big-endian samples; the byte a pixel to the left is the same byte of the previous sample.
      const p = pixels as Uint16Array;
      for (let i = 0; i < n; i++) {
        const v = p[base + i]!;
        const l = i >= channels ? p[base + i - channels]! : 0;
        out[o + 1 + 2 * i] = ((v >>> 8) - (l >>> 8)) & 0xff;
        out[o + 2 + 2 * i] = ((v & 0xff) - (l & 0xff)) & 0xff;
      }
    }
  }
  return out;
}

/** Writes the image as a PNG into `sink`, the deflate streamed; resolves once the last byte is written. */
export async function writePngStreamed(
  img: PngInput,
  sink: ExportSink,
  opts: PngStreamOptions = {},
): Promise<void> {
  const { width, height, channels, depth } = img;
  await sink.write(SIGNATURE);
  await sink.write(header(img));
  for (const c of opts.chunks ?? []) await sink.write(c);
  const rowBytes = width * channels * (depth / 8) + 1;
  const rowsPerStrip = Math.max(1, Math.floor(STRIP_BYTES / rowBytes));
  const deflate = zlib.createDeflate({ level: opts.level ?? 6, chunkSize: IDAT_BYTES });
  // The compressed side: each piece deflate hands out is one IDAT chunk, written before the next is read.
  const drained = (async () => {
    for await (const piece of deflate as AsyncIterable<Buffer>) await sink.write(pngChunk('IDAT', piece));
  })();
  // The raw side waits for deflate to take each strip before filtering the next (write's backpressure).
  let failed: unknown = null;
  drained.catch((e: unknown) => (failed = e));
  for (let y0 = 0; y0 < height && failed === null; y0 += rowsPerStrip) {
    const y1 = Math.min(height, y0 + rowsPerStrip);
    if (!deflate.write(filterStrip(img, y0, y1)))
      await new Promise<void>((resolve) => {
        const done = () => {
          deflate.off('drain', done);
          deflate.off('close', done);
          resolve();
        };
        deflate.on('drain', done);
        deflate.on('close', done);
      });
    opts.onProgress?.(y1, height);
  }
  deflate.end();
  await drained;
  await sink.write(pngChunk('IEND', new Uint8Array(0)));
}
