import zlib from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from '../../../../electron/core/imaging/png';
import { encodeTiff } from '../../../../electron/core/imaging/tiff';
import { describe, expect, it } from 'vitest';
import { clearPhotoCache, loadPhoto, photoCacheStats, probePhoto } from '../../../../electron/core/imaging';
import { AppError } from '../../../../shared/errors';
import { photoBytes } from './helpers';

const coffee = photoBytes('coffee.png');

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).message).toMatch(/[.]$/);
    return (e as AppError).code;
  }
  return 'no error';
}

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

/** A PNG whose IHDR declares huge dimensions (a decompression bomb's header) over a tiny IDAT. */
function bombPng(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return new Uint8Array(
    Buffer.concat([
      new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', zlib.deflateSync(new Uint8Array(4096))),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
  );
}

/** The photo's pixels as 16-bit samples (value * 257 plus a low-bit pattern, so 8-bit truncation shows). */
async function rgb16(bytes: Uint8Array): Promise<Uint16Array> {
  const raw = await sharp(bytes).removeAlpha().raw().toBuffer();
  const out = new Uint16Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * 257 + (i % 7);
  return out;
}

describe('loadPhoto: formats', () => {
  it('opens JPEG, PNG, WebP, TIFF 8 and 16 bit, AVIF at the right size and depth', async () => {
    const src = sharp(coffee);
    const cases: Array<[string, Uint8Array, 8 | 16]> = [
      ['jpeg', u8(await src.clone().jpeg().toBuffer()), 8],
      ['png', coffee, 8],
      ['webp', u8(await src.clone().webp().toBuffer()), 8],
      ['tiff', u8(await src.clone().tiff().toBuffer()), 8],
      [
        'tiff',
        encodeTiff({ width: 600, height: 400, channels: 3, depth: 16, pixels: await rgb16(coffee) }),
        16,
      ],
      ['avif', u8(await src.clone().avif({ effort: 0 }).toBuffer()), 8],
    ];
    for (const [format, bytes, depth] of cases) {
      const p = await loadPhoto(bytes);
      expect([p.format, p.width, p.height, p.channels, p.depth]).toEqual([format, 600, 400, 3, depth]);
      expect(p.pixels.length).toBe(600 * 400 * 3);
      expect(p.pixels).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
    }
  });

  it('keeps 16-bit samples exactly (not truncated to 8 bit)', async () => {
    const raw = new Uint16Array(8 * 4 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 2741 + 13) % 65536;
    const { encodePng } = await import('../../../../electron/core/imaging/png');
    const png = encodePng({ width: 8, height: 4, channels: 3, depth: 16, pixels: raw });
    const p = await loadPhoto(png);
    expect(p.depth).toBe(16);
    expect(Array.from(p.pixels)).toEqual(Array.from(raw));
  });

  it('converts grey and CMYK sources to RGB', async () => {
    const grey = await loadPhoto(u8(await sharp(coffee).greyscale().png().toBuffer()));
    expect([grey.channels, grey.depth]).toEqual([3, 8]);
    expect(grey.pixels[300]).toBe(grey.pixels[301]);
    const cmykBytes = u8(await sharp(coffee).toColourspace('cmyk').jpeg().toBuffer());
    expect((await sharp(cmykBytes).metadata()).space).toBe('cmyk');
    const cmyk = await loadPhoto(cmykBytes);
    expect([cmyk.channels, cmyk.width, cmyk.height]).toEqual([3, 600, 400]);
    // Colours survive the round trip through CMYK roughly (a converted image, not garbage).
    const orig = await loadPhoto(coffee);
    let d = 0;
    for (let i = 0; i < orig.pixels.length; i++) d += Math.abs(orig.pixels[i]! - cmyk.pixels[i]!);
    expect(d / orig.pixels.length).toBeLessThan(25);
  });

  it('applies EXIF orientation 6: a landscape file comes out upright (portrait)', async () => {
    // Stored 600x400 with orientation 6 = displayed rotated 90° clockwise, 400x600.
    const bytes = u8(await sharp(coffee).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const info = await probePhoto(bytes);
    expect([info.width, info.height, info.orientation]).toEqual([400, 600, 6]);
    const p = await loadPhoto(bytes);
    expect([p.width, p.height]).toEqual([400, 600]);
    const expected = await sharp(coffee).rotate(90).raw().toBuffer();
    let d = 0;
    for (let i = 0; i < expected.length; i++) d += Math.abs(expected[i]! - p.pixels[i]!);
    expect(d / expected.length).toBeLessThan(4); // only JPEG loss
  });

  it('keeps the ICC profile bytes and the pixels in that profile (not converted to sRGB)', async () => {
    const rocket = photoBytes('rocket.jpg');
    const p = await loadPhoto(rocket);
    expect(p.icc?.length).toBeGreaterThan(100);
    const untouched = await sharp(rocket, { ignoreIcc: true }).raw().toBuffer();
    expect(Buffer.from(p.pixels as Uint8Array).equals(untouched)).toBe(true);
  });

  it('decodes the same bytes once (cache by content)', async () => {
    clearPhotoCache();
    const bytes = u8(await sharp(coffee).jpeg({ quality: 77 }).toBuffer());
    const before = photoCacheStats().decodes;
    const a = await loadPhoto(bytes);
    const b = await loadPhoto(new Uint8Array(bytes)); // a copy: same content
    expect(photoCacheStats().decodes).toBe(before + 1);
    expect(b).toBe(a);
    expect(photoCacheStats().bytes).toBeGreaterThanOrEqual(a.pixels.byteLength);
  });
});

describe('loadPhoto: hostile and broken input', () => {
  it('rejects a zero-byte file', async () => {
    expect(await code(loadPhoto(new Uint8Array(0)))).toBe('unsupported-image');
  });

  it('rejects truncated JPEG and PNG files', async () => {
    const jpeg = u8(await sharp(coffee).jpeg().toBuffer());
    expect(await code(loadPhoto(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe('unsupported-image');
    expect(await code(loadPhoto(coffee.subarray(0, Math.floor(coffee.length / 2))))).toBe(
      'unsupported-image',
    );
    expect(await code(loadPhoto(jpeg.subarray(0, 40)))).toBe('unsupported-image');
  });

  it('rejects a non-image renamed .jpg and an unsupported format (SVG)', async () => {
    const text = new TextEncoder().encode('hello, this is not a photo\n'.repeat(100));
    expect(await code(loadPhoto(text))).toBe('unsupported-image');
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
    );
    expect(await code(loadPhoto(svg))).toBe('unsupported-image');
  });

  it('rejects a decompression bomb by its declared size, fast and without allocating it', async () => {
    const t = Date.now();
    const bomb = bombPng(100_000, 100_000);
    expect(await code(probePhoto(bomb))).toBe('image-too-large');
    expect(await code(loadPhoto(bomb))).toBe('image-too-large');
    // Also within limits but beyond a lowered setting.
    expect(await code(loadPhoto(coffee, { maxPixels: 100_000 }))).toBe('image-too-large');
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('rejects a file over the size limit', async () => {
    expect(await code(loadPhoto(coffee, { maxFileBytes: 1000 }))).toBe('image-too-large');
  });

  it('says HEIC is not supported by this build for a HEIC file', async () => {
    // An ISO-BMFF header with the heic brand: what a phone's HEIC starts with.
    const box = new Uint8Array(64);
    new DataView(box.buffer).setUint32(0, 24);
    box.set(new TextEncoder().encode('ftypheic\0\0\0\0mif1heic'), 4);
    const err = await loadPhoto(box).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('unsupported-image');
    expect((err as AppError).message).toMatch(/HEIC is not supported by this build/);
  });
});
