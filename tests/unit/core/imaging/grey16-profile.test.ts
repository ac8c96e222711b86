/**
 * A 16-bit greyscale photo is shown through its own embedded profile, as an 8-bit one is: each sample s of
 * a file tagged with a grey profile of tone curve y = s^gamma opens as the sRGB level of that luminance
 * (R = G = B), in PNG and TIFF, with and without alpha (kept as stored), over seeded random gammas and
 * samples; the region decode gives the same pixels; an untagged file keeps its samples exactly.
 */
import { describe, expect, it } from 'vitest';
import { clearPhotoCache, loadPhoto } from '../../../../electron/core/imaging';
import { loadPhotoRegion } from '../../../../electron/core/imaging/load';
import { encodePng, iccpChunk } from '../../../../electron/core/imaging/png';
import { encodeTiff } from '../../../../electron/core/imaging/tiff';
import { greyProfile } from '../../../support/icc';
import { pick, rng } from '../../../support/prng';

/** The sRGB encoding of a linear luminance in [0, 1]. */
const srgb = (y: number) => (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);

const W = 37;
const H = 23;

describe('16-bit grey photos and their profile', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const r = rng(seed);
    // Curves well away from sRGB's own (about 2.2), so that samples taken without the profile are far off;
    // the profile stores gamma in 1/256 steps: the oracle uses the stored value.
    const gamma = Math.round((r() < 0.5 ? 1 + r() * 0.7 : 2.7 + r() * 0.4) * 256) / 256;
    const format = pick(r, ['png', 'tiff'] as const);
    const alpha = r() < 0.5;
    it(`seed ${seed}: ${format}${alpha ? ' with alpha' : ''}, gamma ${gamma.toFixed(3)}: each sample opens as its luminance in sRGB`, async () => {
      const ch = alpha ? 2 : 1;
      const px = new Uint16Array(W * H * ch);
      for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 65536);
      // The extremes and the darkest levels, where a curve is steepest.
      px.set([0, 65535, 1, 2, 255, 256].flatMap((v) => (alpha ? [v, 40000] : [v])));
      const img = { width: W, height: H, channels: ch as 1 | 2, depth: 16 as const, pixels: px };
      const icc = greyProfile(gamma);
      const bytes =
        format === 'png' ? encodePng(img, { chunks: [iccpChunk(icc)] }) : encodeTiff({ ...img, icc });
      clearPhotoCache();
      const photo = await loadPhoto(bytes);
      expect([photo.width, photo.height, photo.depth, photo.channels]).toEqual([W, H, 16, alpha ? 4 : 3]);
      let worst = 0;
      let unconverted = 0;
      for (let i = 0; i < W * H; i++) {
        const s = px[i * ch]!;
        const want = 65535 * srgb((s / 65535) ** gamma);
        const o = i * photo.channels;
        expect(photo.pixels[o + 1]).toBe(photo.pixels[o]);
        expect(photo.pixels[o + 2]).toBe(photo.pixels[o]);
        worst = Math.max(worst, Math.abs(photo.pixels[o]! - want));
        unconverted = Math.max(unconverted, Math.abs(s - want));
        if (alpha) expect(photo.pixels[o + 3]).toBe(px[i * 2 + 1]);
      }
      // Within two 8-bit levels (the colour engine's 16-bit precision near black, where the curves are
      // steepest; elsewhere far closer), while the samples taken as they are would be off by many more.
      expect(worst).toBeLessThan(512);
      expect(unconverted).toBeGreaterThan(4 * 512);
      const rect = { x: 5, y: 3, width: 17, height: 11 };
      // Decoded on its own (not cut from the cached whole decode).
      clearPhotoCache();
      const region = (await loadPhotoRegion(bytes, rect)).photo;
      for (let y = 0; y < rect.height; y++)
        for (let x = 0; x < rect.width * photo.channels; x++)
          expect(region.pixels[y * rect.width * photo.channels + x]).toBe(
            photo.pixels[((rect.y + y) * W + rect.x) * photo.channels + x],
          );
    });
  }

  it('an untagged 16-bit grey file keeps its samples exactly', async () => {
    const r = rng(99);
    const px = new Uint16Array(W * H);
    for (let i = 0; i < px.length; i++) px[i] = Math.floor(r() * 65536);
    for (const bytes of [
      encodePng({ width: W, height: H, channels: 1, depth: 16, pixels: px }),
      encodeTiff({ width: W, height: H, channels: 1, depth: 16, pixels: px, icc: null }),
    ]) {
      clearPhotoCache();
      const photo = await loadPhoto(bytes);
      for (let i = 0; i < W * H; i++) expect(photo.pixels[i * 3]).toBe(px[i]);
    }
  });
});
