/**
 * A small PNG writer and chunk tools. Our own writer because sharp cannot take 16-bit raw pixels to a
 * 16-bit PNG exactly, and cannot attach an ICC profile or EXIF block given as bytes. Writing the file
 * ourselves makes the layer format and the tagged intermediates exact by construction.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { LITTLE_ENDIAN } from './rgba-words';

/** The CRC-32 of the parts in a row (zlib's own: the chunk CRC of a large IDAT is a few ms, not tens). */
function crc32(parts: Uint8Array[]): number {
  let c = 0;
  for (const p of parts) c = zlib.crc32(p, c);
  return c >>> 0;
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

export type PngFilter = 'sub' | 'none';

/**
 * The IDAT payload before compression: each row prefixed by its filter type. 'sub' (each byte minus the one a
 * pixel to its left) suits photos; 'none' suits masks, whose long runs deflate as well unfiltered.
 * 16-bit samples are written big-endian.
 */
export function filteredRows(img: PngInput, filter: PngFilter): Uint8Array {
  const { width, height, channels, depth, pixels } = img;
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  const raw = new Uint8Array((stride + 1) * height);
  const n = width * channels;
  const row = depth === 16 ? new Uint8Array(stride) : null;
  // 8-bit RGBA (patches): a pixel is one 32-bit word, and Sub subtracts its four bytes from the left
  // neighbour's at once.
  const sub32 = filter === 'sub' && bpp === 4 && depth === 8 && width > 0 ? new Uint32Array(width) : null;
  const sub32Bytes = sub32 ? new Uint8Array(sub32.buffer) : null;
  // 8-bit RGB (the API image): four bytes at a time too, each word's left neighbours taken from two words.
  const words24 = filter === 'sub' && bpp === 3 && depth === 8 && LITTLE_ENDIAN ? stride >> 2 : 0;
  const sub24 = words24 > 0 ? new Uint32Array(words24) : null;
  const sub24Bytes = sub24 ? new Uint8Array(sub24.buffer) : null;
  for (let y = 0; y < height; y++) {
    let src: Uint8Array;
    if (row) {
      const p = pixels as Uint16Array;
      const base = y * n;
      for (let i = 0; i < n; i++) {
        const v = p[base + i]!;
        row[2 * i] = v >>> 8;
        row[2 * i + 1] = v & 0xff;
      }
      src = row;
    } else {
      src = (pixels as Uint8Array).subarray(y * n, (y + 1) * n);
    }
    const o = y * (stride + 1) + 1;
    if (filter === 'none') {
      raw[o - 1] = 0;
      raw.set(src, o);
      continue;
    }
    raw[o - 1] = 1; // Sub
    if (sub32 && src.byteOffset % 4 === 0) {
      subRow32(new Uint32Array(src.buffer, src.byteOffset, width), sub32);
      raw.set(sub32Bytes!, o);
      continue;
    }
    if (sub24 && src.byteOffset % 4 === 0) {
      subRow24(new Uint32Array(src.buffer, src.byteOffset, words24), sub24);
      raw.set(sub24Bytes!, o);
      // The bytes past the last whole word (when the row is not a multiple of 4 bytes long).
      for (let i = words24 * 4; i < stride; i++) raw[o + i] = (src[i]! - src[i - 3]!) & 0xff;
      continue;
    }
    const head = Math.min(bpp, stride);
    for (let i = 0; i < head; i++) raw[o + i] = src[i]!;
    for (let i = bpp; i < stride; i++) raw[o + i] = (src[i]! - src[i - bpp]!) & 0xff;
  }
  return raw;
}

/**
 * The Sub filter of one row of 4-byte pixels, bytewise modulo 256 without carries between the bytes
 * (SWAR: the high bit of each byte is set in a and cleared in b, so no byte borrows from its neighbour,
 * then put right by xor).
 */
function subRow32(px: Uint32Array, out: Uint32Array): void {
  const H = 0x80808080;
  out[0] = px[0]!;
  let prev = px[0]!;
  for (let i = 1; i < px.length; i++) {
    const a = px[i]!;
    out[i] = ((a | H) - (prev & ~H)) ^ ((a ^ ~prev) & H);
    prev = a;
  }
}

/**
 * The Sub filter of a row of 3-byte pixels read as little-endian 32-bit words: each byte minus the one three
 * before it (none before the first pixel), four at a time as subRow32 does, the four bytes to subtract being
 * the word before's top three and this word's lowest.
 */
function subRow24(px: Uint32Array, out: Uint32Array): void {
  const H = 0x80808080;
  let prev = 0;
  for (let i = 0; i < px.length; i++) {
    const a = px[i]!;
    const left = (prev >>> 8) | (a << 24);
    out[i] = ((a | H) - (left & ~H)) ^ ((a ^ ~left) & H);
    prev = a;
  }
}

function assemblePng(img: PngInput, idat: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  const { width, height, channels, depth } = img;
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
    ...chunks,
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

export interface PngOptions {
  /** zlib level, 0-9 (default 6). */
  level?: number;
  /** Chunks to place before IDAT (iCCP, tEXt...). */
  chunks?: Uint8Array[];
  /** Row filter (default 'sub'). */
  filter?: PngFilter;
  /** zlib strategy (default Z_DEFAULT_STRATEGY); Z_RLE suits Sub-filtered photos: fast, and small. */
  strategy?: number;
}

/** Encodes raw interleaved samples as PNG, with extra chunks before IDAT. Deflates on the calling thread. */
export function encodePng(img: PngInput, opts: PngOptions = {}): Uint8Array {
  const raw = filteredRows(img, opts.filter ?? 'sub');
  const idat = zlib.deflateSync(raw, { level: opts.level ?? 6, strategy: opts.strategy });
  return assemblePng(img, idat, opts.chunks ?? []);
}

const deflateAsync = promisify(zlib.deflate);

/**
 * The same file as encodePng with the same options, but the deflate (most of the time) runs on libuv's
 * thread pool, so the main thread only filters the rows.
 */
export async function encodePngAsync(img: PngInput, opts: PngOptions = {}): Promise<Uint8Array> {
  const raw = filteredRows(img, opts.filter ?? 'sub');
  const idat = await deflateAsync(raw, { level: opts.level ?? 6, strategy: opts.strategy });
  return assemblePng(img, new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength), opts.chunks ?? []);
}

/**
 * zlib's Adler-32 (the zlib stream's trailer), over several buffers in order: `update` each, then `value`.
 * The sums are reduced every 5552 bytes, short enough to stay exact.
 */
export class Adler32 {
  private a = 1;
  private s = 0;

  update(b: Uint8Array): void {
    let { a, s } = this;
    for (let i = 0; i < b.length;) {
      const end = Math.min(b.length, i + 5552);
      for (; i < end; i++) {
        a += b[i]!;
        s += a;
      }
      a %= 65521;
      s %= 65521;
    }
    this.a = a;
    this.s = s;
  }

  value(): number {
    return ((this.s << 16) | this.a) >>> 0;
  }
}

/** Deflate calls in flight at once for encodePngBands (each holds its own compressor). */
const BAND_LANES = 4;

/**
 * The file encodePng makes with the same filter, level and strategy, its deflate split into `bands` runs of
 * rows compressed side by side on libuv's pool (deflateParts): each band but the last ends with a full flush
 * (byte-aligned, no final block), so the bands joined are one valid zlib stream, whose Adler-32 is summed
 * over the filtered rows here. Each band is filtered and summed just before it is handed to the pool, so that this
 * work on the calling thread overlaps the deflating of the bands before it. A band's matches cannot reach
 * back into the band before it, which costs a few bytes per band in size.
 */
export async function encodePngBands(
  img: PngInput,
  opts: PngOptions & { bands?: number } = {},
): Promise<Uint8Array> {
  const { width, height, channels, depth } = img;
  // Rows per band first, then the bands they make: 10 rows asked in 8 bands are 5 bands of 2.
  const per = Math.ceil(height / Math.max(1, Math.min(height, opts.bands ?? 8)));
  const nBands = Math.max(1, Math.ceil(height / per));
  const samplesPerRow = width * channels;
  const adler = new Adler32();
  const level = opts.level ?? 6;
  const strategy = opts.strategy ?? zlib.constants.Z_DEFAULT_STRATEGY;
  const prepare = (i: number) => {
    const y0 = i * per;
    const y1 = Math.min(height, y0 + per);
    const rows = filteredRows(
      { ...img, height: y1 - y0, pixels: img.pixels.subarray(y0 * samplesPerRow, y1 * samplesPerRow) },
      opts.filter ?? 'sub',
    );
    adler.update(rows);
    return rows;
  };
  const segments = await deflateParts(nBands, BAND_LANES, prepare, level, strategy);
  return assemblePng(
    { width, height, channels, depth, pixels: img.pixels },
    zlibStream(segments, adler.value()),
    opts.chunks ?? [],
  );
}

/** Room deflate needs for `n` bytes of input at most (stored blocks cost a few bytes per 16 KB block). */
function deflateRoom(n: number): number {
  return n + (n >> 8) + 64;
}

/**
 * `rows` raw-deflated on libuv's pool, ended with `flush`: Z_FINISH for the last part of a stream, a sync or
 * full flush for the others (byte-aligned, so the parts join). In one piece of work on the pool: the output
 * buffer is made larger than deflate can ever make its input (a few bytes per 16 KB block at worst), where
 * zlib's default of 16 KB would come back to the main thread for every 16 KB of output and queue the rest
 * behind it (on a 3 MB API image's 8 bands, 52 ms on two cores instead of 26).
 */
export function deflatePart(
  rows: Uint8Array,
  level: number,
  strategy: number,
  flush: number,
): Promise<Buffer> {
  const chunkSize = Math.max(zlib.constants.Z_MIN_CHUNK, deflateRoom(rows.length));
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(rows, { level, strategy, finishFlush: flush, chunkSize }, (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
}

/**
 * The most output room a lane compressor is opened with when its parts are small: a large photo's patch
 * (100 MP, hundreds of bands) would otherwise reserve its whole deflated size twice over. Past it a lane
 * opens a new compressor, which costs far less than the 16 MiB of parts deflated before it.
 */
const LANE_ROOM = 16 * 2 ** 20;

/** What a zlib stream holds that a lane compressor reads (Node's own fields, not its documented API). */
interface ZlibStreamInternals {
  _processChunk?: unknown;
  _outBuffer?: unknown;
  _outOffset?: unknown;
  _chunkSize?: unknown;
}

/**
 * One raw-deflate compressor kept for many parts, each written on libuv's pool and ended with a full flush
 * (or Z_FINISH for a stream's last part): a full flush empties the compressor's history, so every part is
 * a deflate run of its own that joins any other, whichever parts the compressor took before. Starting a
 * compressor per part (zlib.deflateRaw) costs more than deflating a 50 KB part: on a 839x839 patch's 53
 * bands about 39 ms of CPU and 24 ms on two cores, against 23 and 13 with four kept compressors.
 *
 * Each part is written with the stream's `_processChunk(chunk, flush, callback)` (Node's zlib has kept it
 * for compatibility since its streams were rewritten) into the stream's own output buffer, made large
 * enough for many parts: a part's output is the range the buffer's offset moved over. Null where this Node's
 * streams lack any of it; the caller then deflates each part on its own (deflatePart).
 */
class LaneDeflate {
  private readonly z: zlib.DeflateRaw & ZlibStreamInternals;
  private pending: ((err: Error) => void) | null = null;

  private constructor(z: zlib.DeflateRaw) {
    this.z = z as zlib.DeflateRaw & ZlibStreamInternals;
    // A failing compressor destroys its stream without calling the part's callback: the error ends it.
    this.z.on('error', (err: Error) => this.pending?.(err));
    // The stream also pushes each part's output to its readable side. Left paused, that side would fill and
    // hold back a part that outgrew the buffer until someone read it, which nobody does: flowing, it is
    // drained (the output is taken from the buffer itself), and such a part ends and is noticed below.
    this.z.resume();
  }

  static open(level: number, strategy: number, capacity: number): LaneDeflate | null {
    // zlib's default window and memory level, which deflateRoom's allowance is for.
    const z = zlib.createDeflateRaw({
      level,
      strategy,
      windowBits: 15,
      memLevel: 8,
      chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, capacity),
    });
    const inner = z as unknown as ZlibStreamInternals;
    if (
      typeof inner._processChunk !== 'function' ||
      !(inner._outBuffer instanceof Uint8Array) ||
      typeof inner._outOffset !== 'number' ||
      typeof inner._chunkSize !== 'number'
    ) {
      z.close();
      return null;
    }
    return new LaneDeflate(z);
  }

  /** Whether a part of n bytes fits in the output buffer's room left. */
  fits(n: number): boolean {
    return (this.z._chunkSize as number) - (this.z._outOffset as number) > deflateRoom(n);
  }

  /** The part deflated, ended with `flush` (Z_FULL_FLUSH or Z_FINISH); a view of the output buffer. */
  write(rows: Uint8Array, flush: number): Promise<Uint8Array> {
    const z = this.z;
    const buf = z._outBuffer as Buffer;
    const from = z._outOffset as number;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending = reject;
      (z._processChunk as (c: Uint8Array, f: number, cb: () => void) => void).call(z, rows, flush, () => {
        this.pending = null;
        // The buffer is not filled (fits), so the stream does not move to a new one; should it, the part's
        // output is not in one range and is not taken: the caller deflates the part again on its own.
        if (z.destroyed || z._outBuffer !== buf) reject(new Error('the lane compressor lost its output'));
        else resolve(buf.subarray(from, z._outOffset as number));
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

/**
 * `n` parts deflated as one raw deflate stream on libuv's pool, at most `lanes` in flight: part(i) gives
 * part i's bytes and is called for i = 0, 1, ... in order (just before the part is handed over, so that the
 * calling thread's work on a part overlaps the deflating of the parts before it). Every part but the last
 * ends with a full flush, the last with the final block: the parts, joined in order, are one deflate stream,
 * and each inflates on its own. Each lane keeps one compressor (LaneDeflate), or, where Node's streams do
 * not allow that or one fails, deflates its parts one by one.
 */
export async function deflateParts(
  n: number,
  lanes: number,
  part: (i: number) => Uint8Array,
  level: number,
  strategy: number,
): Promise<Uint8Array[]> {
  const out = new Array<Uint8Array>(n);
  let next = 0;
  const lane = async () => {
    let z: LaneDeflate | null = null;
    let kept = true;
    try {
      while (next < n) {
        const i = next++;
        const rows = part(i);
        const flush = i === n - 1 ? zlib.constants.Z_FINISH : zlib.constants.Z_FULL_FLUSH;
        if (kept && (!z || !z.fits(rows.length))) {
          z?.close();
          // Room for this lane's share of the parts left, at this part's size, twice over; at most
          // LANE_ROOM (or one part), since the parts keep their compressor's whole buffer alive.
          const room = deflateRoom(rows.length);
          const share = Math.max(2, Math.ceil((2 * (n - i)) / lanes));
          z = LaneDeflate.open(level, strategy, Math.max(room + 1, Math.min(LANE_ROOM, room * share + 1)));
          kept = z !== null;
        }
        if (z) {
          try {
            out[i] = await z.write(rows, flush);
            continue;
          } catch {
            z.close();
            z = null;
            kept = false;
          }
        }
        out[i] = await deflatePart(rows, level, strategy, flush);
      }
    } catch (e) {
      // A part that cannot be made or deflated ends the whole stream: the other lanes take no more parts.
      next = n;
      throw e;
    } finally {
      z?.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, n) }, lane));
  return out;
}

/**
 * One zlib stream from raw deflate segments that join into one deflate stream (each but the last ended by a
 * sync or full flush, the last by the final block) and the Adler-32 of all they inflate to.
 */
export function zlibStream(segments: Uint8Array[], adler: number): Uint8Array {
  const dataLength = segments.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(2 + dataLength + 4);
  // zlib header: deflate, 32 KiB window, no dictionary (0x785e is a multiple of 31).
  out[0] = 0x78;
  out[1] = 0x5e;
  let at = 2;
  for (const s of segments) {
    out.set(s, at);
    at += s.length;
  }
  new DataView(out.buffer).setUint32(at, adler);
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
