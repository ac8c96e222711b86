/**
 * An 8-bit PNG mask read row by row into its luma, without its decoded pixels ever being held whole.
 *
 * libvips decodes a mask file into one buffer of all its pixels (an RGBA mask of 24 MP is 96 MB, of 100 MP
 * 400 MB) before maskFromFile weighs them; on a machine where fresh memory is dear that buffer costs more than
 * the decode itself. The PNGs masks mostly are (8-bit grey, grey + alpha, RGB or RGBA, not interlaced) are
 * instead inflated here by zlib a piece at a time, each row unfiltered as it arrives and
 * weighed into the mask at once (rowWeigher, lumaOf's own rule): the same bytes as the libvips path, while the
 * mask is the only frame-sized buffer, and an empty row of it is never even written. zlib inflates into one
 * buffer of a quarter megabyte used again for every piece (zlib-direct.ts); where Node does not allow that,
 * through its Inflate stream on libuv's pool, a megabyte at a time, a piece weighed on the main thread while
 * zlib inflates the next one.
 *
 * Anything else is not read here (null: the caller decodes the file with libvips as before, and says what is
 * wrong with it in its words): another colour type or depth, interlacing, a tRNS or eXIf chunk (transparency
 * and orientation libvips would apply), a chunk whose CRC does not match, a zlib stream that does not inflate
 * to exactly the rows the header says, a filter type PNG does not define.
 */
import zlib from 'node:zlib';
import { rowWeigher } from './mask-luma';
import { directWriter, type DirectWrite } from './zlib-direct';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Channels of the 8-bit colour types read here: grey, RGB, grey + alpha, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
/** Chunks that would change what the pixels mean (transparency by colour key, orientation). */
const REFUSED = new Set(['tRNS', 'eXIf']);
/** How much zlib hands over at a time. */
const CHUNK = 1 << 20;

interface Layout {
  width: number;
  height: number;
  channels: number;
  idat: Uint8Array[];
}

/** The header and image data of a PNG this module reads, or null. */
function layoutOf(bytes: Uint8Array): Layout | null {
  if (bytes.length < 8 + 25 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let head: Omit<Layout, 'idat'> | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (at + 12 <= bytes.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (at + 12 + len > bytes.length) return null;
    const body = bytes.subarray(at + 8, at + 8 + len);
    if (zlib.crc32(body, zlib.crc32(bytes.subarray(at + 4, at + 8))) >>> 0 !== dv.getUint32(at + 8 + len))
      return null;
    if (!head) {
      if (type !== 'IHDR' || len !== 13) return null;
      const width = dv.getUint32(at + 8);
      const height = dv.getUint32(at + 12);
      const [depth, colour, compression, filter, interlace] = body.subarray(8, 13);
      const channels = CHANNELS[colour!];
      if (!width || !height || depth !== 8 || !channels || compression || filter || interlace) return null;
      head = { width, height, channels };
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    } else if (REFUSED.has(type) || (bytes[at + 4]! & 0x20) === 0) {
      // A chunk that changes the pixels, or a critical chunk other than IDAT (PLTE has no place here).
      return null;
    }
    at += 12 + len;
  }
  return head && ended && idat.length ? { ...head, idat } : null;
}

/** Undoes row filter `f` of `row` into `cur`, given the row above (`prev`, zeros above the first). */
function unfilter(f: number, row: Uint8Array, cur: Uint8Array, prev: Uint8Array, bpp: number): boolean {
  const n = row.length;
  switch (f) {
    case 0:
      cur.set(row);
      return true;
    case 1:
      for (let i = 0; i < bpp; i++) cur[i] = row[i]!;
      for (let i = bpp; i < n; i++) cur[i] = (row[i]! + cur[i - bpp]!) & 255;
      return true;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = (row[i]! + prev[i]!) & 255;
      return true;
    case 3:
      for (let i = 0; i < bpp; i++) cur[i] = (row[i]! + (prev[i]! >> 1)) & 255;
      for (let i = bpp; i < n; i++) cur[i] = (row[i]! + ((cur[i - bpp]! + prev[i]!) >> 1)) & 255;
      return true;
    case 4:
      for (let i = 0; i < bpp; i++) cur[i] = (row[i]! + prev[i]!) & 255;
      for (let i = bpp; i < n; i++) {
        const a = cur[i - bpp]!;
        const b = prev[i]!;
        const c = prev[i - bpp]!;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        cur[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return true;
    default:
      return false;
  }
}

/**
 * The mask (width x height luma, white = change) of an 8-bit PNG of that size, read row by row; null for a
 * file this module does not read (see above), which the caller decodes with libvips instead. `streaming`
 * takes the stream's way even where the direct one is there (the tests read every file both ways).
 */
export async function maskFromPngRows(
  bytes: Uint8Array,
  width: number,
  height: number,
  opts: { streaming?: boolean } = {},
): Promise<Uint8Array | null> {
  const layout = layoutOf(bytes);
  if (!layout || layout.width !== width || layout.height !== height) return null;
  const c = layout.channels;
  const rowBytes = width * c;
  const m = new Uint8Array(width * height);
  const weigh = c > 1 ? rowWeigher(width, c) : null;
  const zeros = Buffer.alloc(rowBytes);
  // The row above, unfiltered (zeros above the first): one of the two buffers rows are unfiltered into, or,
  // for a row stored unfiltered, its bytes where zlib put them (until that piece of output is reused).
  const own = [new Uint8Array(rowBytes), new Uint8Array(rowBytes)] as const;
  let prev: Uint8Array = new Uint8Array(rowBytes);
  // The part of a filtered row (its filter byte first) that ended one piece of zlib's output.
  const carry = new Uint8Array(rowBytes + 1);
  let carried = 0;
  let y = 0;
  let bad = false;
  /** Row y from its filtered bytes; `stable` when they stay as they are (a piece of zlib's, not the carry). */
  const take = (row: Uint8Array, stable: boolean) => {
    if (y >= height) {
      bad = true;
      return;
    }
    let line: Uint8Array;
    if (row[0] === 0 && stable) line = row.subarray(1);
    else {
      line = prev === own[0] ? own[1] : own[0];
      if (!unfilter(row[0]!, row.subarray(1), line, prev, c)) {
        bad = true;
        return;
      }
    }
    if (weigh) weigh(line, 0, m, y * width);
    else if (Buffer.from(line.buffer, line.byteOffset, rowBytes).compare(zeros) !== 0) m.set(line, y * width);
    prev = line;
    y++;
  };
  const consume = (piece: Uint8Array) => {
    let at = 0;
    if (carried > 0) {
      const more = Math.min(piece.length, rowBytes + 1 - carried);
      carry.set(piece.subarray(0, more), carried);
      carried += more;
      at = more;
      if (carried < rowBytes + 1) return;
      take(carry, false);
      carried = 0;
    }
    for (; !bad && at + rowBytes + 1 <= piece.length; at += rowBytes + 1)
      take(piece.subarray(at, at + rowBytes + 1), true);
    if (!bad && at < piece.length) {
      carry.set(piece.subarray(at), 0);
      carried = piece.length - at;
    }
  };
  const direct = opts.streaming ? null : directInflater();
  const inflated = direct
    ? await inflateReusing(direct, layout.idat, (piece) => {
        consume(piece);
        // The next call writes over this piece: the row above the next one must not stay in it.
        if (prev !== own[0] && prev !== own[1] && prev.byteLength > 0 && prev.buffer === piece.buffer) {
          const line = own[0];
          line.set(prev);
          prev = line;
        }
        return !bad;
      })
    : await inflateStreaming(layout.idat, (piece) => {
        consume(piece);
        return !bad;
      });
  return inflated && !bad && y === height && carried === 0 ? m : null;
}

/** zlib's handle under an Inflate stream, driven into one buffer (zlib-direct.ts), or null without it. */
interface DirectInflater {
  write: DirectWrite;
  close(): void;
}

/** Whether this Node lets masks be inflated directly (otherwise they go through the stream, slower). */
export function directInflateAvailable(): boolean {
  const z = directInflater();
  z?.close();
  return z !== null;
}

function directInflater(): DirectInflater | null {
  const z = zlib.createInflate();
  const write = directWriter(z);
  if (!write) {
    z.close();
    return null;
  }
  return { write, close: () => z.close() };
}

/** How much output one direct inflate call fills before its rows are weighed (stays in the caches). */
const DIRECT_PIECE = 1 << 18;
/** Output between two returns to the event loop: a 100 MP RGBA mask does not hold it up for its whole read. */
const DIRECT_SLICE = 1 << 24;

/** The IDAT data inflated a piece at a time into one buffer, each piece handed to `take` (false: stop). */
async function inflateReusing(
  z: DirectInflater,
  idat: Uint8Array[],
  take: (piece: Uint8Array) => boolean,
): Promise<boolean> {
  const input = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  const out = new Uint8Array(DIRECT_PIECE);
  let inOff = 0;
  let inLen = input.length;
  let sinceYield = 0;
  try {
    // Every call either fills the buffer or ends the stream; a call that gives nothing and takes nothing
    // (a stream cut short) ends the loop, as does the bound (far more calls than the rows could need).
    for (let calls = 0; calls < 1 << 24; calls++) {
      const wrote = z.write(zlib.constants.Z_FINISH, input, inOff, inLen, out, 0, out.length);
      if (!wrote) return false;
      const [room, left] = wrote;
      const produced = out.length - room;
      const used = inLen - left;
      inOff += used;
      inLen = left;
      if (produced > 0 && !take(out.subarray(0, produced))) return false;
      if (room > 0) return true;
      if (produced === 0 && used === 0) return false;
      sinceYield += produced;
      if (sinceYield >= DIRECT_SLICE) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
    return false;
  } finally {
    z.close();
  }
}

/**
 * The same through Node's Inflate stream: a megabyte at a time on libuv's pool, each piece weighed in a
 * later turn of the event loop while the pool inflates the next. zlib goes on to the next piece only once
 * the 'data' handler of the last one has returned, and each completion hands over one piece, so the queue
 * holds at most two.
 */
function inflateStreaming(idat: Uint8Array[], take: (piece: Uint8Array) => boolean): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const inflate = zlib.createInflate({ chunkSize: CHUNK });
    const queue: Buffer[] = [];
    let draining = false;
    let bad = false;
    const drain = () => {
      while (queue.length > 0 && !bad) bad = !take(queue.shift()!);
      draining = false;
      if (bad) inflate.destroy();
      else if (ended) finish();
    };
    let ended = false;
    let finished = false;
    const finish = () => {
      if (finished || draining || queue.length) return;
      finished = true;
      resolve(!bad);
    };
    inflate.on('data', (piece: Buffer) => {
      if (bad) return;
      queue.push(piece);
      if (!draining) {
        draining = true;
        setImmediate(drain);
      }
    });
    inflate.on('end', () => {
      ended = true;
      finish();
    });
    inflate.on('error', () => resolve(false));
    inflate.on('close', () => {
      if (bad || !ended) resolve(false);
    });
    for (const part of idat) inflate.write(part);
    inflate.end();
  });
}
