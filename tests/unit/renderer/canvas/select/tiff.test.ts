import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeTiff, isTiff } from '../../../../../renderer/canvas/select/tiff';
import { rng } from './rng';

describe('mask files in TIFF', () => {
  it('reads uncompressed and PackBits TIFFs of grey, RGB and RGBA, as sharp decodes them', async () => {
    const rand = rng(29);
    for (const channels of [1, 3, 4] as const) {
      for (const compression of ['none', 'packbits'] as const) {
        const w = 3 + Math.floor(rand() * 120);
        const h = 3 + Math.floor(rand() * 90);
        // Runs and noise, so PackBits has both literal and repeated runs.
        const px = Buffer.alloc(w * h * channels);
        for (let i = 0; i < px.length; i++) px[i] = rand() < 0.5 ? 255 : Math.floor(rand() * 256);
        const tif = await sharp(px, { raw: { width: w, height: h, channels } })
          .tiff({ compression })
          .toBuffer();
        const bytes = new Uint8Array(tif);
        expect(isTiff(bytes)).toBe(true);
        const img = decodeTiff(bytes)!;
        expect(img, `${channels} channels, ${compression}`).not.toBeNull();
        expect([img.width, img.height]).toEqual([w, h]);
        const want = await sharp(tif).ensureAlpha().raw().toBuffer();
        expect(Buffer.from(img.data).equals(want)).toBe(true);
      }
    }
  });

  it('gives null for compressions it does not read, and for a file cut short', async () => {
    const px = Buffer.alloc(40 * 30 * 3, 128);
    const lzw = await sharp(px, { raw: { width: 40, height: 30, channels: 3 } })
      .tiff({ compression: 'lzw' })
      .toBuffer();
    expect(decodeTiff(new Uint8Array(lzw))).toBeNull();
    const plain = await sharp(px, { raw: { width: 40, height: 30, channels: 3 } })
      .tiff({ compression: 'none' })
      .toBuffer();
    expect(decodeTiff(new Uint8Array(plain).subarray(0, 200))).toBeNull();
    expect(isTiff(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBe(false);
  });
});
