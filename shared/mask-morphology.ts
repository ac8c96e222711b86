/**
 * Grey-level grow (dilation) and shrink (erosion) of an 8-bit mask by a round structuring element: the
 * disc of all offsets with dx² + dy² <= r² + r (the lattice disc of radius r + ½, so the rim is not spiky).
 * One implementation for the imaging core (electron/core/imaging/mask.ts) and the canvas
 * (renderer/canvas/mask/morphology.ts), so the mask that is sent is grown exactly as the one on screen.
 *
 * The disc is a stack of horizontal runs: for each row offset ±d the run's half-width is w(d), and the
 * result is the max over d of a running max of half-width w(d) along row y ± d. Each source row's running
 * max is widened one pixel at a time (a 3-tap max) from 0 to r, and merged into the two output rows at ±d
 * when it reaches w(d). Cost: about 5·r operations per pixel of the rows that hold any mask (rows of zeros
 * are skipped), so it grows with the radius. A buffer of only two levels (the usual 0/255 mask) takes an
 * exact Euclidean distance transform instead, O(pixels) for any radius, same result. Pixels outside the buffer are
 * ignored (each window is cut at the border), so shrinking does not eat a mask from the photo's edge.
 */

/** Half-width of the disc's run at row offset dy (|dy| <= r). */
export function discHalfWidth(r: number, dy: number): number {
  return Math.floor(Math.sqrt(r * r + r - dy * dy));
}

/**
 * The two levels of a buffer that holds at most two distinct values ([lo, hi], lo === hi when it is
 * constant), or null when it holds more.
 */
function twoLevels(buf: Uint8Array): [number, number] | null {
  const a = buf[0]!;
  let b = a;
  for (let i = 1; i < buf.length; i++) {
    const v = buf[i]!;
    if (v === a || v === b) continue;
    if (a !== b) return null;
    b = v;
  }
  return a < b ? [a, b] : [b, a];
}

/**
 * Dilation of a two-level buffer (lo, hi): a pixel becomes hi when some hi pixel lies within the disc,
 * i.e. its squared Euclidean distance to the nearest hi pixel is <= r² + r. That distance comes from a
 * two-pass distance transform (Felzenszwalb-Huttenlocher): per column the distance to the nearest hi pixel,
 * then per row the lower envelope of the parabolas (x - x')² + g(x')². Only columns within r of a hi pixel
 * enter the envelope (the others are beyond the disc), so every value is a small exact integer and the
 * result is exactly the disc's max. O(w·h) whatever the radius.
 */
function dilateTwoLevel(buf: Uint8Array, w: number, h: number, r: number, lo: number, hi: number): void {
  const far = r + 1; // "no hi pixel within r rows"
  const limit = r * r + r;
  // g: vertical distance to the nearest hi pixel in the same column, capped at far.
  const g = new Int32Array(w * h);
  const last = new Int32Array(w).fill(-far);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (buf[o + x] === hi) last[x] = y;
      const d = y - last[x]!;
      g[o + x] = d < far ? d : far;
    }
  }
  const next = new Int32Array(w).fill(h - 1 + far);
  for (let y = h - 1; y >= 0; y--) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (buf[o + x] === hi) next[x] = y;
      const d = next[x]! - y;
      if (d < g[o + x]!) g[o + x] = d;
    }
  }
  const v = new Int32Array(w); // the envelope's sites (columns)
  const z = new Float64Array(w + 1); // where each site's parabola starts being the lowest
  const f = new Float64Array(w); // g² of the row
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let k = -1;
    for (let q = 0; q < w; q++) {
      const gq = g[o + q]!;
      if (gq >= far) continue;
      f[q] = gq * gq;
      if (k < 0) {
        k = 0;
        v[0] = q;
        z[0] = -Infinity;
        z[1] = Infinity;
        continue;
      }
      let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * (q - v[k]!));
      while (s <= z[k]!) {
        k--;
        s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * (q - v[k]!));
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
    }
    if (k < 0) {
      buf.fill(lo, o, o + w);
      continue;
    }
    k = 0;
    for (let x = 0; x < w; x++) {
      while (z[k + 1]! < x) k++;
      const dx = x - v[k]!;
      buf[o + x] = dx * dx + f[v[k]!]! <= limit ? hi : lo;
    }
  }
}

/**
 * Dilation of a two-level buffer (lo, hi) by row runs: the disc is a stack of horizontal runs (half-width
 * w(d) at row offset ±d), so output row y is hi exactly on the union of the hi runs of rows y ± d, each
 * widened by w(d) and cut at the border. Per output row the (2r + 1) · runs intervals are sorted and merged,
 * then filled; for a painted mask (a few runs per row) that is far less than a pass over every pixel. Returns
 * false, leaving buf as it was, when the runs are too many for that to pay (dilateTwoLevel is then used).
 */
export function dilateRuns(
  buf: Uint8Array,
  w: number,
  h: number,
  r: number,
  lo: number,
  hi: number,
): boolean {
  if (w >= 2 ** 26) return false;
  const budget = (w * h) / 4 / (2 * r + 1);
  const starts: number[] = [];
  const ends: number[] = [];
  const rowStart = new Int32Array(h + 1);
  for (let y = 0; y < h; y++) {
    rowStart[y] = starts.length;
    const row = buf.subarray(y * w, y * w + w);
    let x = 0;
    while (x < w) {
      const s = row.indexOf(hi, x);
      if (s < 0) break;
      let e = row.indexOf(lo, s);
      if (e < 0) e = w;
      starts.push(s);
      ends.push(e);
      x = e;
    }
    if (starts.length > budget) return false;
  }
  rowStart[h] = starts.length;
  const widths = new Int32Array(r + 1);
  for (let d = 0; d <= r; d++) widths[d] = discHalfWidth(r, d);
  buf.fill(lo);
  // An interval [a, b) as one sortable number: a · 2^26 + b (w < 2^26).
  let keys = new Float64Array(64);
  const SHIFT = 2 ** 26;
  for (let y = 0; y < h; y++) {
    let n = 0;
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h - 1, y + r);
    for (let yy = y0; yy <= y1; yy++) {
      const wd = widths[yy < y ? y - yy : yy - y]!;
      for (let j = rowStart[yy]!; j < rowStart[yy + 1]!; j++) {
        const a = starts[j]! - wd;
        const b = ends[j]! + wd;
        if (n === keys.length) {
          const grown = new Float64Array(n * 2);
          grown.set(keys);
          keys = grown;
        }
        keys[n++] = (a < 0 ? 0 : a) * SHIFT + (b > w ? w : b);
      }
    }
    if (n === 0) continue;
    const sorted = keys.subarray(0, n).sort();
    const o = y * w;
    let curA = Math.floor(sorted[0]! / SHIFT);
    let curB = sorted[0]! - curA * SHIFT;
    for (let j = 1; j < n; j++) {
      const a = Math.floor(sorted[j]! / SHIFT);
      const b = sorted[j]! - a * SHIFT;
      if (a <= curB) {
        if (b > curB) curB = b;
        continue;
      }
      buf.fill(hi, o + curA, o + curB);
      curA = a;
      curB = b;
    }
    buf.fill(hi, o + curA, o + curB);
  }
  return true;
}

/** Grey-level dilation by the disc of radius r, in place on a w x h buffer. */
export function dilateDisc(buf: Uint8Array, w: number, h: number, r: number): void {
  r = Math.floor(r);
  if (r <= 0 || w === 0 || h === 0) return;
  // Masks are mostly two-level (0 and 255): those take the distance transform, O(pixels) for any radius.
  const levels = twoLevels(buf);
  if (levels) {
    if (levels[0] !== levels[1] && !dilateRuns(buf, w, h, r, levels[0], levels[1]))
      dilateTwoLevel(buf, w, h, r, levels[0], levels[1]);
    return;
  }
  const src = buf.slice();
  buf.fill(0);
  // widths[d]: the run's half-width at row offset ±d, largest at d = 0.
  const widths = Array.from({ length: r + 1 }, (_, d) => discHalfWidth(r, d));
  let a = new Uint8Array(w);
  let b = new Uint8Array(w);
  for (let yy = 0; yy < h; yy++) {
    const row = src.subarray(yy * w, yy * w + w);
    let any = 0;
    for (let x = 0; x < w && !any; x++) any = row[x]!;
    if (!any) continue; // a row of zeros adds nothing to a max (most of a mask's box usually is)
    // a = the row's running max of half-width `cur`, widened one step at a time:
    // H(c+1)(x) = max(H(c)(x-1), H(c)(x), H(c)(x+1)), outside the buffer ignored.
    a.set(row);
    let cur = 0;
    for (let d = r; d >= 0; d--) {
      while (cur < widths[d]!) {
        if (w === 1) break;
        b[0] = a[0]! > a[1]! ? a[0]! : a[1]!;
        for (let x = 1; x < w - 1; x++) {
          const l = a[x - 1]!;
          const c = a[x]!;
          const rr = a[x + 1]!;
          const m = l > c ? l : c;
          b[x] = m > rr ? m : rr;
        }
        b[w - 1] = a[w - 1]! > a[w - 2]! ? a[w - 1]! : a[w - 2]!;
        [a, b] = [b, a];
        cur++;
      }
      // This source row reaches output rows yy - d and yy + d with the run of half-width widths[d].
      for (const y of d === 0 ? [yy] : [yy - d, yy + d]) {
        if (y < 0 || y >= h) continue;
        const o = y * w;
        for (let x = 0; x < w; x++) if (a[x]! > buf[o + x]!) buf[o + x] = a[x]!;
      }
    }
  }
}

/** Grey-level erosion by the disc of radius r, in place: the dual of dilateDisc, with the border ignored. */
export function erodeDisc(buf: Uint8Array, w: number, h: number, r: number): void {
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
  dilateDisc(buf, w, h, r);
  for (let i = 0; i < buf.length; i++) buf[i] = 255 - buf[i]!;
}
