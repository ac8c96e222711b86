/**
 * `maskroom edit --image PHOTO.jpg` into a new project: the JPEG is checked to decode completely without
 * its whole frame being decoded (MASKROOM_TRACE says photo-checked, never photo-decoded), and the edit sends
 * the region decoded on its own. A damaged JPEG is refused in loadPhoto's own sentence and creates nothing,
 * in a new folder or an existing empty one, also when the damage lies below every row the edit sends (where
 * the region's decode alone would not see it), and nothing is sent. The project made is the one the
 * whole-photo way makes: a PNG of the same pixels still goes that way (decoded whole, the inputs built from
 * it), and both give the same layer record and the same layer files byte for byte, for photos of several
 * shapes (portrait, panorama, EXIF orientation 6) and masks.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { LAYERS_DIR, MANIFEST_FILE } from '../../../../electron/core/project';
import { loadPhoto, setPhotoCacheLimit } from '../../../../electron/core/imaging';
import { AppError } from '../../../../shared/errors';
import { rng } from '../../../support/prng';
import { cliArgs, envFor, fixturePath, oneLineError, runCli, tempDir, writeEllipseMask } from './helpers';

let fake: FakeSegmind;
let work: string;
beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 0 });
  work = await tempDir('maskroom-new-region-');
  setPhotoCacheLimit(0);
}, 60_000);
afterAll(async () => {
  await fake.close();
  await fs.rm(work, { recursive: true, force: true });
});

function edit(dir: string, image: string, mask: string, env: Record<string, string> = {}) {
  return runCli(cliArgs('edit', { project: dir, image, mask, prompt: 'a red scarf', quality: 'low' }), {
    env: envFor(fake, env),
  });
}

/** chelsea.png as a JPEG of the given stored size and EXIF orientation. */
async function jpegOf(width: number, height: number, orientation: number): Promise<Buffer> {
  return sharp(fixturePath('chelsea.png'))
    .resize(width, height, { fit: 'fill' })
    .withMetadata({ orientation })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('a new project from a JPEG', () => {
  it('checks the photo instead of decoding it whole (traced)', async () => {
    const jpeg = path.join(work, 'traced.jpg');
    await fs.writeFile(jpeg, await jpegOf(600, 400, 1));
    const png = path.join(work, 'traced.png');
    await sharp(jpeg).png().toFile(png);
    const mask = await writeEllipseMask(path.join(work, 'traced-mask.png'), 600, 400, 300, 200, 60, 40);
    const stages = async (image: string, dir: string) => {
      const r = await edit(path.join(work, dir), image, mask, { MASKROOM_TRACE: '1' });
      expect(r.code, r.stderr).toBe(0);
      return [...r.stderr.matchAll(/^trace (\S+) /gm)].map((m) => m[1]);
    };
    const fromJpeg = await stages(jpeg, 'traced-jpeg');
    expect(fromJpeg).toContain('photo-checked');
    expect(fromJpeg).toContain('region-ready');
    expect(fromJpeg).not.toContain('photo-decoded');
    // Another format is decoded whole as before, and its inputs built from that photo.
    const fromPng = await stages(png, 'traced-png');
    expect(fromPng).toContain('photo-decoded');
    expect(fromPng).not.toContain('region-ready');
  }, 60_000);

  it('refuses a damaged JPEG in the full decode sentence and creates nothing, wherever the damage is', async () => {
    const r = rng(4242);
    // The mask near the top: the rows the edit sends end well above the damage of most variants.
    const file = await jpegOf(640, 480, 1);
    const mask = await writeEllipseMask(path.join(work, 'top-mask.png'), 640, 480, 320, 60, 50, 30);
    const variants: [string, Buffer][] = [];
    for (let i = 0; i < 5; i++) {
      const n = Math.floor(file.length * (0.3 + 0.7 * r()));
      variants.push([`cut at ${n}`, file.subarray(0, n)]);
    }
    for (const k of [1, 2, 100]) variants.push([`cut ${k} bytes short`, file.subarray(0, file.length - k)]);
    const submits = fake.count('submit');
    for (const [k, [what, bytes]] of variants.entries()) {
      const photo = path.join(work, `damaged-${k}.jpg`);
      await fs.writeFile(photo, bytes);
      // What the whole decode says of it (the CLI names the photo as the path typed).
      const said = await loadPhoto(new Uint8Array(bytes), undefined, photo).then(
        () => null,
        (e: unknown) => (e instanceof AppError ? e.message : String(e)),
      );
      expect(said, what).toMatch(/is damaged or incomplete; open an intact copy of it\.$/);
      const fresh = path.join(work, `from-damaged-${k}`);
      expect(oneLineError(await edit(fresh, photo, mask)), what).toBe(`maskroom: ${said}`);
      await expect(fs.stat(fresh), what).rejects.toThrow();
      const empty = path.join(work, `empty-for-damaged-${k}`);
      await fs.mkdir(empty);
      expect(oneLineError(await edit(empty, photo, mask)), what).toBe(`maskroom: ${said}`);
      expect(await fs.readdir(empty), what).toEqual([]);
    }
    expect(fake.count('submit')).toBe(submits);
    // The intact photo then makes its project there.
    const intact = path.join(work, 'intact.jpg');
    await fs.writeFile(intact, file);
    const ok = await edit(path.join(work, 'from-damaged-0'), intact, mask);
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);
});

/** project.json's layers without what differs between two edits made alike (ids, times, the request). */
async function layersOf(dir: string): Promise<unknown[]> {
  const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as {
    original: { width: number; height: number };
    layers: Array<Record<string, unknown>>;
  };
  return m.layers.map((l) => {
    const { id: _i, createdAt: _c, timings: _t, requestId: _r, creditsLeft: _l, files: _f, ...kept } = l;
    return { ...kept, size: [m.original.width, m.original.height] };
  });
}

/** The one layer's files (patch, mask, thumbnail) by kind. */
async function layerFiles(dir: string): Promise<Map<string, Buffer>> {
  const at = path.join(dir, LAYERS_DIR);
  const out = new Map<string, Buffer>();
  for (const f of await fs.readdir(at)) out.set(f.replace(/^[^.]+/, ''), await fs.readFile(path.join(at, f)));
  return out;
}

describe('the project a JPEG makes', () => {
  it('is the one the whole-photo way makes from the same pixels, for several shapes and masks', async () => {
    const r = rng(777);
    const shapes = [
      { what: 'portrait', width: 331, height: 497, orientation: 1 },
      { what: 'panorama', width: 1400, height: 226, orientation: 1 },
      { what: 'orientation 6', width: 520, height: 363, orientation: 6 },
    ];
    let n = 0;
    for (const s of shapes) {
      const jpeg = path.join(work, `same-${n}.jpg`);
      await fs.writeFile(jpeg, await jpegOf(s.width, s.height, s.orientation));
      // The same upright pixels and profile (withMetadata tagged the JPEG sRGB), losslessly: the whole-photo
      // way's input.
      const photo = await loadPhoto(new Uint8Array(await fs.readFile(jpeg)));
      const png = path.join(work, `same-${n}.png`);
      await sharp(photo.pixels, {
        raw: { width: photo.width, height: photo.height, channels: photo.channels },
      })
        .withIccProfile('srgb')
        .png()
        .toFile(png);
      const pngPhoto = await loadPhoto(new Uint8Array(await fs.readFile(png)));
      expect(Buffer.from(pngPhoto.pixels).equals(Buffer.from(photo.pixels))).toBe(true);
      expect(Buffer.from(pngPhoto.icc!).equals(Buffer.from(photo.icc!))).toBe(true);
      for (let k = 0; k < 2; k++) {
        const { width: w, height: h } = photo;
        const rx = 10 + r() * w * (k ? 0.3 : 0.1);
        const ry = 10 + r() * h * (k ? 0.3 : 0.1);
        const mask = await writeEllipseMask(
          path.join(work, `same-mask-${n}-${k}.png`),
          w,
          h,
          k ? w - rx / 2 : rx + r() * (w - 2 * rx),
          ry + r() * (h - 2 * ry),
          rx,
          ry,
        );
        const what = `${s.what}, mask ${k}`;
        const a = path.join(work, `same-jpeg-${n}-${k}`);
        const b = path.join(work, `same-png-${n}-${k}`);
        const ra = await edit(a, jpeg, mask);
        expect(ra.code, ra.stderr).toBe(0);
        const rb = await edit(b, png, mask);
        expect(rb.code, rb.stderr).toBe(0);
        expect(await layersOf(a), what).toEqual(await layersOf(b));
        const fa = await layerFiles(a);
        const fb = await layerFiles(b);
        expect([...fa.keys()].sort(), what).toEqual([...fb.keys()].sort());
        for (const [f, got] of fa) expect(got.equals(fb.get(f)!), `${what}: ${f}`).toBe(true);
      }
      n++;
    }
  }, 180_000);
});
