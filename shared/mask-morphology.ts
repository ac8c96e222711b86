/**
 * Grey-level grow (dilation) and shrink (erosion) of an 8-bit mask by a round structuring element: the
 * disc of all offsets with dx² + dy² <= r² + r (the lattice disc of radius r + ½, so the rim is not spiky).
 * One implementation for the imaging core (electron/core/imaging/mask.ts) and the canvas
 * (renderer/canvas/mask/morphology.ts), so the mask that is sent is grown exactly as the one on screen.
 *
 * The disc is a stack of horizontal runs: for each row offset dy the run's half-width is w(dy), and the
 * result is the max over dy of a running max of half-width w(dy) along row y + dy (van Herk / Gil–Werman,
 * O(1) per pixel per run). Cost: about 3·(2r + 1) operations per pixel of the rows that hold any mask (rows
 * of zeros are skipped), so it grows with the radius. Pixels outside the buffer are
 * ignored (each window is cut at the border), so shrinking does not eat a mask from the photo's edge.
 */

/** Half-width of the disc's run at row offset dy (|dy| <= r). */
export function discHalfWidth(r: number, dy: number): number {
  return Math.floor(Math.sqrt(r * r + r - dy * dy));
}

/** Running max of half-width k over src[0..n) into out[0..n); windows cut at the ends. */
function runMax(
  src: Uint8Array,
  n: number,
  k: number,
  pad: Uint8Array,
  g: Uint8Array,
  h: Uint8Array,
  out: Uint8Array,
): void {
  if (k <= 0) {
    out.set(src.subarray(0, n));
    return;
  }
  const win = 2 * k + 1;
  const m = n + 2 * k;
  pad.fill(0, 0, k);
  pad.set(src.subarray(0, n), k);
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
  for (let j = 0; j < n; j++) {
    const a = h[j]!;
    const b = g[j + 2 * k]!;
    out[j] = a > b ? a : b;
  }
}

/** Grey-level dilation by the disc of radius r, in place on a w x h buffer. */
export function dilateDisc(buf: Uint8Array, w: number, h: number, r: number): void {
  r = Math.floor(r);
  if (r <= 0 || w === 0 || h === 0) return;
  const src = buf.slice();
  const len = w + 2 * r;
  const pad = new Uint8Array(len);
  const g = new Uint8Array(len);
  const hh = new Uint8Array(len);
  const run = new Uint8Array(w);
  const acc = new Uint8Array(w);
  const widths = Array.from({ length: 2 * r + 1 }, (_, i) => discHalfWidth(r, i - r));
  // Rows that are all 0 add nothing to a max: most of a mask's box usually is.
  const empty = new Uint8Array(h);
  for (let y = 0; y < h; y++) {
    let any = 0;
    for (let x = y * w, e = x + w; x < e && !any; x++) any = src[x]!;
    empty[y] = any ? 0 : 1;
  }
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let dy = -r; dy <= r; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= h || empty[yy]) continue;
      runMax(src.subarray(yy * w, yy * w + w), w, widths[dy + r]!, pad, g, hh, run);
      for (let x = 0; x < w; x++) if (run[x]! > acc[x]!) acc[x] = run[x]!;
    }
    buf.set(acc, y * w);
  }
}

/** Grey-level erosion by the disc of radius r, in place: the dual of dilateDisc, with the border ignored. */
export function erodeDisc(buf: Uint8Array, w: number, h: number, r: number): void {
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
  dilateDisc(buf, w, h, r);
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
}
