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
 * are skipped), so it grows with the radius. Pixels outside the buffer are
 * ignored (each window is cut at the border), so shrinking does not eat a mask from the photo's edge.
 */

/** Half-width of the disc's run at row offset dy (|dy| <= r). */
export function discHalfWidth(r: number, dy: number): number {
  return Math.floor(Math.sqrt(r * r + r - dy * dy));
}

/** Grey-level dilation by the disc of radius r, in place on a w x h buffer. */
export function dilateDisc(buf: Uint8Array, w: number, h: number, r: number): void {
  r = Math.floor(r);
  if (r <= 0 || w === 0 || h === 0) return;
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
