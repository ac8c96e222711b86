/**
 * The layered PSD of a 16-bit original stays 16-bit, read back by ImageMagick (an independent reader):
 * every image in the file at depth 16, the layers placed and named, each layer's pixels and mask the
 * patch's 16-bit samples, and the composite equal, sample for sample, to the 16-bit flat TIFF export.
 * ag-psd's reader checks what ImageMagick does not report (the mask as a separate channel, unicode names).
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { readPsd } from './ag-psd-node';
import {
  applyPatches,
  exportImage,
  loadPhoto,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { encodePsd } from '../../../../electron/core/imaging/export-psd';
import { photoBytes } from './helpers';
import { magick16, magickIcc, magickLayers, psdFile } from './psd-reader';
import { rng } from '../../../support/prng';

/** A random 16-bit TIFF, RGB or RGBA, decoded the way the app decodes an original. */
async function tiffOriginal(r: () => number, channels: 3 | 4): Promise<Photo> {
  const width = 1 + Math.floor(r() * 90);
  const height = 1 + Math.floor(r() * 70);
  const raw = new Uint16Array(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(r() * 65536);
  const tiff = await sharp(raw, { raw: { width, height, channels } })
    .toColourspace('rgb16')
    .tiff({ compression: 'none' })
    .toBuffer();
  const photo = await loadPhoto(new Uint8Array(tiff));
  expect(photo).toMatchObject({ width, height, channels, depth: 16 });
  return photo;
}

function randomPatch(r: () => number, photo: Photo): Patch {
  const x = Math.floor(r() * photo.width);
  const y = Math.floor(r() * photo.height);
  const width = 1 + Math.floor(r() * (photo.width - x));
  const height = 1 + Math.floor(r() * (photo.height - y));
  const rgba = new Uint16Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = Math.floor(r() * 65536);
  return { rect: { x, y, width, height }, depth: 16, rgba };
}

/** Channel `c` of every pixel of interleaved samples with `stride` channels. */
function channel(px: ArrayLike<number>, stride: number, c: number): number[] {
  const out: number[] = [];
  for (let i = c; i < px.length; i += stride) out.push(px[i]!);
  return out;
}

/** The first sample where a and b differ, or null: a readable failure for large arrays. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `sample ${i}: ${a[i]} and ${b[i]}`;
  return null;
}

describe('16-bit layered PSD export', () => {
  it('keeps 16 bits in every layer, mask and the composite, which equals the 16-bit flat TIFF (random TIFF originals)', async () => {
    const icc = (await loadPhoto(photoBytes('rocket.jpg'))).icc;
    expect(icc).not.toBeNull();
    const r = rng(1616);
    for (let round = 0; round < 8; round++) {
      const channels: 3 | 4 = round % 4 === 3 ? 4 : 3;
      const loaded = await tiffOriginal(r, channels);
      const base: Photo = round % 2 === 0 ? { ...loaded, icc } : loaded;
      const patches = Array.from({ length: 2 + Math.floor(r() * 2) }, () => randomPatch(r, base));
      const names = patches.map((_, i) => `edit ${round}-${i} warm the light`);
      const composite = applyPatches(base, patches);
      const { data, warnings } = await encodePsd(
        base,
        patches.map((patch, i) => ({ name: names[i]!, patch })),
        composite,
      );
      const what = `round ${round}: ${base.width}x${base.height}x${channels}, ${patches.length} edits`;
      expect(warnings, what).toEqual([]);
      const file = psdFile(data);

      const seen = magickLayers(file);
      expect(seen, what).toHaveLength(patches.length + 2);
      expect(seen[0], what).toMatchObject({ width: base.width, height: base.height, depth: 16 });
      expect(seen[1], what).toMatchObject({
        width: base.width,
        height: base.height,
        x: 0,
        y: 0,
        depth: 16,
        label: 'Original',
      });
      patches.forEach((p, i) =>
        expect(seen[i + 2], `${what}, layer ${i}`).toMatchObject({
          width: p.rect.width,
          height: p.rect.height,
          x: p.rect.x,
          y: p.rect.y,
          depth: 16,
          label: names[i],
        }),
      );

      // The composite against the flat 16-bit TIFF export of the same image, both decoded by ImageMagick.
      const tif = file.replace(/\.psd$/, '.tif');
      writeFileSync(tif, await exportImage(composite, { format: 'tiff' }));
      const map = channels === 4 ? 'rgba' : 'rgb';
      const flat = magick16(tif, 0, map);
      expect(flat.length, what).toBe(base.width * base.height * channels);
      if (channels === 3) {
        expect(firstDiff(magick16(file, 0, map), flat), `${what}: composite`).toBeNull();
      } else {
        // Stored over white (as Photoshop stores a transparent composite): v*a + 65535*(1-a), rounded ...
        const stored = magick16(file, 0, map, { unblend: false });
        const onWhite = Array.from(flat, (v, i) => {
          const a = flat[i - (i % 4) + 3]! / 65535;
          return i % 4 === 3 ? v : Math.round(v * a + 65535 * (1 - a));
        });
        expect(firstDiff(stored, onWhite), `${what}: composite as stored`).toBeNull();
        // ... and read back by taking the white out: the alpha exact, colours within the rounding of v*a.
        const read = magick16(file, 0, map);
        for (let i = 0; i < flat.length; i++) {
          const a = flat[i - (i % 4) + 3]!;
          const tolerance = i % 4 === 3 ? 0 : a === 0 ? 65535 : Math.ceil(32768 / a) + 1;
          expect(Math.abs(read[i]! - flat[i]!), `${what}: composite sample ${i}`).toBeLessThanOrEqual(
            tolerance,
          );
        }
      }

      // The background layer is the original, its alpha included.
      expect(firstDiff(magick16(file, 1, map), base.pixels), `${what}: original`).toBeNull();
      // Each edit layer: the patch's colour, and (ImageMagick folds the mask into the alpha) its 16-bit alpha.
      patches.forEach((p, i) => {
        const rgb = magick16(file, i + 2, 'rgb');
        const patchRgb = p.rgba.filter((_, k) => k % 4 !== 3);
        expect(firstDiff(rgb, patchRgb), `${what}, layer ${i} colour`).toBeNull();
        const alpha = magick16(file, i + 2, 'alpha');
        expect(firstDiff(alpha, channel(p.rgba, 4, 3)), `${what}, layer ${i} mask`).toBeNull();
      });

      const profile = magickIcc(file);
      if (base.icc) expect(Buffer.from(profile).equals(Buffer.from(base.icc)), what).toBe(true);
      else expect(profile.byteLength, what).toBe(0);

      // ag-psd's reader: the mask is a 16-bit layer mask (the layer itself opaque), not the layer's alpha.
      // (ag-psd byte-swaps 16-bit input in place, so it reads a copy; the composite is ImageMagick's to check.)
      const back = readPsd(data.slice(), { useImageData: true, skipCompositeImageData: true });
      expect(back.bitsPerChannel, what).toBe(16);
      const layers = back.children ?? [];
      expect(layers.map((l) => l.name)).toEqual(['Original', ...names]);
      patches.forEach((p, i) => {
        const l = layers[i + 1]!;
        expect(l.mask, `${what}, layer ${i}`).toMatchObject({
          left: p.rect.x,
          top: p.rect.y,
          right: p.rect.x + p.rect.width,
          bottom: p.rect.y + p.rect.height,
          defaultColor: 0,
        });
        expect(firstDiff(channel(l.mask!.imageData!.data, 4, 0), channel(p.rgba, 4, 3))).toBeNull();
        expect(channel(l.imageData!.data, 4, 3).every((a) => a === 65535)).toBe(true);
      });
    }
  });

  it('puts the 16-bit mask in the layer alpha instead when asked, and keeps unicode prompts as names', async () => {
    const r = rng(3);
    const base = await tiffOriginal(r, 3);
    const patch = randomPatch(r, base);
    const name = 'café ☕ remove the sign';
    const { data } = await encodePsd(base, [{ name, patch }], applyPatches(base, [patch]), {
      maskAs: 'alpha',
    });
    const back = readPsd(data.slice(), { useImageData: true, skipCompositeImageData: true });
    const l = back.children![1]!;
    expect(l.name).toBe(name);
    expect(l.mask).toBeUndefined();
    expect(firstDiff(channel(l.imageData!.data, 4, 3), channel(patch.rgba, 4, 3))).toBeNull();
    const file = psdFile(data);
    expect(magickLayers(file).map((s) => s.depth)).toEqual([16, 16, 16]);
    expect(firstDiff(magick16(file, 2, 'alpha'), channel(patch.rgba, 4, 3))).toBeNull();
  });
});
