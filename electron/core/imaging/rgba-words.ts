/**
 * An RGBA pixel as one 32-bit word (little-endian: red in the low byte, alpha in the high one), as the patch
 * readers see PNG rows through a Uint32Array.
 */
/** Whether this machine stores a 32-bit word's low byte first (every word view of bytes depends on it). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const LOW7 = 0x7f7f7f7f;
const HIGH = 0x80808080;

/** The bytewise sum (each byte mod 256) of two pixels: PNG's Sub filter undone a pixel at a time. */
export function addBytes(f: number, l: number): number {
  return ((f & LOW7) + (l & LOW7)) ^ ((f ^ l) & HIGH);
}

/**
 * The pixel `v` (alpha 1..255) drawn over the 8-bit pixel whose red sample is px[d]: copied when opaque,
 * otherwise (x * (255 - a) + c * a) / 255 rounded, by the exact multiply-shift for that division.
 */
export function over8(px: Uint8Array, d: number, v: number): void {
  const a = v >>> 24;
  if (a === 255) {
    px[d] = v & 0xff;
    px[d + 1] = (v >>> 8) & 0xff;
    px[d + 2] = (v >>> 16) & 0xff;
    return;
  }
  const ia = 255 - a;
  px[d] = ((px[d]! * ia + (v & 0xff) * a + 127) * 0x8081) >>> 23;
  px[d + 1] = ((px[d + 1]! * ia + ((v >>> 8) & 0xff) * a + 127) * 0x8081) >>> 23;
  px[d + 2] = ((px[d + 2]! * ia + ((v >>> 16) & 0xff) * a + 127) * 0x8081) >>> 23;
}

/**
 * A word-aligned buffer for one row of `stride` bytes, seen as bytes (to copy a row into) and as pixels, and
 * the PNG rows as a Buffer so each row is copied by offsets (Buffer.copy) without a view object per row.
 */
export function rowScratch(
  stride: number,
  rows: Uint8Array,
): { bytes: Buffer; words: Uint32Array; from: Buffer } {
  const buffer = new ArrayBuffer(stride);
  return {
    bytes: Buffer.from(buffer),
    words: new Uint32Array(buffer),
    from: Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength),
  };
}

/** Whether every row's filter byte is None (0) or Sub (1), the two the patch readers undo. */
export function filtersKnown(rows: Uint8Array, height: number): boolean {
  const stride = rows.length / height;
  for (let o = 0; o < rows.length; o += stride) if (rows[o]! > 1) return false;
  return true;
}
