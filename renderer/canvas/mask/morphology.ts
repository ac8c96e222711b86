/**
 * Grey-level grow (dilation) and shrink (erosion) of an 8-bit mask, pure TS.
 *
 * The structuring element is an octagon of radius r (a close, cheap stand-in for a disc): a square of half-size
 * a ≈ 0.414·r followed by a diamond of radius b = r − a, the diamond built as diagonal ⊕ anti-diagonal segments
 * ⊕ a 3×3 cross. Every pass is a 1-D running max (van Herk / Gil–Werman), O(1) per pixel whatever r is.
 * Pixels outside the buffer are ignored (each pass truncates its window at the border), so shrinking does not
 * eat a mask from the photo's edge. Because the passes are chained, a source pixel closer to the border than r
 * may reach slightly less far along the border than the exact octagon would; away from the border it is exact.
 */

/** Running max of half-width k over `line[0..n)` in place; `tmpG`/`tmpH` need n + 2k entries. */
function maxLine(
  line: Uint8Array,
  n: number,
  k: number,
  pad: Uint8Array,
  g: Uint8Array,
  h: Uint8Array,
): void {
  if (k <= 0 || n === 0) return;
  const win = 2 * k + 1;
  const m = n + 2 * k;
  // pad = [0]*k + line + [0]*k (0 is the identity of max for unsigned bytes).
  pad.fill(0, 0, k);
  pad.set(line.subarray(0, n), k);
  pad.fill(0, k + n, m);
  for (let i = 0; i < m; i++) {
    const v = pad[i]!;
    if (i % win === 0) g[i] = v;
    else {
      const p = g[i - 1]!;
      g[i] = p > v ? p : v;
    }
  }
  for (let i = m - 1; i >= 0; i--) {
    const v = pad[i]!;
    if (i === m - 1 || (i + 1) % win === 0) h[i] = v;
    else {
      const p = h[i + 1]!;
      h[i] = p > v ? p : v;
    }
  }
  // Output j covers padded [j, j + 2k].
  for (let j = 0; j < n; j++) {
    const a = h[j]!;
    const b = g[j + 2 * k]!;
    line[j] = a > b ? a : b;
  }
}

interface Scratch {
  line: Uint8Array;
  pad: Uint8Array;
  g: Uint8Array;
  h: Uint8Array;
}

function scratch(len: number, k: number): Scratch {
  return {
    line: new Uint8Array(len),
    pad: new Uint8Array(len + 2 * k),
    g: new Uint8Array(len + 2 * k),
    h: new Uint8Array(len + 2 * k),
  };
}

/** Max filter along lines that start at (x0, y0) and step (dx, dy), half-width k. */
function maxAlong(buf: Uint8Array, w: number, h: number, k: number, dx: number, dy: number): void {
  if (k <= 0) return;
  const s = scratch(Math.max(w, h), k);
  const run = (x0: number, y0: number) => {
    let n = 0;
    for (let x = x0, y = y0; x >= 0 && x < w && y < h; x += dx, y += dy) s.line[n++] = buf[y * w + x]!;
    maxLine(s.line, n, k, s.pad, s.g, s.h);
    n = 0;
    for (let x = x0, y = y0; x >= 0 && x < w && y < h; x += dx, y += dy) buf[y * w + x] = s.line[n++]!;
  };
  if (dy === 0) for (let y = 0; y < h; y++) run(0, y);
  else if (dx === 0) for (let x = 0; x < w; x++) run(x, 0);
  else if (dx === 1) {
    for (let x = 0; x < w; x++) run(x, 0);
    for (let y = 1; y < h; y++) run(0, y);
  } else {
    for (let x = 0; x < w; x++) run(x, 0);
    for (let y = 1; y < h; y++) run(w - 1, y);
  }
}

/** Max over the pixel and its 4 neighbours. */
function maxCross(buf: Uint8Array, w: number, h: number): void {
  const src = buf.slice();
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      let v = src[i]!;
      if (x > 0 && src[i - 1]! > v) v = src[i - 1]!;
      if (x < w - 1 && src[i + 1]! > v) v = src[i + 1]!;
      if (y > 0 && src[i - w]! > v) v = src[i - w]!;
      if (y < h - 1 && src[i + w]! > v) v = src[i + w]!;
      buf[i] = v;
    }
  }
}

/** Square half-size and diamond radius whose sum is an octagon of radius r. */
export function octagonParts(r: number): { square: number; diamond: number } {
  let square = Math.round(r * (Math.SQRT2 - 1));
  let diamond = r - square;
  // The diamond is built from diagonal segments plus a cross, which gives odd radii only.
  if (diamond > 0 && diamond % 2 === 0) {
    diamond -= 1;
    square += 1;
  }
  return { square, diamond };
}

/** Grey-level dilation by an octagon of radius r (in place). */
export function dilate(buf: Uint8Array, w: number, h: number, r: number): void {
  r = Math.floor(r);
  if (r <= 0 || w === 0 || h === 0) return;
  const { square, diamond } = octagonParts(r);
  maxAlong(buf, w, h, square, 1, 0);
  maxAlong(buf, w, h, square, 0, 1);
  if (diamond > 0) {
    const k = (diamond - 1) / 2;
    maxAlong(buf, w, h, k, 1, 1);
    maxAlong(buf, w, h, k, -1, 1);
    maxCross(buf, w, h);
  }
}

/** Grey-level erosion by an octagon of radius r (in place): the dual of dilate, with the border ignored. */
export function erode(buf: Uint8Array, w: number, h: number, r: number): void {
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
  dilate(buf, w, h, r);
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
}
