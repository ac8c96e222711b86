/**
 * The fake model's render yields to the event loop between bands of rows (so the fake answers status polls
 * while it renders): its pixels must stay those of the plain loop it replaced, kept here as the oracle, for
 * every suite that relies on them. Compared over sizes, aspects, prompts and output formats.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { outputSize, renderEdit } from '../../../fake-segmind/server';

/** The render's pixels as the synchronous loop made them (before the render yielded). */
async function oraclePixels(image: Buffer, body: Record<string, unknown>) {
  const meta = await sharp(image).metadata();
  const { width: w, height: h } = outputSize(body.size, meta.width ?? 1024, meta.height ?? 1024);
  const src = await sharp(image)
    .rotate()
    .resize(w, h, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const seed = createHash('sha256')
    .update(String(body.prompt ?? ''))
    .digest();
  const tint = [40 + ((seed[0] ?? 0) % 80), 20 + ((seed[1] ?? 0) % 80), 30 + ((seed[2] ?? 0) % 80)];
  const disc = [seed[3] ?? 200, seed[4] ?? 40, seed[5] ?? 120];
  const dx = 5 + ((seed[6] ?? 0) % 20);
  const dy = 3 + ((seed[7] ?? 0) % 20);
  const cx = Math.round(w * (0.25 + ((seed[8] ?? 0) / 255) * 0.5));
  const cy = Math.round(h * (0.25 + ((seed[9] ?? 0) / 255) * 0.5));
  const r2 = Math.round(Math.min(w, h) / 6) ** 2;
  const out = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = (y - dy + h) % h;
    for (let x = 0; x < w; x++) {
      const sx = (x - dx + w) % w;
      const i = (y * w + x) * 3;
      const j = (sy * w + sx) * 3;
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 <= r2;
      for (let c = 0; c < 3; c++) {
        const orig = src[i + c] as number;
        let v = inDisc
          ? (disc[c] as number)
          : Math.min(255, Math.round((src[j + c] as number) * 0.6 + (tint[c] as number)));
        if (Math.abs(v - orig) < 40) v = orig >= 128 ? orig - 96 : orig + 96;
        out[i + c] = v;
      }
    }
  }
  return { out, w, h };
}

/** A deterministic noisy test image (no two rows alike, so a shifted or skipped band shows). */
async function noisy(width: number, height: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    px[i] = (s >>> 0) & 255;
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('the fake model render', () => {
  const cases: Array<{ w: number; h: number; body: Record<string, unknown> }> = [
    { w: 64, h: 48, body: { prompt: 'a red balloon', size: '1024x1024' } },
    { w: 300, h: 200, body: { prompt: 'snow', size: 'auto' } },
    { w: 120, h: 260, body: { prompt: '', size: 'auto' } },
    { w: 257, h: 255, body: { prompt: 'p', size: '1536x1024', output_format: 'png' } },
    { w: 90, h: 91, body: { prompt: 'x'.repeat(40), size: '1024x1536', output_format: 'webp' } },
  ];
  for (const [k, c] of cases.entries()) {
    it(`gives the pixels of the plain loop: ${c.w}x${c.h} ${JSON.stringify(c.body)}`, async () => {
      const image = await noisy(c.w, c.h, 1000 + k);
      const want = await oraclePixels(image, c.body);
      const got = await renderEdit(image, c.body);
      const format = (c.body.output_format as string | undefined) ?? 'png';
      expect(got.format).toBe(format);
      if (format === 'webp') {
        // Lossy: the encoded bytes of the oracle's pixels, with the same options.
        const bytes = await sharp(want.out, { raw: { width: want.w, height: want.h, channels: 3 } })
          .webp({ quality: 95 })
          .toBuffer();
        expect(Buffer.compare(got.bytes, bytes)).toBe(0);
      } else {
        const raw = await sharp(got.bytes).raw().toBuffer({ resolveWithObject: true });
        expect([raw.info.width, raw.info.height, raw.info.channels]).toEqual([want.w, want.h, 3]);
        expect(Buffer.compare(raw.data, want.out)).toBe(0);
      }
    });
  }
});
