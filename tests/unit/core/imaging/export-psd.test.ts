/**
 * The layered PSD, read back by ImageMagick (an independent reader): one image per layer plus the composite,
 * at the right sizes and places, named after the prompts, at the original's depth, its ICC profile, and the
 * composite equal to the flat image. ag-psd's own reader checks what ImageMagick does not report (the
 * layer masks and unicode names).
 */
import { describe, expect, it } from 'vitest';
import { readPsd } from './ag-psd-node';
import { applyPatches, loadPhoto, type Patch, type Photo } from '../../../../electron/core/imaging';
import { encodePsd, PSD_MAX_SIDE } from '../../../../electron/core/imaging/export-psd';
import { extract8 } from '../../../../electron/core/imaging/util';
import { isAppError } from '../../../../shared/errors';
import { photoBytes } from './helpers';
import { magick16, magickCompositeRgb, magickIcc, magickLayers, psdFile } from './psd-reader';
import { rng } from '../../../support/prng';

function randomPhoto(r: () => number, depth: 8 | 16, icc: Uint8Array | null): Photo {
  const width = 1 + Math.floor(r() * 180);
  const height = 1 + Math.floor(r() * 140);
  const n = width * height * 3;
  const max = depth === 8 ? 255 : 65535;
  const pixels = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) pixels[i] = Math.floor(r() * (max + 1));
  return { width, height, channels: 3, depth, pixels, icc, exif: null, format: 'png' };
}

function randomPatch(r: () => number, photo: Photo): Patch {
  const x = Math.floor(r() * photo.width);
  const y = Math.floor(r() * photo.height);
  const width = 1 + Math.floor(r() * (photo.width - x));
  const height = 1 + Math.floor(r() * (photo.height - y));
  const max = photo.depth === 8 ? 255 : 65535;
  const n = width * height * 4;
  const rgba = photo.depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) rgba[i] = Math.floor(r() * (max + 1));
  return { rect: { x, y, width, height }, depth: photo.depth, rgba };
}

describe('layered PSD export', () => {
  it('holds the original and one placed, named, masked layer per edit, the profile and the flat composite (random photos)', async () => {
    const icc = (await loadPhoto(photoBytes('rocket.jpg'))).icc;
    expect(icc).not.toBeNull();
    const r = rng(16);
    for (let round = 0; round < 10; round++) {
      const depth: 8 | 16 = round % 3 === 2 ? 16 : 8;
      const base = randomPhoto(r, depth, round % 2 === 0 ? icc : null);
      const patches = Array.from({ length: Math.floor(r() * 4) }, () => randomPatch(r, base));
      const names = patches.map((_, i) => `edit ${round}-${i} make the sky blue`);
      const composite = applyPatches(base, patches);
      const { data, warnings } = await encodePsd(
        base,
        patches.map((patch, i) => ({ name: names[i]!, patch })),
        composite,
      );
      const file = psdFile(data);
      const seen = magickLayers(file);
      const what = `round ${round}: ${base.width}x${base.height} ${depth}-bit, ${patches.length} edits`;
      // The composite, the background (the original) and one image per edit.
      expect(seen, what).toHaveLength(patches.length + 2);
      expect(seen[0], what).toMatchObject({ width: base.width, height: base.height, depth });
      expect(seen[1], what).toMatchObject({
        width: base.width,
        height: base.height,
        x: 0,
        y: 0,
        label: 'Original',
      });
      patches.forEach((p, i) =>
        expect(seen[i + 2], what).toMatchObject({
          width: p.rect.width,
          height: p.rect.height,
          x: p.rect.x,
          y: p.rect.y,
          label: names[i],
          depth,
        }),
      );
      // The composite, sample for sample at the photo's depth (both the photo and the file are RGB here).
      const flat =
        depth === 8
          ? extract8(composite, { x: 0, y: 0, width: base.width, height: base.height }, 3)
          : composite.pixels;
      const read = depth === 8 ? magickCompositeRgb(file) : magick16(file, 0, 'rgb');
      expect(
        Buffer.from(read.buffer, read.byteOffset, read.byteLength).equals(
          Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength),
        ),
        what,
      ).toBe(true);
      const profile = magickIcc(file);
      if (base.icc) expect(Buffer.from(profile).equals(Buffer.from(base.icc)), what).toBe(true);
      else expect(profile.byteLength, what).toBe(0);
      expect(warnings, what).toEqual([]);

      // The masks, by ag-psd's reader: each layer opaque, its mask the patch's feathered alpha, at the
      // photo's depth. (ag-psd byte-swaps 16-bit input in place, so it reads a copy, and not the composite.)
      const back = readPsd(data.slice(), { useImageData: true, skipCompositeImageData: depth === 16 });
      const layers = back.children ?? [];
      expect(layers.map((l) => l.name)).toEqual(['Original', ...names]);
      patches.forEach((p, i) => {
        const l = layers[i + 1]!;
        const m = l.mask!.imageData!;
        const n = p.rect.width * p.rect.height;
        for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 97))) {
          expect(m.data[k * 4], `${what}, layer ${i} mask pixel ${k}`).toBe(p.rgba[k * 4 + 3]);
          expect(l.imageData!.data[k * 4 + 3]).toBe(depth === 8 ? 255 : 65535);
        }
      });
    }
  });

  it('puts the mask in the layer alpha instead when asked, and keeps unicode prompts as names', async () => {
    const r = rng(7);
    const base = randomPhoto(r, 8, null);
    const patch = randomPatch(r, base);
    const name = 'café ☕ remove the sign';
    const { data } = await encodePsd(base, [{ name, patch }], applyPatches(base, [patch]), {
      maskAs: 'alpha',
    });
    const back = readPsd(data, { useImageData: true });
    const l = back.children![1]!;
    expect(l.name).toBe(name);
    expect(l.mask).toBeUndefined();
    const n = patch.rect.width * patch.rect.height;
    for (let k = 0; k < n; k++) expect(l.imageData!.data[k * 4 + 3]).toBe(patch.rgba[k * 4 + 3]);
    expect(magickLayers(psdFile(data))).toHaveLength(3);
  });

  it('refuses, in one sentence, an image past the PSD size limit or the 2 GB file limit', async () => {
    const huge = (width: number, height: number): Photo => ({
      width,
      height,
      channels: 3,
      depth: 8,
      pixels: new Uint8Array(3),
      icc: null,
      exif: null,
      format: 'png',
    });
    for (const [w, h] of [
      [PSD_MAX_SIDE + 1, 10],
      [10, PSD_MAX_SIDE + 1],
      [30_000, 30_000],
    ] as const) {
      let err: unknown;
      try {
        await encodePsd(huge(w, h), [], huge(w, h));
      } catch (e) {
        err = e;
      }
      expect(isAppError(err), `${w}x${h}`).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(`${w}x${h}`);
      expect(message).toMatch(/TIFF instead\.$/);
      expect(message.split('; ')).toHaveLength(2);
    }
  });
});
