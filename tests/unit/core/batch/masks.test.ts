/**
 * The mask rule of a batch, over many sizes: a mask of the photo's size is used as it is; one of the same shape
 * is scaled onto the photo (what it marks lands at the same relative place); any other shape is refused with
 * a sentence naming both sizes and how to give the photo its own mask.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitMask, sameShape, MASK_ASPECT_TOLERANCE } from '../../../../electron/core/batch';
import { maskFromFile } from '../../../../electron/core/imaging';
import { isAppError } from '../../../../shared/errors';

/** A mask PNG of w x h, white inside the rectangle given in fractions of the size. */
async function rectMask(w: number, h: number, fx: number, fy: number, fw: number, fh: number) {
  const x0 = Math.round(fx * w);
  const y0 = Math.round(fy * h);
  const x1 = Math.round((fx + fw) * w);
  const y1 = Math.round((fy + fh) * h);
  const raw = Buffer.alloc(w * h);
  for (let y = y0; y < y1; y++) raw.fill(255, y * w + x0, y * w + x1);
  return new Uint8Array(
    await sharp(raw, { raw: { width: w, height: h, channels: 1 } })
      .png()
      .toBuffer(),
  );
}

const names = { photo: 'p.jpg', mask: 'The mask m.png', perPhotoHint: 'give it its own' };

/** A small deterministic generator (no flaky seeds). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('fitMask', () => {
  it('uses a mask of the same size unchanged', async () => {
    const r = rng(1);
    for (let i = 0; i < 8; i++) {
      const w = 8 + Math.floor(r() * 300);
      const h = 8 + Math.floor(r() * 300);
      const png = await rectMask(w, h, 0.25, 0.25, 0.5, 0.5);
      const m = await fitMask(png, w, h, names);
      expect([m.width, m.height]).toEqual([w, h]);
      const own = await maskFromFile(png, w, h);
      expect(Buffer.from(m.data).equals(Buffer.from(own.data))).toBe(true);
      expect(m.data.some((v) => v === 255) && m.data.some((v) => v === 0)).toBe(true);
    }
  });

  it('scales a mask of the same shape: the marked area keeps its place relative to the photo', async () => {
    const r = rng(2);
    for (let i = 0; i < 12; i++) {
      const mw = 40 + Math.floor(r() * 200);
      const mh = 40 + Math.floor(r() * 200);
      const k = 0.5 + r() * 4; // shrink or enlarge
      const pw = Math.max(8, Math.round(mw * k));
      const ph = Math.round((pw * mh) / mw);
      if (!sameShape({ width: mw, height: mh }, { width: pw, height: ph })) continue;
      const fx = 0.1 + r() * 0.4;
      const fy = 0.1 + r() * 0.4;
      const m = await fitMask(await rectMask(mw, mh, fx, fy, 0.3, 0.3), pw, ph, names);
      expect([m.width, m.height]).toEqual([pw, ph]);
      // Well inside the rectangle: white; well outside: black.
      const at = (x: number, y: number) => m.data[Math.floor(y * ph) * pw + Math.floor(x * pw)]!;
      expect(at(fx + 0.15, fy + 0.15)).toBeGreaterThan(200);
      expect(at(fx - 0.08, fy + 0.15)).toBeLessThan(50);
      expect(at(fx + 0.15, fy + 0.38)).toBeLessThan(50);
    }
  });

  it('refuses a mask of another shape, naming both sizes', async () => {
    const r = rng(3);
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      const mw = 20 + Math.floor(r() * 300);
      const mh = 20 + Math.floor(r() * 300);
      const pw = 20 + Math.floor(r() * 300);
      const ph = 20 + Math.floor(r() * 300);
      if (sameShape({ width: mw, height: mh }, { width: pw, height: ph })) continue;
      const png = await rectMask(mw, mh, 0.2, 0.2, 0.2, 0.2);
      const e = await fitMask(png, pw, ph, names).then(
        () => null,
        (x: unknown) => x,
      );
      expect(isAppError(e) && e.code).toBe('invalid-input');
      const msg = (e as Error).message;
      expect(msg).toContain(`${mw}x${mh}`);
      expect(msg).toContain(`${pw}x${ph}`);
      expect(msg).toContain('give it its own');
      expect(msg.trim().split(/(?<=\.)\s+(?=[A-Z])/)).toHaveLength(1);
      refused++;
    }
    expect(refused).toBeGreaterThan(10);
  });

  it('treats ratios within the tolerance as one shape and beyond it as another', () => {
    const p = { width: 6000, height: 4000 };
    expect(sameShape({ width: 1500, height: 1000 }, p)).toBe(true);
    expect(sameShape({ width: 1000, height: 667 }, p)).toBe(true);
    const off = 1.5 * (1 + 2 * MASK_ASPECT_TOLERANCE);
    expect(sameShape({ width: Math.round(1000 * off), height: 1000 }, p)).toBe(false);
    expect(sameShape({ width: 4000, height: 6000 }, p)).toBe(false);
  });

  it('says when the mask is not an image', async () => {
    const e = await fitMask(new Uint8Array([1, 2, 3]), 10, 10, names).catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('unsupported-image');
  });
});

describe('fitMask with an all-black mask', () => {
  it('refuses it for the photo in one sentence, at the photo size and at another size of the same shape', async () => {
    const r = rng(7);
    for (let i = 0; i < 6; i++) {
      const w = 8 + Math.floor(r() * 200);
      const h = 8 + Math.floor(r() * 200);
      const scale = i % 2 === 0 ? 1 : 2;
      const png = new Uint8Array(
        await sharp({ create: { width: w, height: h, channels: 3, background: '#000000' } })
          .png()
          .toBuffer(),
      );
      const e = await fitMask(png, w * scale, h * scale, names).then(
        () => null,
        (x: unknown) => x,
      );
      expect(isAppError(e), `${w}x${h} x${scale}`).toBe(true);
      expect((e as Error).message).toBe(
        'The mask m.png is all black, so it marks nothing to change in p.jpg; paint the area to change in white.',
      );
    }
  });
});
