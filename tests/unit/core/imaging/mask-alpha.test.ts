/**
 * A mask drawn in transparency only (black pixels whose alpha is the shape) reads as empty, since a mask is
 * white = change flattened on black: it is named as such, not as a mask with nothing painted.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maskBounds, maskFromFile } from '../../../../electron/core/imaging';
import { rng } from '../../../support/prng';

async function withAlpha(
  w: number,
  h: number,
  grey: boolean,
  px: (x: number, y: number) => [number, number],
) {
  const c = grey ? 2 : 4;
  const d = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [v, a] = px(x, y);
      const i = (y * w + x) * c;
      d.fill(v, i, i + c - 1);
      d[i + c - 1] = a;
    }
  let s = sharp(Buffer.from(d), { raw: { width: w, height: h, channels: c } });
  if (grey) s = s.toColourspace('b-w');
  return new Uint8Array(await s.png().toBuffer());
}

describe('maskFromFile and a mask drawn in transparency', () => {
  it('names a black mask whose alpha holds the shape, for random discs, grey+alpha and RGBA', async () => {
    const r = rng(77);
    for (let t = 0; t < 12; t++) {
      const w = 20 + Math.floor(r() * 80);
      const h = 20 + Math.floor(r() * 60);
      const cx = r() * w;
      const cy = r() * h;
      const rad = 3 + r() * 20;
      const soft = r() < 0.5;
      const bytes = await withAlpha(w, h, t % 2 === 0, (x, y) => {
        const e = Math.hypot(x - cx, y - cy) - rad;
        return [0, e <= 0 ? 255 : soft && e < 4 ? Math.round(255 * (1 - e / 4)) : 0];
      });
      await expect(maskFromFile(bytes, w, h), `case ${t}`).rejects.toThrow(
        /^The mask is read as white = change on black and its transparency is not used/,
      );
    }
  });

  it('still reads white on transparent as the shape, and a wholly clear or wholly black file as empty', async () => {
    const w = 40;
    const h = 30;
    const white = await withAlpha(w, h, false, (x, y) =>
      x > 10 && x < 20 && y > 5 && y < 15 ? [255, 255] : [0, 0],
    );
    expect(maskBounds(await maskFromFile(white, w, h))).toEqual({ x: 11, y: 6, width: 9, height: 9 });
    for (const a of [0, 255]) {
      const flat = await withAlpha(w, h, false, () => [0, a]);
      expect(maskBounds(await maskFromFile(flat, w, h)), `alpha ${a}`).toBeNull();
    }
  });
});
