/**
 * The mask's fast paths against the code they replaced, kept here as oracles: maskFromFile decodes in libvips
 * without a per-pixel JavaScript loop, maskBounds compares rows at memcmp speed. Both must give exactly what
 * the old code gave, on every kind of file and every shape.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maskBounds, maskFromFile, maskFromPayload, type Mask } from '../../../../electron/core/imaging';
import { LOSSY_MASK_SNAP, maskSourcePng } from '../../../../electron/core/imaging/mask';
import { paintedBox } from '../../../../shared/mask-feather';
import { rng } from '../../../support/prng';

/** The decode maskFromFile used before: 8-bit sRGB from libvips, then the integer luma per pixel in JS. */
async function oracleMaskFromFile(bytes: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(bytes, { ignoreIcc: true, failOn: 'error' })
    .autoOrient()
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = width * height;
  const m = new Uint8Array(n);
  const c = info.channels;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    const r = data[j]!;
    const g = c >= 3 ? data[j + 1]! : r;
    const b = c >= 3 ? data[j + 2]! : r;
    m[i] = (r * 19595 + g * 38470 + b * 7471 + 32768) >>> 16;
  }
  return m;
}

/** A random shape: empty, full, dots, rectangles, a soft disc, a diagonal line, or noise. */
function randomShape(w: number, h: number, r: () => number): Uint8Array<ArrayBuffer> {
  const d = new Uint8Array(w * h);
  const kind = Math.floor(r() * 7);
  const at = (x: number, y: number, v: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h) d[y * w + x] = v;
  };
  const v = () => 1 + Math.floor(r() * 255);
  if (kind === 1) d.fill(255);
  else if (kind === 2)
    for (let i = 0; i < 1 + r() * 4; i++) at(Math.floor(r() * w), Math.floor(r() * h), v());
  else if (kind === 3) {
    for (let k = 0; k < 1 + r() * 3; k++) {
      const x0 = Math.floor(r() * w);
      const y0 = Math.floor(r() * h);
      const x1 = x0 + Math.floor(r() * (w - x0));
      const y1 = y0 + Math.floor(r() * (h - y0));
      const c = v();
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) at(x, y, c);
    }
  } else if (kind === 4) {
    const cx = r() * w;
    const cy = r() * h;
    const rad = 1 + r() * Math.max(w, h) * 0.4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const e = Math.hypot(x - cx, y - cy) - rad;
        if (e < 4) at(x, y, e <= 0 ? 255 : Math.round(255 * (1 - e / 4)));
      }
  } else if (kind === 5) {
    const n = Math.max(w, h);
    const up = r() < 0.5;
    for (let i = 0; i < n; i++)
      at(Math.floor((i * w) / n), up ? h - 1 - Math.floor((i * h) / n) : Math.floor((i * h) / n), v());
  } else if (kind === 6) for (let i = 0; i < d.length; i++) d[i] = r() < 0.05 ? v() : 0;
  return d;
}

describe('maskBounds', () => {
  it('equals the per-pixel scan it replaced on random shapes and sizes', () => {
    const r = rng(7);
    for (let t = 0; t < 600; t++) {
      const w = 1 + Math.floor(r() * (t % 3 === 0 ? 3 : 90));
      const h = 1 + Math.floor(r() * (t % 5 === 0 ? 3 : 70));
      const data = randomShape(w, h, r);
      expect(maskBounds({ width: w, height: h, data }), `${w}x${h} #${t}`).toEqual(paintedBox(data, w, h));
    }
  });

  it('finds single pixels at every corner and edge of a larger mask, and a mask offset in its buffer', () => {
    const w = 257;
    const h = 131;
    for (const [x, y] of [
      [0, 0],
      [w - 1, 0],
      [0, h - 1],
      [w - 1, h - 1],
      [128, 0],
      [0, 65],
      [w - 1, 65],
      [128, h - 1],
    ] as const) {
      const backing = new Uint8Array(w * h + 3);
      const data = backing.subarray(3);
      data[y * w + x] = 1;
      backing[0] = 255; // outside the mask: must not count
      expect(maskBounds({ width: w, height: h, data })).toEqual({ x, y, width: 1, height: 1 });
    }
  });
});

/** Encodes 8-bit samples (1-4 channels) to the given format. */
async function encode(
  px: Uint8Array,
  w: number,
  h: number,
  channels: 1 | 2 | 3 | 4,
  as: 'png' | 'png16' | 'palette' | 'jpeg' | 'webp',
  orientation?: number,
): Promise<Uint8Array<ArrayBuffer>> {
  let s = sharp(px, { raw: { width: w, height: h, channels } });
  if (channels <= 2) s = s.toColourspace('b-w');
  if (orientation) s = s.withMetadata({ orientation });
  if (as === 'png16') s = s.toColourspace(channels <= 2 ? 'grey16' : 'rgb16').png();
  else if (as === 'palette') s = s.png({ palette: true, colours: 64 });
  else if (as === 'jpeg') s = s.jpeg({ quality: 90 });
  else if (as === 'webp') s = s.webp({ lossless: true });
  else s = s.png();
  return new Uint8Array(await s.toBuffer());
}

describe('maskFromFile', () => {
  it('reads every file kind exactly as the per-pixel decode did (grey, grey+alpha, RGB, RGBA, palette, 16 bit, JPEG, WebP, rotated)', async () => {
    const r = rng(11);
    const kinds = ['png', 'png16', 'palette', 'jpeg', 'webp'] as const;
    let cases = 0;
    for (let t = 0; t < 120; t++) {
      const w = 1 + Math.floor(r() * 60);
      const h = 1 + Math.floor(r() * 50);
      const channels = (1 + (t % 4)) as 1 | 2 | 3 | 4;
      const as = kinds[Math.floor(t / 4) % kinds.length]!;
      if (as === 'jpeg' && (channels === 2 || channels === 4)) continue;
      const shape = randomShape(w, h, r);
      const px = new Uint8Array(w * h * channels);
      // Half the cases on a mask's background (opaque black or transparent zero, skipped in runs), painted
      // where the shape is; the rest noise everywhere.
      const background = t % 2 === 0 ? (r() < 0.5 ? 'black' : 'clear') : null;
      for (let i = 0; i < w * h; i++) {
        // Colour, soft alpha and grey all vary, so flattening and the luma weights all matter.
        for (let c = 0; c < channels; c++) px[i * channels + c] = Math.floor(r() * 256);
        if (channels === 1) px[i] = shape[i]!;
        if (channels === 3) px[i * 3] = shape[i]!;
        if (background && shape[i] === 0) {
          px.fill(0, i * channels, (i + 1) * channels);
          if (background === 'black' && channels % 2 === 0) px[(i + 1) * channels - 1] = 255;
        }
      }
      const orientation = t % 7 === 0 ? 1 + Math.floor(r() * 8) : undefined;
      const bytes = await encode(px, w, h, channels, as, orientation);
      const upright = orientation && orientation >= 5 ? { w: h, h: w } : { w, h };
      const got = await maskFromFile(bytes, upright.w, upright.h);
      const want = await oracleMaskFromFile(bytes, upright.w, upright.h);
      // A JPEG's compression noise near black and white is snapped (mask-lossy.test.ts); its greys are kept.
      if (as === 'jpeg')
        for (let i = 0; i < want.length; i++)
          want[i] = want[i]! <= LOSSY_MASK_SNAP ? 0 : want[i]! >= 255 - LOSSY_MASK_SNAP ? 255 : want[i]!;
      expect(
        Buffer.from(got.data).equals(Buffer.from(want)),
        `${as} ${channels}ch ${w}x${h} o${orientation}`,
      ).toBe(true);
      cases++;
    }
    expect(cases).toBeGreaterThan(90);
  });

  it('flattens every sample value at every alpha exactly as libvips does (grey + alpha and RGBA)', async () => {
    // Row a, column v: the value v (and two others in RGBA) at alpha a, every pair once.
    const ga = new Uint8Array(256 * 256 * 2);
    const rgba = new Uint8Array(256 * 256 * 4);
    for (let a = 0; a < 256; a++)
      for (let v = 0; v < 256; v++) {
        const i = a * 256 + v;
        ga.set([v, a], i * 2);
        rgba.set([v, 255 - v, (v * 7) & 255, a], i * 4);
      }
    for (const [px, channels] of [
      [ga, 2],
      [rgba, 4],
    ] as const) {
      const bytes = await encode(px, 256, 256, channels, 'png');
      const got = await maskFromFile(bytes, 256, 256);
      expect(Buffer.from(got.data).equals(Buffer.from(await oracleMaskFromFile(bytes, 256, 256)))).toBe(true);
    }
  });

  it('remembers the PNG it read (the journal keeps it as is) and reads it back as the same mask', async () => {
    const w = 40;
    const h = 30;
    const data = randomShape(w, h, rng(3));
    const png = await encode(data, w, h, 1, 'png');
    const m = await maskFromFile(png, w, h);
    expect(maskSourcePng(m)).toBe(png);
    expect((await maskFromFile(maskSourcePng(m)!, w, h)).data).toEqual(m.data);
    const viaPayload = await maskFromPayload({ kind: 'png', data: png }, w, h);
    expect(maskSourcePng(viaPayload)).toBe(png);
    // A JPEG, or raw bytes, is not kept: the journal encodes those masks as PNG.
    expect(maskSourcePng(await maskFromFile(await encode(data, w, h, 1, 'jpeg'), w, h))).toBeNull();
    const raw: Mask = await maskFromPayload({ kind: 'raw', width: w, height: h, data }, w, h);
    expect(maskSourcePng(raw)).toBeNull();
  });
});
