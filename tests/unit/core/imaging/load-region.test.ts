/**
 * loadPhotoRegion against the whole decode: the rectangle decoded on its own must be, sample for sample,
 * that rectangle of loadPhoto's image (same orientation, space, depth, profile, EXIF), for every layout an
 * edit can start from: JPEG (4:2:0 and 4:4:4, grey, CMYK with a profile), PNG 8/16 bit with and without
 * alpha, WebP, TIFF, each under every EXIF orientation, and rectangles anywhere (edges and corners
 * included). A region whose pixels were not those of the whole decode would change the image sent.
 */
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearPhotoCache, loadPhoto, loadPhotoRegion } from '../../../../electron/core/imaging/load';
import { cutRegion } from '../../../../electron/core/imaging/region';
import type { Rect } from '../../../../shared/contract';
import { pick, rng } from '../../../support/prng';

type Kind = 'jpeg420' | 'jpeg444' | 'jpegGrey' | 'jpegCmyk' | 'png8' | 'png8a' | 'png16' | 'webp' | 'tiff';
const KINDS: Kind[] = [
  'jpeg420',
  'jpeg444',
  'jpegGrey',
  'jpegCmyk',
  'png8',
  'png8a',
  'png16',
  'webp',
  'tiff',
];

/** A noisy, structured test image (gradients + noise, so every pixel differs from its neighbours). */
function pixels(w: number, h: number, ch: number, r: () => number): Buffer {
  const out = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < ch; c++)
        out[(y * w + x) * ch + c] =
          c === 3
            ? 128 + Math.floor(r() * 127)
            : ((x * (c + 1) * 7 + y * (3 - c) * 5) & 255) ^ Math.floor(r() * 64);
  return out;
}

async function photoFile(kind: Kind, w: number, h: number, orientation: number, r: () => number) {
  const ch = kind === 'png8a' ? 4 : 3;
  let s = sharp(pixels(w, h, ch, r), { raw: { width: w, height: h, channels: ch } });
  if (kind === 'png16') s = s.toColourspace('rgb16');
  if (kind === 'jpegGrey') s = s.greyscale();
  if (kind === 'jpegCmyk') s = s.toColourspace('cmyk');
  s = s.withMetadata({ orientation });
  switch (kind) {
    case 'jpeg420':
    case 'jpegGrey':
    case 'jpegCmyk':
      return s.jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toBuffer();
    case 'jpeg444':
      return s.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'webp':
      return s.webp({ quality: 80 }).toBuffer();
    case 'tiff':
      return s.tiff({ compression: 'lzw' }).toBuffer();
    default:
      return s.png({ compressionLevel: 1 }).toBuffer();
  }
}

function randomRect(r: () => number, w: number, h: number): Rect {
  const edge = r();
  // A third of the rectangles touch an edge or a corner of the photo.
  const width = 1 + Math.floor(r() * w);
  const height = 1 + Math.floor(r() * h);
  const x = edge < 0.15 ? 0 : edge < 0.3 ? w - width : Math.floor(r() * (w - width + 1));
  const y = edge < 0.1 || (edge > 0.2 && edge < 0.33) ? h - height : Math.floor(r() * (h - height + 1));
  return { x, y, width, height };
}

beforeEach(() => clearPhotoCache());

describe('loadPhotoRegion', () => {
  it('is the whole decode cut to the rectangle, for every layout and orientation', async () => {
    const r = rng(20261201);
    let cases = 0;
    for (const kind of KINDS) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const w = 17 + Math.floor(r() * 180);
        const h = 17 + Math.floor(r() * 180);
        const bytes = new Uint8Array(await photoFile(kind, w, h, orientation, r));
        for (let k = 0; k < 3; k++) {
          clearPhotoCache();
          const whole = await loadPhoto(bytes);
          clearPhotoCache();
          const rect = randomRect(r, whole.width, whole.height);
          // Told once that libvips has the decode, before the region is given (8 and 16 bit alike).
          const order: string[] = [];
          const region = await loadPhotoRegion(bytes, rect, undefined, () => order.push('decoding')).then(
            (got) => (order.push('decoded'), got),
          );
          expect(order, kind).toEqual(['decoding', 'decoded']);
          const want = cutRegion(whole, rect);
          const what = `${kind} orientation ${orientation} ${w}x${h} rect ${JSON.stringify(rect)}`;
          expect(region.rect, what).toEqual(rect);
          expect([region.width, region.height], what).toEqual([whole.width, whole.height]);
          const { pixels: got, ...gotMeta } = region.photo;
          const { pixels: exp, ...expMeta } = want.photo;
          expect(gotMeta, what).toEqual(expMeta);
          expect(got.constructor, what).toBe(exp.constructor);
          // Compared as bytes: one differing sample fails with its case named.
          expect(
            Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
              Buffer.from(exp.buffer, exp.byteOffset, exp.byteLength),
            ),
            what,
          ).toBe(true);
          cases++;
        }
      }
    }
    expect(cases).toBe(KINDS.length * 8 * 3);
  }, 120_000);

  it('takes the region from the cached whole decode when there is one', async () => {
    const r = rng(7);
    const bytes = new Uint8Array(await photoFile(pick(r, KINDS), 120, 90, 6, r));
    const whole = await loadPhoto(bytes);
    const rect = { x: 5, y: 7, width: 40, height: 30 };
    const region = await loadPhotoRegion(bytes, rect);
    expect(region.photo.pixels).toEqual(cutRegion(whole, rect).photo.pixels);
  });

  it('refuses a rectangle outside the upright photo', async () => {
    const r = rng(3);
    // Orientation 6 swaps the sides: 90x120 upright.
    const bytes = new Uint8Array(await photoFile('jpeg420', 120, 90, 6, r));
    await expect(loadPhotoRegion(bytes, { x: 0, y: 0, width: 100, height: 10 })).rejects.toThrow(/outside/);
    const ok = await loadPhotoRegion(bytes, { x: 0, y: 100, width: 90, height: 20 });
    expect(ok.photo.width * ok.photo.height).toBe(90 * 20);
  });
});
