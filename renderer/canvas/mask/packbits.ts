/**
 * PackBits run-length coding for mask tiles kept in the undo history. Masks are mostly long runs of 0 or 255
 * with short soft edges, so a 64 KB tile usually packs to a few hundred bytes; the worst case (noise) grows by
 * under 1%. Pure TS, no DOM.
 *
 * Format: a header byte n, then: n in 0..127 → n+1 literal bytes follow; n in 129..255 → the next byte
 * repeats 257-n times (3..128); 128 is never written.
 */
export function packBits(src: Uint8Array): Uint8Array {
  const n = src.length;
  // Worst case: one header per 128 literals.
  const out = new Uint8Array(n + Math.ceil(n / 128) + 1);
  let o = 0;
  let i = 0;
  while (i < n) {
    const v = src[i]!;
    let run = 1;
    while (i + run < n && run < 128 && src[i + run] === v) run++;
    // Repeat packets from 3 equal bytes; a pair costs the same as a literal and would split literals.
    if (run >= 3) {
      out[o++] = 257 - run;
      out[o++] = v;
      i += run;
      continue;
    }
    // Literal: extend until 3 equal bytes start or 128 bytes.
    let len = 1;
    while (i + len < n && len < 128) {
      const j = i + len;
      if (j + 2 < n && src[j] === src[j + 1] && src[j] === src[j + 2]) break;
      len++;
    }
    out[o++] = len - 1;
    out.set(src.subarray(i, i + len), o);
    o += len;
    i += len;
  }
  return out.slice(0, o);
}

/** Unpacks into `dst` (which must have exactly the original length); returns dst. */
export function unpackBits(src: Uint8Array, dst: Uint8Array): Uint8Array {
  let i = 0;
  let o = 0;
  while (i < src.length) {
    const h = src[i++]!;
    if (h < 128) {
      const len = h + 1;
      dst.set(src.subarray(i, i + len), o);
      i += len;
      o += len;
    } else if (h > 128) {
      const len = 257 - h;
      dst.fill(src[i++]!, o, o + len);
      o += len;
    }
  }
  if (o !== dst.length) throw new Error(`packed tile decoded to ${o} bytes, expected ${dst.length}`);
  return dst;
}
