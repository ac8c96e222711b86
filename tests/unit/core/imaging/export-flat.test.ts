import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyPatches, exportImage, type Patch, type Photo } from '../../../../electron/core/imaging';
import { taggedPng } from './helpers';
import { xorshift as rng } from '../../../support/prng';

/**
 * The whole-frame export Maskroom used before JPEG/WebP were encoded from the pixels directly: a tagged PNG
 * of the photo, decoded by sharp, converted to 8 bit by libvips. Kept here as the reference the new path
 * must match pixel for pixel.
 */
async function referenceExport(image: Photo, format: 'jpeg' | 'webp', quality: number): Promise<Buffer> {
  const png = taggedPng(image);
  let s = sharp(png, { limitInputPixels: false, ignoreIcc: true }).keepIccProfile().keepExif();
  if (image.depth === 16) s = s.toColourspace('srgb');
  if (format === 'jpeg')
    s = s
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0', mozjpeg: false });
  else s = s.webp({ quality, lossless: quality === 100, effort: 4 });
  return s.toBuffer();
}

/** Smooth content plus noise (JPEG of pure noise would hide nothing, but photos are mostly smooth). */
function randomPhoto(r: () => number, depth: 8 | 16, channels: 3 | 4): Photo {
  const width = 8 + Math.floor(r() * 90);
  const height = 8 + Math.floor(r() * 70);
  const max = depth === 16 ? 65535 : 255;
  const n = width * height * channels;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const smooth = (Math.sin(x / (3 + c) + y / 7) * 0.4 + 0.5) * max;
        const v = c === 3 && r() < 0.3 ? (r() < 0.5 ? 0 : max) : smooth + (r() - 0.5) * max * 0.2;
        pixels[(y * width + x) * channels + c] = Math.max(0, Math.min(max, Math.round(v)));
      }
  return { width, height, channels, depth, pixels, format: 'png', icc: null, exif: null };
}

function randomPatch(r: () => number, p: Photo): Patch {
  const w = 1 + Math.floor(r() * p.width);
  const h = 1 + Math.floor(r() * p.height);
  const rect = {
    x: Math.floor(r() * (p.width - w + 1)),
    y: Math.floor(r() * (p.height - h + 1)),
    width: w,
    height: h,
  };
  const max = p.depth === 16 ? 65535 : 255;
  const rgba = p.depth === 16 ? new Uint16Array(w * h * 4) : new Uint8Array(w * h * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = Math.floor(r() * (max + 1));
  return { rect, depth: p.depth, rgba } as Patch;
}

async function pixelsOf(bytes: Uint8Array | Buffer): Promise<Buffer> {
  return sharp(bytes).raw().toBuffer();
}

const P3 = (async () => {
  const tagged = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } })
    .withIccProfile('p3')
    .withExif({ IFD0: { Copyright: 'Maskroom export test', Orientation: '6' } })
    .jpeg()
    .toBuffer();
  const m = await sharp(tagged).metadata();
  return { icc: new Uint8Array(m.icc!), exif: new Uint8Array(m.exif!) };
})();

describe('flat JPEG/WebP export from the pixels', () => {
  it('is pixel-identical to the whole-frame PNG path on random photos with random layers, 8 and 16 bit', async () => {
    const meta = await P3;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(seed * 7919);
      const depth = seed % 2 ? 8 : 16;
      const channels = seed % 4 < 2 ? 3 : 4;
      const base = randomPhoto(r, depth, channels);
      if (seed % 3 === 0) Object.assign(base, meta);
      const layers = Array.from({ length: Math.floor(r() * 4) }, () => randomPatch(r, base));
      const photo = layers.length ? applyPatches(base, layers) : base;
      for (const format of ['jpeg', 'webp'] as const) {
        const quality = r() < 0.25 ? 100 : 1 + Math.floor(r() * 99);
        const now = await exportImage(photo, { format, quality });
        const before = await referenceExport(photo, format, quality);
        const label = `seed ${seed} ${format} q${quality} ${depth} bit ${channels} ch ${photo.width}x${photo.height}`;
        const [a, b] = await Promise.all([pixelsOf(now), pixelsOf(before)]);
        expect(a.equals(b), label).toBe(true);
        const [ma, mb] = await Promise.all([sharp(now).metadata(), sharp(before).metadata()]);
        expect([ma.width, ma.height, ma.channels, ma.hasAlpha], label).toEqual([
          mb.width,
          mb.height,
          mb.channels,
          mb.hasAlpha,
        ]);
        expect(Boolean(ma.icc), label).toBe(Boolean(photo.icc));
        if (photo.icc) expect(Buffer.from(ma.icc!).equals(Buffer.from(photo.icc)), label).toBe(true);
        if (photo.exif) {
          expect(Buffer.from(ma.exif!).toString('latin1'), label).toContain('Maskroom export test');
          expect(ma.orientation ?? 1, label).toBe(1);
        } else expect(ma.exif, label).toBeUndefined();
      }
    }
  });

  it('splits a profile larger than one JPEG segment into numbered chunks that read back whole', async () => {
    const r = rng(5);
    const photo = randomPhoto(r, 8, 3);
    // Any bytes do for the segment layout; sharp's metadata hands the reassembled profile back.
    const icc = new Uint8Array(150_000).map((_, i) => (i * 31) & 255);
    const out = await exportImage({ ...photo, icc }, { format: 'jpeg', quality: 80 });
    const m = await sharp(out).metadata();
    expect(Buffer.from(m.icc!).equals(Buffer.from(icc))).toBe(true);
  });
});
