import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  applyPatches,
  buildApiInputs,
  compositeResult,
  decodePatch,
  encodePatch,
  exportImage,
  loadPhoto,
  makeThumbnail,
  maskBounds,
  planRegion,
  renderPreview,
  type Mask,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { apiDims, frameSize } from '../../../../electron/core/imaging/region';
import { discMask, fakeModel, largeJpeg, photoBytes } from './helpers';

/** Sample indices where the patch's alpha is 0 (or outside it): must be untouched. */
function untouched(photo: Photo, patch: Patch): (i: number) => boolean {
  return (i) => {
    const x = i % photo.width;
    const y = Math.floor(i / photo.width);
    const r = patch.rect;
    if (x < r.x || y < r.y || x >= r.x + r.width || y >= r.y + r.height) return true;
    return patch.rgba[((y - r.y) * r.width + (x - r.x)) * 4 + 3] === 0;
  };
}

function countDiff(a: Photo, b: Photo, where: (i: number) => boolean): { same: number; diff: number } {
  let same = 0;
  let diff = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (!where(i)) continue;
    let d = false;
    for (let c = 0; c < a.channels; c++)
      if (a.pixels[i * a.channels + c] !== b.pixels[i * b.channels + c]) d = true;
    if (d) diff++;
    else same++;
  }
  return { same, diff };
}

async function edit(
  photo: Photo,
  mask: Mask,
  colorMatch = true,
  tint: { r: number; g: number; b: number; gain?: number } = { r: 14, g: -8, b: 12, gain: 1.06 },
  fill: [number, number, number] | null = [40, 160, 60],
) {
  const plan = planRegion(mask, photo);
  const inputs = await buildApiInputs(photo, mask, plan);
  const result = await fakeModel(inputs.image, inputs.mask, tint, fill);
  const patch = await compositeResult(photo, result, mask, plan, { feather: 4, colorMatch });
  return { plan, inputs, patch, out: applyPatches(photo, [patch]) };
}

describe('API inputs', () => {
  it('image and mask have the same API size; the crop keeps its aspect; mask alpha 0 = change', async () => {
    for (const name of [
      'astronaut.png',
      'coffee.png',
      'rocket.jpg',
      'hubble_deep_field.jpg',
      'chelsea.png',
    ]) {
      const photo = await loadPhoto(photoBytes(name));
      const mask = discMask(
        photo.width,
        photo.height,
        photo.width * 0.6,
        photo.height * 0.4,
        Math.min(photo.width, photo.height) / 8,
      );
      const plan = planRegion(mask, photo);
      const { image, mask: m } = await buildApiInputs(photo, mask, plan);
      const im = await sharp(image).metadata();
      const mm = await sharp(m).metadata();
      const api = apiDims(plan.apiSize);
      expect([im.format, im.width, im.height]).toEqual(['png', api.width, api.height]);
      expect([mm.format, mm.width, mm.height, mm.channels]).toEqual(['png', api.width, api.height, 4]);
      const f = frameSize(plan);
      expect(f.width / f.height).toBeCloseTo(api.width / api.height, 12);
      // The disc's centre is transparent (change), a corner is opaque (keep).
      const raw = await sharp(m).raw().toBuffer();
      const cx = Math.round((photo.width * 0.6 - plan.crop.x + plan.pad.left) * plan.scale);
      const cy = Math.round((photo.height * 0.4 - plan.crop.y + plan.pad.top) * plan.scale);
      expect(raw[(cy * api.width + cx) * 4 + 3]).toBe(0);
      expect(raw[3]).toBe(255);
      // No distortion: a circle in the photo is a circle in the API mask (same width and height).
      let minX = api.width,
        maxX = 0,
        minY = api.height,
        maxY = 0;
      for (let i = 0; i < api.width * api.height; i++) {
        if (raw[i * 4 + 3] !== 0) continue;
        const x = i % api.width,
          y = Math.floor(i / api.width);
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
      // (The soft disc's own box can be a pixel wider than tall; that pixel scales with the photo.)
      const b = maskBounds(mask)!;
      const own = (b.width - b.height) * plan.scale;
      expect(Math.abs(maxX - minX - (maxY - minY) - own)).toBeLessThanOrEqual(2);
    }
  });

  it('sends sRGB: a photo in Adobe RGB is converted before it is sent', async () => {
    const photo = await loadPhoto(photoBytes('rocket.jpg'));
    const mask = discMask(photo.width, photo.height, 320, 200, 60);
    const plan = planRegion(mask, photo);
    const { image } = await buildApiInputs(photo, mask, plan);
    // Compare with sharp's own Adobe RGB -> sRGB conversion of the same crop.
    const expected = await sharp(photoBytes('rocket.jpg'))
      .extract({ left: plan.crop.x, top: plan.crop.y, width: plan.crop.width, height: plan.crop.height })
      .resize(apiDims(plan.apiSize).width, apiDims(plan.apiSize).height, { fit: 'fill' })
      .raw()
      .toBuffer();
    const got = await sharp(image).raw().toBuffer();
    const untagged = await sharp(photoBytes('rocket.jpg'), { ignoreIcc: true })
      .extract({ left: plan.crop.x, top: plan.crop.y, width: plan.crop.width, height: plan.crop.height })
      .resize(apiDims(plan.apiSize).width, apiDims(plan.apiSize).height, { fit: 'fill' })
      .raw()
      .toBuffer();
    const mad = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(mad(got, expected)).toBeLessThan(1.5);
    expect(mad(got, untagged)).toBeGreaterThan(mad(got, expected) + 1.5);
  });
});

describe('composite', () => {
  it('leaves every pixel outside the feathered mask bit-identical, after composite and after PNG export', async () => {
    for (const name of ['astronaut.png', 'rocket.jpg', 'hubble_deep_field.jpg']) {
      const photo = await loadPhoto(photoBytes(name));
      const mask = discMask(photo.width, photo.height, photo.width / 2, photo.height / 3, photo.width / 10);
      const { patch, out } = await edit(photo, mask);
      const outside = countDiff(photo, out, untouched(photo, patch));
      expect(outside.diff).toBe(0);
      expect(outside.same).toBeGreaterThan(photo.width * photo.height * 0.5);
      // Inside the mask the edit landed.
      const inside = countDiff(photo, out, (i) => mask.data[i] === 255);
      expect(inside.diff).toBeGreaterThan(inside.same);
      const back = await loadPhoto(await exportImage(out, { format: 'png' }));
      expect(countDiff(out, back, () => true).diff).toBe(0);
    }
  });

  it('works on a generated large photo (4000x3000) with the mask at an edge, and stays bit-identical outside', async () => {
    const photo = await loadPhoto(await largeJpeg(4000, 3000));
    const mask = discMask(photo.width, photo.height, 3900, 150, 300);
    const { patch, out, plan } = await edit(photo, mask);
    expect(plan.crop.x + plan.crop.width).toBe(4000);
    expect(countDiff(photo, out, untouched(photo, patch)).diff).toBe(0);
    expect(patch.rect.x + patch.rect.width).toBeLessThanOrEqual(4000);
  });

  it('colour matching reduces the colour difference at the seam of a tinted result (measured)', async () => {
    const photo = await loadPhoto(photoBytes('coffee.png'));
    const mask = discMask(photo.width, photo.height, 300, 220, 70);
    // The fake model only shifts colour (no new content), so the ideal output equals the photo and the
    // difference across the blend band (partial weight, outside the painted mask) is the seam's colour error.
    const seam = async (colorMatch: boolean) => {
      const { patch, out } = await edit(photo, mask, colorMatch, { r: 18, g: -10, b: 14, gain: 1.08 }, null);
      let sum = 0;
      let n = 0;
      const r = patch.rect;
      for (let y = 0; y < r.height; y++)
        for (let x = 0; x < r.width; x++) {
          const a = patch.rgba[(y * r.width + x) * 4 + 3]!;
          const i = (r.y + y) * photo.width + r.x + x;
          if (a === 0 || mask.data[i] !== 0) continue;
          for (let c = 0; c < 3; c++) sum += Math.abs(out.pixels[i * 3 + c]! - photo.pixels[i * 3 + c]!);
          n++;
        }
      return sum / n / 3;
    };
    const without = await seam(false);
    const withMatch = await seam(true);
    console.log(
      `seam colour difference: ${without.toFixed(2)} without matching, ${withMatch.toFixed(2)} with`,
    );
    expect(withMatch).toBeLessThan(without * 0.5);
  });

  it('an untinted result keeps the seam small with matching on (no harm)', async () => {
    const photo = await loadPhoto(photoBytes('chelsea.png'));
    const mask = discMask(photo.width, photo.height, 200, 150, 50);
    const { patch, out } = await edit(photo, mask, true, { r: 0, g: 0, b: 0 });
    expect(countDiff(photo, out, untouched(photo, patch)).diff).toBe(0);
  });
});

describe('patches, export, previews', () => {
  it('patches round-trip exactly through the on-disk PNG, 8 and 16 bit', async () => {
    for (const depth of [8, 16] as const) {
      const n = 37 * 23 * 4;
      const rgba = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) rgba[i] = (i * 7919 + 3) % (depth === 16 ? 65536 : 256);
      const patch: Patch = { rect: { x: 5, y: 9, width: 37, height: 23 }, depth, rgba };
      const back = await decodePatch(await encodePatch(patch));
      expect(back.rect).toEqual(patch.rect);
      expect(back.depth).toBe(depth);
      expect(Array.from(back.rgba)).toEqual(Array.from(rgba));
    }
  });

  it('flattens patches in order; alpha 0 untouched, alpha max replaced', () => {
    const photo: Photo = {
      width: 4,
      height: 1,
      channels: 3,
      depth: 8,
      pixels: new Uint8Array(12).fill(100),
      icc: null,
      exif: null,
      format: 'png',
    };
    const p1: Patch = {
      rect: { x: 0, y: 0, width: 3, height: 1 },
      depth: 8,
      rgba: new Uint8Array([200, 200, 200, 255, 200, 200, 200, 128, 9, 9, 9, 0]),
    };
    const p2: Patch = {
      rect: { x: 0, y: 0, width: 1, height: 1 },
      depth: 8,
      rgba: new Uint8Array([10, 20, 30, 255]),
    };
    const out = applyPatches(photo, [p1, p2]);
    expect(Array.from(out.pixels)).toEqual([10, 20, 30, 150, 150, 150, 100, 100, 100, 100, 100, 100]);
    expect(Array.from(photo.pixels)).toEqual(new Array(12).fill(100));
  });

  it('export keeps a non-sRGB profile and EXIF, normalises orientation, keeps 16-bit TIFF', async () => {
    const rgb = new Uint8Array(await sharp(photoBytes('coffee.png')).removeAlpha().raw().toBuffer());
    const tagged = new Uint8Array(
      await sharp(rgb, { raw: { width: 600, height: 400, channels: 3 } })
        .withIccProfile('p3')
        .withMetadata({ orientation: 6 })
        .withExif({ IFD0: { Copyright: 'Maskroom test', Orientation: '6' } })
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
    const srcIcc = (await sharp(tagged).metadata()).icc!;
    const photo = await loadPhoto(tagged);
    expect([photo.width, photo.height]).toEqual([400, 600]);
    for (const format of ['jpeg', 'png', 'tiff', 'webp'] as const) {
      const bytes = await exportImage(photo, { format, quality: 90 });
      const m = await sharp(bytes).metadata();
      expect(m.format).toBe(format === 'jpeg' ? 'jpeg' : format);
      expect([m.width, m.height]).toEqual([400, 600]);
      expect(Buffer.from(m.icc!).equals(srcIcc)).toBe(true);
      expect(m.orientation ?? 1).toBe(1);
      if (format !== 'tiff') expect(Buffer.from(m.exif!).toString('latin1')).toContain('Maskroom test');
    }
    const sixteen: Photo = {
      ...photo,
      depth: 16,
      pixels: Uint16Array.from(photo.pixels, (v, i) => v * 257 + (i % 3)),
    };
    const tif = await exportImage(sixteen, { format: 'tiff' });
    expect((await sharp(tif).metadata()).depth).toBe('ushort');
    const back = await loadPhoto(tif);
    expect(Array.from(back.pixels.subarray(0, 3000))).toEqual(Array.from(sixteen.pixels.subarray(0, 3000)));
  });

  it('renders previews in sRGB and small thumbnails', async () => {
    const photo = await loadPhoto(photoBytes('rocket.jpg'));
    const prev = await renderPreview(photo, 320);
    const pm = await sharp(prev).metadata();
    expect([pm.format, Math.max(pm.width!, pm.height!)]).toEqual(['jpeg', 320]);
    const thumb = await makeThumbnail(photo);
    const tm = await sharp(thumb).metadata();
    expect([tm.format, Math.max(tm.width!, tm.height!)]).toEqual(['webp', 256]);
    const mask = discMask(photo.width, photo.height, 320, 200, 60);
    const { patch } = await edit(photo, mask);
    const pt = await sharp(
      await makeThumbnail(patch, { size: 64, format: 'jpeg', icc: photo.icc }),
    ).metadata();
    expect([pt.format, Math.max(pt.width!, pt.height!)]).toEqual(['jpeg', 64]);
  });
});
