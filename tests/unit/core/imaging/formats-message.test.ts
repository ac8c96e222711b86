/** The "not a supported image" sentence names exactly formats this build opens. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { loadPhoto } from '../../../../electron/core/imaging';

async function encode(format: string): Promise<Uint8Array> {
  const s = sharp({ create: { width: 9, height: 7, channels: 3, background: '#3366cc' } });
  const out =
    format === 'avif'
      ? s.avif()
      : format === 'heic'
        ? s.heif({ compression: 'hevc' })
        : s.toFormat(format as keyof sharp.FormatEnum);
  return new Uint8Array(await out.toBuffer());
}

describe('supported formats message', () => {
  it('lists only formats that open, and every one of them does', async () => {
    let err: unknown = null;
    try {
      await loadPhoto(new TextEncoder().encode('not an image at all, just some words in a file'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const message = (err as AppError).message;
    expect((err as AppError).code).toBe('unsupported-image');
    const listed = /open an? (.+) file\.$/.exec(message)?.[1];
    expect(listed, message).toBeDefined();
    const names = listed!.split(/, | or /).map((n) => n.trim().toLowerCase());
    expect(names).not.toContain('heic');
    for (const name of names) {
      const photo = await loadPhoto(await encode(name));
      expect([photo.width, photo.height], name).toEqual([9, 7]);
    }
  });
});
