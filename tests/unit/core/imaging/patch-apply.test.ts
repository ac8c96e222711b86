/**
 * The patch blend (applyPatchInPlace / applyPatches) against the straightforward floating-point loop it
 * replaced, kept here as the oracle: over random photos and patches of every depth pairing, 3 and 4
 * channels, rectangles touching the frame's edges, and alphas biased to the special values (0, max, 1, max-1),
 * the result must be the same sample for sample.
 */
import { describe, expect, it } from 'vitest';
import type { Patch, Photo } from '../../../../electron/core/imaging';
import { applyPatches, applyPatchInPlace } from '../../../../electron/core/imaging/patch';

/** The blend as it was first written: one float expression per sample, conversions by Math.round. */
function oracleApply(img: Photo, patch: Patch): void {
  const { rect } = patch;
  const M = img.depth === 16 ? 65535 : 255;
  const conv = patch.depth === img.depth ? 1 : img.depth === 16 ? 257 : 1 / 257;
  const half = (M - 1) / 2 + 0.5;
  const px = img.pixels;
  const ch = img.channels;
  const src = patch.rgba;
  let s = 0;
  for (let y = 0; y < rect.height; y++) {
    let d = ((rect.y + y) * img.width + rect.x) * ch;
    for (let x = 0; x < rect.width; x++, s += 4, d += ch) {
      let a = src[s + 3]!;
      if (a === 0) continue;
      if (conv !== 1) a = Math.round(a * conv);
      if (a >= M) {
        px[d] = conv === 1 ? src[s]! : Math.round(src[s]! * conv);
        px[d + 1] = conv === 1 ? src[s + 1]! : Math.round(src[s + 1]! * conv);
        px[d + 2] = conv === 1 ? src[s + 2]! : Math.round(src[s + 2]! * conv);
        continue;
      }
      const ia = M - a;
      for (let c = 0; c < 3; c++) {
        const f = conv === 1 ? src[s + c]! : Math.round(src[s + c]! * conv);
        px[d + c] = Math.floor((px[d + c]! * ia + f * a + half) / M);
      }
    }
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function samples(depth: 8 | 16, n: number, rand: () => number): Uint8Array | Uint16Array {
  const max = depth === 16 ? 65535 : 255;
  const a = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    // Extremes often: they are where rounding and the fast paths differ first.
    a[i] = r < 0.1 ? 0 : r < 0.2 ? max : Math.floor(rand() * (max + 1));
  }
  return a;
}

function randomPhoto(rand: () => number): Photo {
  const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
  const channels: 3 | 4 = rand() < 0.5 ? 3 : 4;
  const width = 1 + Math.floor(rand() * 40);
  const height = 1 + Math.floor(rand() * 30);
  return {
    width,
    height,
    channels,
    depth,
    pixels: samples(depth, width * height * channels, rand),
    icc: null,
    exif: null,
    format: 'png',
  };
}

function randomPatch(img: Photo, rand: () => number): Patch {
  const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
  const max = depth === 16 ? 65535 : 255;
  // Often flush with an edge of the frame, sometimes the whole frame.
  const pick = (size: number) => {
    const r = rand();
    if (r < 0.15) return { at: 0, len: size };
    const len = 1 + Math.floor(rand() * size);
    const at = r < 0.4 ? 0 : r < 0.65 ? size - len : Math.floor(rand() * (size - len + 1));
    return { at, len };
  };
  const h = pick(img.width);
  const v = pick(img.height);
  const rgba = samples(depth, h.len * v.len * 4, rand);
  // Alphas next to the extremes too (1 and max-1 round differently from their neighbours across depths).
  for (let i = 3; i < rgba.length; i += 4) {
    const r = rand();
    if (r < 0.1) rgba[i] = 1;
    else if (r < 0.2) rgba[i] = max - 1;
    else if (depth === 16 && r < 0.3) rgba[i] = 128 + Math.floor(rand() * 3) * 257; // near the ÷257 half-way
  }
  return { rect: { x: h.at, y: v.at, width: h.len, height: v.len }, depth, rgba };
}

/** Where two sample arrays first differ, with both values (null when they are equal). */
function firstDiff(got: Photo['pixels'], want: Photo['pixels']): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `sample ${i}: ${got[i]} vs ${want[i]}`;
  return null;
}

function clone(p: Photo): Photo {
  return { ...p, pixels: p.depth === 16 ? new Uint16Array(p.pixels) : new Uint8Array(p.pixels) };
}

describe('applyPatchInPlace', () => {
  it('matches the floating-point blend sample for sample over random photos, patches and depths', () => {
    const rand = rng(20261201);
    const pairings = new Set<string>();
    for (let trial = 0; trial < 600; trial++) {
      const photo = randomPhoto(rand);
      const patches = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomPatch(photo, rand));
      const want = clone(photo);
      for (const p of patches) oracleApply(want, p);
      const got = clone(photo);
      for (const p of patches) {
        applyPatchInPlace(got, p);
        pairings.add(`${p.depth}on${photo.depth}x${photo.channels}`);
      }
      expect(firstDiff(got.pixels, want.pixels), `trial ${trial}`).toBeNull();
      // applyPatches gives the same result on a copy and leaves its input alone.
      const before = clone(photo);
      expect(firstDiff(applyPatches(photo, patches).pixels, want.pixels), `trial ${trial}`).toBeNull();
      expect(firstDiff(photo.pixels, before.pixels)).toBeNull();
    }
    // Every depth pairing on both channel counts was exercised.
    expect(pairings.size).toBe(8);
  });

  it('matches the oracle for every base sample and alpha of an 8-bit blend', () => {
    // Exhaustive over base, alpha and a spread of patch values: 256 x 256 x 9 pixels in one frame.
    const fs = [0, 1, 2, 127, 128, 129, 253, 254, 255];
    const width = 256 * 256;
    const height = fs.length;
    const pixels = new Uint8Array(width * height * 3);
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let i = 0; i < width; i++) {
        const base = i & 255;
        const a = i >> 8;
        pixels.fill(base, (y * width + i) * 3, (y * width + i) * 3 + 3);
        rgba.set([fs[y]!, 255 - fs[y]!, base, a], (y * width + i) * 4);
      }
    const photo: Photo = {
      width,
      height,
      channels: 3,
      depth: 8,
      pixels,
      icc: null,
      exif: null,
      format: 'png',
    };
    const patch: Patch = { rect: { x: 0, y: 0, width, height }, depth: 8, rgba };
    const want = clone(photo);
    oracleApply(want, patch);
    const got = clone(photo);
    applyPatchInPlace(got, patch);
    expect(firstDiff(got.pixels, want.pixels)).toBeNull();
  });

  it('matches the oracle on 16-bit sums that land on and next to a rounding boundary', () => {
    // base·(M−a) + f·a + 32767 is a multiple of 65535 (or one short of it): with a = 1, base = k and
    // f = k − 32767 + e; with a = M − 1, f = k and base = k − 32767 + e (e = −1, 0, 1).
    const M = 65535;
    const px: number[] = [];
    const rgba: number[] = [];
    for (let k = 32768; k <= M; k += 3)
      for (const e of [-1, 0, 1]) {
        const f = k - 32767 + e;
        if (f >= 0 && f <= M) {
          px.push(k, k, k);
          rgba.push(f, f, f, 1);
          px.push(f, f, f);
          rgba.push(k, k, k, M - 1);
        }
      }
    const width = px.length / 3;
    const photo: Photo = {
      width,
      height: 1,
      channels: 3,
      depth: 16,
      pixels: Uint16Array.from(px),
      icc: null,
      exif: null,
      format: 'png',
    };
    const patch: Patch = { rect: { x: 0, y: 0, width, height: 1 }, depth: 16, rgba: Uint16Array.from(rgba) };
    const want = clone(photo);
    oracleApply(want, patch);
    const got = clone(photo);
    applyPatchInPlace(got, patch);
    expect(firstDiff(got.pixels, want.pixels)).toBeNull();
  });

  it('refuses a patch that reaches outside the photo', () => {
    const rand = rng(7);
    const photo = randomPhoto(rand);
    const rgba = new Uint8Array(4 * 4);
    for (const rect of [
      { x: photo.width - 1, y: 0, width: 2, height: 1 },
      { x: 0, y: photo.height, width: 1, height: 1 },
      { x: -1, y: 0, width: 1, height: 1 },
    ])
      expect(() => applyPatchInPlace(photo, { rect, depth: 8, rgba })).toThrow(/outside the photo/);
  });
});
