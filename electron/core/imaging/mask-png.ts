/**
 * An 8-bit PNG mask read row by row into its luma, without its decoded pixels ever being held whole.
 *
 * libvips decodes a mask file into one buffer of all its pixels (an RGBA mask of 24 MP is 96 MB, of 100 MP
 * 400 MB) before maskFromFile weighs them; on a machine where fresh memory is dear that buffer costs more than
 * the decode itself. The PNGs masks mostly are (8-bit grey, grey + alpha, RGB or RGBA, not interlaced) are
 * instead inflated here by zlib on libuv's pool a megabyte at a time, each row unfiltered as it arrives and
 * weighed into the mask at once (rowWeigher, lumaOf's own rule): the same bytes as the libvips path, while the
 * mask is the only frame-sized buffer, and an empty row of it is never even written. A piece is weighed on the
 * main thread while zlib inflates the next one.
 *
 * Anything else is not read here (null: the caller decodes the file with libvips as before, and says what is
 * wrong with it in its words): another colour type or depth, interlacing, a tRNS or eXIf chunk (transparency
 * and orientation libvips would apply), a chunk whose CRC does not match, a zlib stream that does not inflate
 * to exactly the rows the header says, a filter type PNG does not define.
 */
import zlib from 'node:zlib';
import { rowWeigher } from './mask-luma';

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
 * file this module does not read (see above), which the caller decodes with libvips instead.
 */
export async function maskFromPngRows(
  bytes: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array | null> {
  const layout = layoutOf(bytes);
  if (!layout || layout.width !== width || layout.height !== height) return null;
  const c = layout.channels;
  const rowBytes = width * c;
  const m = new Uint8Array(width * height);
  const weigh = c > 1 ? rowWeigher(width, c) : null;
  const zeros = Buffer.alloc(rowBytes);
  // The row above, unfiltered (zeros above the first): one of the two buffers rows are unfiltered into, or,
  // for a row stored unfiltered, its bytes where zlib put them (zlib never writes over what it handed out).
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
  const ok = await new Promise<boolean>((resolve) => {
    const inflate = zlib.createInflate({ chunkSize: CHUNK });
    // zlib goes on to the next piece only once the 'data' handler of the last one has returned: the pieces are
    // queued and weighed in a later turn of the event loop, so that the pool inflates the next piece meanwhile.
    // It is never more than one piece ahead (each completion on the pool hands over one piece, and the next
    // inflate is queued only then), so the queue holds at most two.
    const queue: Buffer[] = [];
    let draining = false;
    const consume = (piece: Buffer) => {
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
    const drain = () => {
      while (queue.length > 0 && !bad) consume(queue.shift()!);
      draining = false;
      if (bad) inflate.destroy();
      else if (ended) finish();
    };
    let ended = false;
    let finished = false;
    const finish = () => {
      if (finished || draining || queue.length) return;
      finished = true;
      resolve(!bad && y === height && carried === 0);
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
    for (const part of layout.idat) inflate.write(part);
    inflate.end();
  });
  return ok ? m : null;
}
