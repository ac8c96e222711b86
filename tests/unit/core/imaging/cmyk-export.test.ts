/** CMYK originals are converted to sRGB on open and export tagged sRGB, in every format. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exportImage, loadPhoto } from '../../../../electron/core/imaging';
import { photoBytes } from './helpers';

describe('CMYK originals', () => {
  it('export with an sRGB profile, not untagged, and keep their colours', async () => {
    const cmyk = new Uint8Array(
      await sharp(photoBytes('coffee.png')).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
    );
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const photo = await loadPhoto(cmyk);
    expect(photo.channels).toBe(3);
    expect(photo.icc).not.toBeNull();
    // What sharp itself makes of the CMYK file in sRGB: the colours to keep.
    const expected = await sharp(cmyk).toColourspace('srgb').raw().toBuffer();
    for (const format of ['jpeg', 'png', 'tiff', 'webp'] as const) {
      const out = await exportImage(photo, { format, quality: 100 });
      const meta = await sharp(out).metadata();
      expect(meta.icc, format).toBeDefined();
      expect(meta.space, format).toBe('srgb');
      // The profile is sRGB: the file's description names it.
      const desc = Buffer.from(meta.icc!).toString('latin1').replace(/\0/g, '');
      expect(desc, format).toMatch(/sRGB/);
      const back = await sharp(out).toColourspace('srgb').raw().toBuffer();
      let d = 0;
      for (let i = 0; i < back.length; i++) d += Math.abs(back[i]! - expected[i]!);
      expect(d / back.length, format).toBeLessThan(format === 'jpeg' || format === 'webp' ? 2 : 0.5);
    }
  });
});
