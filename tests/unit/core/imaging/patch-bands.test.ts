/**
 * Banded patch files (patch-bands.ts): over random patches of both depths, sizes and alphas, and band sizes
 * from one row up, the file decodes to the patch's samples by libvips and by our reader; its index says
 * where alpha is not 0 (a superset) and where it is at its maximum (a subset, exact up to MAX_SPANS runs);
 * every run of bands inflates on its own to exactly those rows of the whole stream, and not at all once a
 * byte of it changed (each band's CRC-32 is in the index); and an index that does
 * not fit the image is refused, so the file is read whole. The plans made from indexes (topOpaque's map,
 * AreaCover, neededRows), over the frame and over a rectangle of it, are those of a map made from the
 * patches' alpha alone.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePatch, ownLayout } from '../../../../electron/core/imaging/patch';
import {
  AreaCover,
  MAX_SPANS,
  bandBytes,
  coverage,
  encodeBandedPatch,
  inflateBands,
  neededRows,
  parseBandIndex,
  readPatchHead,
  topOpaque,
  type BandIndex,
} from '../../../../electron/core/imaging/patch-bands';
import { pngChunk, textChunk } from '../../../../electron/core/imaging/png';
import type { Patch } from '../../../../electron/core/imaging';
import { rng } from '../../../support/prng';

function randomPatch(rand: () => number): Patch {
  const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
  const max = depth === 16 ? 65535 : 255;
  const w = 1 + Math.floor(rand() * 70);
  const h = 1 + Math.floor(rand() * 70);
  const rgba = depth === 16 ? new Uint16Array(w * h * 4) : new Uint8Array(w * h * 4);
  const kind = Math.floor(rand() * 4); // feathered ellipse, hard edge, opaque, noise
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const o = (j * w + i) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.floor(rand() * (max + 1));
      const d = Math.hypot((i + 0.5) / w - 0.5, (j + 0.5) / h - 0.5) * 2;
      const r = rand();
      rgba[o + 3] =
        kind === 0
          ? d >= 1
            ? 0
            : d <= 0.6
              ? max
              : Math.round(((1 - d) / 0.4) * max)
          : kind === 1
            ? d < 0.8
              ? max
              : 0
            : kind === 2
              ? max
              : r < 0.3
                ? 0
                : r < 0.6
                  ? max
                  : Math.floor(rand() * (max + 1));
    }
  return { rect: { x: 3, y: 5, width: w, height: h }, depth, rgba };
}

async function libvips(bytes: Uint8Array, depth: 8 | 16): Promise<Uint8Array> {
  const img = sharp(bytes, { failOn: 'error' });
  const { data } =
    depth === 16
      ? await img.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
      : await img.raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

const bytesOf = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('banded patch files', () => {
  it('decode to the patch by libvips and by our reader, with an index true to the alpha', async () => {
    const rand = rng(7);
    for (let t = 0; t < 60; t++) {
      const p = randomPatch(rand);
      const { width: w, height: h } = p.rect;
      const bandRows = 1 + Math.floor(rand() * 20);
      const file = await encodeBandedPatch(p, [textChunk('maskroom:rect', `3,5,${w},${h}`)], bandRows);
      const what = `case ${t}: ${w}x${h} at ${p.depth} bit, bands of ${bandRows}`;
      expect(bytesOf(await libvips(file, p.depth)).equals(bytesOf(p.rgba)), what).toBe(true);
      const ours = await decodePatch(file);
      expect(ours.rect, what).toEqual(p.rect);
      expect(bytesOf(ours.rgba).equals(bytesOf(p.rgba)), what).toBe(true);

      const own = ownLayout(file)!;
      expect(own.index, what).not.toBeNull();
      const index = parseBandIndex(own.index!, w, h, own.idat.length - 6)!;
      expect(index, what).not.toBeNull();
      expect(index.bandRows).toBe(bandRows);
      const max = p.depth === 16 ? 65535 : 255;
      for (let y = 0; y < h; y++) {
        const alpha = Array.from({ length: w }, (_, x) => p.rgba[(y * w + x) * 4 + 3]!);
        const f = index.extent[2 * y]!;
        const e = index.extent[2 * y + 1]!;
        // Every non-zero alpha inside the extent, its ends non-zero.
        alpha.forEach((a, x) => {
          if (a !== 0) expect(x >= f && x < e, `${what}, row ${y}`).toBe(true);
        });
        if (e > f) expect(alpha[f] !== 0 && alpha[e - 1] !== 0, `${what}, row ${y}`).toBe(true);
        // The runs: alpha at its maximum throughout; every run when there are few enough.
        const runs: Array<[number, number]> = [];
        for (let i = index.spanStart[y]!; i < index.spanStart[y + 1]!; i++)
          runs.push([index.spans[2 * i]!, index.spans[2 * i + 1]!]);
        for (const [a, b] of runs)
          for (let x = a; x < b; x++) expect(alpha[x], `${what}, row ${y}`).toBe(max);
        const truth: Array<[number, number]> = [];
        for (let x = 0; x < w; x++)
          if (alpha[x] === max && (x === 0 || alpha[x - 1] !== max)) {
            let b = x;
            while (b < w && alpha[b] === max) b++;
            truth.push([x, b]);
          }
        if (truth.length <= MAX_SPANS) expect(runs, `${what}, row ${y}`).toEqual(truth);
        else expect(runs.length, `${what}, row ${y}`).toBe(MAX_SPANS);
      }

      // Any run of bands inflates alone to its rows of the whole stream.
      const whole = zlib.inflateSync(own.idat);
      const stride = 1 + w * 4 * (p.depth / 8);
      const nBands = index.offsets.length - 1;
      expect(nBands).toBe(Math.ceil(h / bandRows));
      for (let k = 0; k < 3; k++) {
        const first = Math.floor(rand() * nBands);
        const last = first + Math.floor(rand() * (nBands - first));
        const y0 = first * bandRows;
        const y1 = Math.min(h, (last + 1) * bandRows);
        const { from, to } = bandBytes(index, first, last);
        const data = own.idat.slice(from, to);
        const rows = await inflateBands(data, index, first, last, (y1 - y0) * stride);
        expect(rows, what).not.toBeNull();
        expect(Buffer.from(rows!).equals(whole.subarray(y0 * stride, y1 * stride)), what).toBe(true);
        // One byte changed anywhere in them: the band's CRC-32 refuses it.
        const at = Math.floor(rand() * data.length);
        data[at] = data[at]! ^ (1 + Math.floor(rand() * 255));
        expect(await inflateBands(data, index, first, last, (y1 - y0) * stride), what).toBeNull();
      }
      // The head alone (the file cut after IDAT's length and type) gives the same index; cut shorter, it asks
      // for more.
      const idatAt = file.length - own.idat.length - 24;
      expect(readPatchHead(file.subarray(0, idatAt))).toHaveProperty('need');
      const head = readPatchHead(file.subarray(0, idatAt + 8));
      expect(head && 'index' in head && Buffer.from(head.index!).equals(Buffer.from(own.index!)), what).toBe(
        true,
      );
      expect(head && 'index' in head && head.idatAt === idatAt + 8 && head.idatLength, what).toBe(
        own.idat.length,
      );
    }
  });

  it('names its index chunk private, ancillary and unsafe to copy, so an editor of the pixels drops it', async () => {
    const file = await encodeBandedPatch(randomPatch(rng(3)), [], 16);
    const types: string[] = [];
    for (let off = 8; off + 12 <= file.length;) {
      const len = Buffer.from(file.buffer, file.byteOffset + off, 4).readUInt32BE(0);
      types.push(Buffer.from(file.subarray(off + 4, off + 8)).toString('latin1'));
      off += 12 + len;
    }
    const index = types.filter((t) => !['IHDR', 'tEXt', 'IDAT', 'IEND'].includes(t));
    expect(index).toHaveLength(1);
    const [a, b, c, d] = [...index[0]!].map((ch) => ch === ch.toLowerCase());
    // PNG's naming bits: ancillary (lower), private (lower), reserved (upper), unsafe to copy (upper).
    expect([a, b, c, d]).toEqual([true, true, false, false]);
  });

  it('refuses an index that does not fit the image, and reads a file with one whole', async () => {
    const rand = rng(11);
    const p = randomPatch(rand);
    const { width: w, height: h } = p.rect;
    const file = await encodeBandedPatch(p, [], 4);
    const own = ownLayout(file)!;
    expect(parseBandIndex(own.index!, w, h, own.idat.length - 6)).not.toBeNull();
    // Another size, another stream length, garbage: no index.
    expect(parseBandIndex(own.index!, w, h + 5, own.idat.length - 6)).toBeNull();
    expect(parseBandIndex(own.index!, w, h, own.idat.length - 5)).toBeNull();
    expect(parseBandIndex(new Uint8Array([1, 2, 3, 4]), w, h)).toBeNull();
    // A row extent past the width.
    const raw = zlib.inflateSync(own.index!);
    const bad = Buffer.from(raw);
    const nBands = bad.readUInt32BE(8);
    bad.writeUInt32BE(w + 1, 12 + 8 * nBands + 4);
    expect(parseBandIndex(zlib.deflateSync(bad), w, h)).toBeNull();
    // A file whose index chunk says something else still decodes whole, to its samples.
    const forged = pngChunk('mrIX', zlib.deflateSync(bad));
    const at = file.length - own.idat.length - 24 - (own.index!.length + 12);
    const spliced = Buffer.concat([file.subarray(0, at), forged, file.subarray(at + own.index!.length + 12)]);
    const decoded = await decodePatch(new Uint8Array(spliced), p.rect);
    expect(bytesOf(decoded.rgba).equals(bytesOf(p.rgba))).toBe(true);
  });
});

/**
 * The whole frame's topOpaque map computed from the patches' alpha alone (no index, no run of topOpaque's):
 * each pixel holds the number (1-based, in stack order) of the last layer whose alpha there is at its
 * maximum, 0 for none. A layer given no index claims nothing; in a row of more than MAX_SPANS opaque runs
 * only the MAX_SPANS longest count (the leftmost of equal ones), the runs an index keeps. `seen.cut` counts
 * such rows.
 */
function opaqueOracle(
  width: number,
  height: number,
  layers: ReadonlyArray<{ patch: Patch; indexed: boolean }>,
  seen = { cut: 0 },
): Uint8Array {
  const top = new Uint8Array(width * height);
  layers.forEach(({ patch, indexed }, j) => {
    if (!indexed) return;
    const { x: px, y: py, width: w, height: h } = patch.rect;
    const max = patch.depth === 16 ? 65535 : 255;
    for (let y = 0; y < h; y++) {
      const runs: Array<[number, number]> = [];
      for (let x = 0; x < w; x++) {
        if (patch.rgba[(y * w + x) * 4 + 3] !== max) continue;
        const last = runs[runs.length - 1];
        if (last && last[1] === x) last[1] = x + 1;
        else runs.push([x, x + 1]);
      }
      if (runs.length > MAX_SPANS) seen.cut++;
      const kept =
        runs.length <= MAX_SPANS
          ? runs
          : [...runs].sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0]).slice(0, MAX_SPANS);
      for (const [from, to] of kept) for (let x = from; x < to; x++) top[(py + y) * width + px + x] = j + 1;
    }
  });
  return top;
}

describe('plans over a rectangle of the frame', () => {
  it('map, needed rows and hidden rectangles are those of the whole frame, cut to the rectangle', async () => {
    const rand = rng(2718);
    let hiddenSeen = 0;
    const seen = { cut: 0 };
    for (let t = 0; t < 40; t++) {
      const W = 10 + Math.floor(rand() * 90);
      const H = 10 + Math.floor(rand() * 70);
      const layers: Array<{
        rect: { x: number; y: number; width: number; height: number };
        index: BandIndex | null;
      }> = [];
      const patches: Array<{ patch: Patch; indexed: boolean }> = [];
      const n = 1 + Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) {
        const p = randomPatch(rand);
        const w = Math.min(p.rect.width, W);
        const h = Math.min(p.rect.height, H);
        const rgba = p.rgba.subarray(0, w * h * 4);
        // Its first w x h pixels as a patch of that size (one that fits the frame).
        const patch = {
          rect: {
            x: Math.floor(rand() * (W - w + 1)),
            y: Math.floor(rand() * (H - h + 1)),
            width: w,
            height: h,
          },
          depth: p.depth,
          rgba,
        } as Patch;
        const file = await encodeBandedPatch(patch, [], 1 + Math.floor(rand() * 8));
        const own = ownLayout(file)!;
        // Now and then a layer without an index (it claims nothing).
        const index = rand() < 0.15 ? null : parseBandIndex(own.index!, w, h)!;
        layers.push({ rect: patch.rect, index });
        patches.push({ patch, indexed: index !== null });
      }
      // The expectation throughout is the map made from the alpha (opaqueOracle), never topOpaque's own:
      // topOpaque and AreaCover walk the same runs (opaqueRuns), and neededRows reads topOpaque's map.
      const whole = opaqueOracle(W, H, patches, seen);
      const frame = topOpaque(W, H, layers);
      expect(frame).toBeInstanceOf(Uint8Array);
      const same = Buffer.from(frame.buffer).equals(Buffer.from(whole.buffer));
      expect(same, `case ${t}: topOpaque over the frame`).toBe(true);
      const aw = 1 + Math.floor(rand() * W);
      const ah = 1 + Math.floor(rand() * H);
      const area = {
        x: Math.floor(rand() * (W - aw + 1)),
        y: Math.floor(rand() * (H - ah + 1)),
        width: aw,
        height: ah,
      };
      const what = `case ${t}: ${W}x${H}, area ${JSON.stringify(area)}`;
      const map = topOpaque(W, H, layers, false, area);
      const cut = new Uint8Array(aw * ah);
      for (let y = 0; y < ah; y++)
        for (let x = 0; x < aw; x++) cut[y * aw + x] = whole[(area.y + y) * W + area.x + x]!;
      expect(Buffer.from(map.buffer).equals(Buffer.from(cut.buffer)), what).toBe(true);

      const cover = coverage(map, aw, ah, area.x, area.y);
      const frameCover = coverage(whole, W, H);
      for (const [j, { rect, index }] of layers.entries()) {
        const k = j + 1;
        const { rgba } = patches[j]!.patch;
        const alphaAt = (x: number, y: number) => rgba[(y * rect.width + x) * 4 + 3]!;
        // The oracle: per row, one past the last column inside the row's extent (from its first to its last
        // alpha not 0, by the alpha; the whole row for a layer without an index: nothing is known of its
        // alpha) and the area whose top is <= k.
        const truth = (inArea: boolean) => {
          const ends = new Uint32Array(rect.height);
          for (let y = 0; y < rect.height; y++) {
            const fy = rect.y + y;
            if (inArea && (fy < area.y || fy >= area.y + ah)) continue;
            let first = 0;
            let end = rect.width;
            if (index) {
              while (first < rect.width && alphaAt(first, y) === 0) first++;
              while (end > first && alphaAt(end - 1, y) === 0) end--;
            }
            for (let x = end - 1; x >= first; x--) {
              const fx = rect.x + x;
              if (inArea && (fx < area.x || fx >= area.x + aw)) continue;
              if (whole[fy * W + fx]! <= k) {
                ends[y] = x + 1;
                break;
              }
            }
          }
          return ends.some((e) => e > 0) ? Array.from(ends) : null;
        };
        const got = neededRows(cover, rect, index, k);
        expect(got && Array.from(got), `${what}, layer ${k} in the area`).toEqual(truth(true));
        const gotFrame = neededRows(frameCover, rect, index, k);
        expect(gotFrame && Array.from(gotFrame), `${what}, layer ${k} in the frame`).toEqual(truth(false));
      }

      // From the top down: a layer is hidden when the opaque runs of those above cover all of it in the area.
      const above = new AreaCover(area);
      for (let j = layers.length - 1; j >= 0; j--) {
        const { rect, index } = layers[j]!;
        const over = opaqueOracle(W, H, patches.slice(j + 1));
        let hidden = true;
        for (let y = Math.max(rect.y, area.y); y < Math.min(rect.y + rect.height, area.y + ah); y++)
          for (let x = Math.max(rect.x, area.x); x < Math.min(rect.x + rect.width, area.x + aw); x++)
            if (over[y * W + x] === 0) hidden = false;
        expect(above.hides(rect), `${what}, layer ${j + 1} hidden`).toBe(hidden);
        if (hidden && intersects(rect, area)) hiddenSeen++;
        if (index) above.add(rect, index);
      }
    }
    // Hidden layers were met (opaque and hard-edged patches over others), and rows of more runs than an
    // index keeps (noise).
    expect(hiddenSeen).toBeGreaterThan(5);
    expect(seen.cut).toBeGreaterThan(20);
  });
});

function intersects(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
