/**
 * A reference image is checked whole before anything is sent: a damaged or cut-off file (a half-copied
 * JPEG, an interrupted download) would otherwise be uploaded and paid for with an answer built on garbage.
 * Over references of random sizes and formats, cut at random points: an intact one passes, a cut one is
 * refused in one sentence naming which reference it is, and an edit with it never reaches the network.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, validateInput } from '../../../../electron/core/edit-api';
import { isAppError } from '../../../../shared/errors';
import { pick, rng } from '../../../support/prng';

async function noise(r: () => number, w: number, h: number, format: 'jpeg' | 'png' | 'webp') {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(r() * 256);
  const encoder = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  const encoded = format === 'jpeg' ? encoder.jpeg() : format === 'png' ? encoder.png() : encoder.webp();
  return new Uint8Array(await encoded.toBuffer());
}

async function apiInputs() {
  const image = new Uint8Array(
    await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
  );
  const mask = new Uint8Array(
    await sharp({ create: { width: 1024, height: 1024, channels: 4, background: '#00000000' } })
      .png()
      .toBuffer(),
  );
  return { image, mask };
}

describe('validateInput and reference images', () => {
  it('passes intact references and refuses cut-off ones, naming which one', async () => {
    const r = rng(23);
    const { image, mask } = await apiInputs();
    for (let round = 0; round < 10; round++) {
      const count = 1 + Math.floor(r() * 3);
      const refs: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const w = 16 + Math.floor(r() * 400);
        const h = 16 + Math.floor(r() * 400);
        refs.push(await noise(r, w, h, pick(r, ['jpeg', 'png', 'webp'] as const)));
      }
      const input = {
        prompt: 'a red hat',
        params: { ...DEFAULT_PARAMS, size: '1024x1024' as const },
        image,
        mask,
      };
      await expect(validateInput({ ...input, references: refs })).resolves.toBeDefined();
      const bad = Math.floor(r() * count);
      const whole = refs[bad]!;
      // Cut somewhere past the header, before the last quarter (where the image data is).
      const cut = Math.floor(whole.length * (0.3 + r() * 0.45));
      const broken = refs.map((x, i) => (i === bad ? whole.subarray(0, cut) : x));
      const e = await validateInput({ ...input, references: broken }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(isAppError(e), `round ${round}: a reference cut at ${cut} of ${whole.length} passed`).toBe(true);
      expect((e as Error).message).toBe(
        `Reference image ${bad + 1} is damaged or incomplete; use an intact copy of it or leave it out (nothing was sent).`,
      );
    }
  });

  it('refuses a reference that is no PNG, JPEG or WebP in one sentence naming which one', async () => {
    const r = rng(31);
    const { image, mask } = await apiInputs();
    const good = await noise(r, 32, 32, 'png');
    const gif = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
        .gif()
        .toBuffer(),
    );
    const junk = [new Uint8Array(0), new TextEncoder().encode('not an image at all'), gif];
    for (let round = 0; round < 12; round++) {
      const count = 1 + Math.floor(r() * 4);
      const bad = Math.floor(r() * count);
      const refs = Array.from({ length: count }, (_, i) => (i === bad ? pick(r, junk) : good));
      const e = await validateInput({
        prompt: 'a red hat',
        params: { ...DEFAULT_PARAMS, size: '1024x1024' },
        image,
        mask,
        references: refs,
      }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(isAppError(e) && e.code).toBe('unsupported-image');
      expect((e as Error).message).toBe(
        `Reference image ${bad + 1} is not a PNG, JPEG or WebP file; save it as one of those or leave it out (nothing was sent).`,
      );
    }
  });
});
