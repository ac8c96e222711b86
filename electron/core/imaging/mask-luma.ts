/**
 * A mask file's pixels to the mask's luma (white = change): flattened on black as libvips does
 * (floor(v * a / 255)), then Rec. 601 luma in integers; a whole decoded image (lumaOf) or one row at a time
 * (rowWeigher, for mask-png.ts).
 */

/** Rec. 601 luma in integers: exact for grey (r = g = b) inputs. */
const luma = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 32768) >>> 16;

/** An opaque black and an opaque white RGBA pixel read as one 32-bit word, in this machine's byte order. */
const RGBA_WORDS = new Uint32Array(new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255]).buffer);
const OPAQUE_BLACK = RGBA_WORDS[0]!;
const OPAQUE_WHITE = RGBA_WORDS[1]!;
const ALPHA_BITS = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0]!;

/**
 * The mask of decoded 8-bit pixels of c channels: grey, grey + alpha, RGB or RGBA (alpha last), flattened on
 * black as libvips does (floor(v * a / 255)), then the integer luma. Each row's runs of empty pixels at its
 * two ends (opaque black, or all zero: a mask's background) are found with memcmp against a row of them, so
 * only the part of a row between its first and last painted pixel is weighed one by one.
 */
export function lumaOf(raw: Uint8Array, width: number, height: number, c: number): Uint8Array {
  if (c === 1) return raw;
  const m = new Uint8Array(width * height);
  const row = rowWeigher(width, c);
  for (let y = 0; y < height; y++) row(raw, y * width * c, m, y * width);
  return m;
}

/**
 * lumaOf one row at a time: weighs the row of `width` pixels of c channels (c > 1) at byte `s` of `raw`
 * into m from index `mo`, leaving m as it is (0) where the row is empty at its two ends.
 */
export function rowWeigher(
  width: number,
  c: number,
): (raw: Uint8Array, s: number, m: Uint8Array, mo: number) => void {
  const rowBytes = width * c;
  const alpha = c === 2 || c === 4;
  const black = Buffer.alloc(rowBytes);
  if (alpha) for (let i = c - 1; i < rowBytes; i += c) black[i] = 255;
  const zero = Buffer.alloc(rowBytes);
  return (raw, s, m, mo) => {
    const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    /** The empty pattern the pixel at byte `at` is, if any. */
    const emptyAt = (at: number) => {
      const colours = alpha ? c - 1 : c;
      for (let k = 0; k < colours; k++) if (raw[at + k] !== 0) return null;
      if (!alpha) return black;
      const a = raw[at + colours];
      return a === 255 ? black : a === 0 ? zero : null;
    };
    const p = emptyAt(s);
    const lead = p ? patternRun(buf, p, s, width, c, true) : 0;
    if (lead === width) return;
    const e = s + rowBytes;
    const q = emptyAt(e - c);
    const trail = q ? patternRun(buf, q, e, width - lead, c, false) : 0;
    const first = s / c;
    const words =
      c === 4 && raw.byteOffset % 4 === 0 && s % 4 === 0
        ? new Uint32Array(raw.buffer, raw.byteOffset + s, width)
        : null;
    // weigh indexes raw's pixels from the row's first one (words from 0), m from mo.
    if (words) weighRow(raw, words, m, c, lead, width - trail, first, mo);
    else weighRow(raw, null, m, c, lead, width - trail, first, mo);
  };
}

/**
 * How many units of `unit` bytes (at most `most`) from byte `at` of `buf` on, or before it when !forward,
 * equal the start of pattern `p` (at least most * unit bytes long): by halving, comparing only the units past
 * the run already known, so a row costs about two passes of memcmp however it is painted.
 */
export function patternRun(
  buf: Buffer,
  p: Buffer,
  at: number,
  most: number,
  unit: number,
  forward: boolean,
): number {
  /** Whether units [k0, k1) of the run (counted from `at`) equal p. */
  const eq = (k0: number, k1: number) => {
    const from = forward ? at + k0 * unit : at - k1 * unit;
    const len = (k1 - k0) * unit;
    return buf.compare(p, 0, len, from, from + len) === 0;
  };
  if (eq(0, most)) return most;
  let lo = 0;
  let hi = most - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (eq(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * lumaOf for the pixels [i0, i1) of a row, one by one: raw's pixel first + i into m[mo + i]; `words` is the
 * row as 32-bit words when c is 4 and aligned (words[i] is that pixel).
 */
function weighRow(
  raw: Uint8Array,
  words: Uint32Array | null,
  m: Uint8Array,
  c: number,
  i0: number,
  i1: number,
  first: number,
  mo: number,
) {
  const flat = (v: number, a: number) => ((v * a) / 255) | 0;
  if (c === 2) {
    for (let i = i0, j = (first + i0) * 2; i < i1; i++, j += 2) {
      const a = raw[j + 1]!;
      m[mo + i] = a === 255 ? raw[j]! : flat(raw[j]!, a);
    }
  } else if (words) {
    for (let i = i0; i < i1; i++) {
      const w = words[i]!;
      if (w === OPAQUE_BLACK || (w & ALPHA_BITS) === 0) continue;
      if (w === OPAQUE_WHITE) {
        m[mo + i] = 255;
        continue;
      }
      const j = (first + i) * 4;
      const a = raw[j + 3]!;
      m[mo + i] =
        a === 255
          ? luma(raw[j]!, raw[j + 1]!, raw[j + 2]!)
          : luma(flat(raw[j]!, a), flat(raw[j + 1]!, a), flat(raw[j + 2]!, a));
    }
  } else {
    // RGB, or RGBA at an odd offset (alpha flattened the same way), or any other layout as grey.
    for (let i = i0, j = (first + i0) * c; i < i1; i++, j += c) {
      const a = c === 4 ? raw[j + 3]! : 255;
      const r = raw[j]!;
      const g = c >= 3 ? raw[j + 1]! : r;
      const b = c >= 3 ? raw[j + 2]! : r;
      m[mo + i] = a === 255 ? luma(r, g, b) : luma(flat(r, a), flat(g, a), flat(b, a));
    }
  }
}
