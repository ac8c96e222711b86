/**
 * A photo of several frames (an animated WebP, a multi-page TIFF) opens as its first frame; a save back would
 * write that frame alone over the file and drop the others. It is refused in one sentence before anything is
 * asked or written, and the file is left byte for byte; a still photo of the same formats saves back. Nor
 * is a save back written over the project's own copy of its photo (a project made in the photo's folder
 * from a photo named original.<ext>).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { loadPhoto } from '../../../../electron/core/imaging';
import type { CreateOptions } from '../../../../electron/core/project';
import { checkSaveBack, saveBack } from '../../../../electron/core/save-back';
import { projectOfSource } from '../../../support/source-project';

const W = 30;
const H = 20;
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-animated-source-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A file of `pages` frames of different greys, in `format`. */
async function framesFile(format: 'webp' | 'tiff', pages: number): Promise<Buffer> {
  const frames = Buffer.concat(Array.from({ length: pages }, (_, i) => Buffer.alloc(W * H * 3, 40 + i * 70)));
  const s = sharp(frames, { raw: { width: W, height: H * pages, channels: 3, pageHeight: H } as never });
  return format === 'webp' ? s.webp({ lossless: true }).toBuffer() : s.tiff().toBuffer();
}

/** What a project made from `bytes`, a WxH photo named `name`, is given. */
function photoOf(name: string, bytes: Buffer, format: string): CreateOptions {
  return { photo: new Uint8Array(bytes), name, width: W, height: H, format };
}

async function projectOf(
  name: string,
  bytes: Buffer,
  format: string,
): Promise<{ dir: string; file: string }> {
  const file = path.join(root, name);
  await fs.writeFile(file, bytes);
  const dir = path.join(root, `${name}-project`);
  await projectOfSource(dir, file, photoOf(name, bytes, format));
  return { dir, file };
}

describe('save back into a file of several frames', () => {
  for (const format of ['webp', 'tiff'] as const) {
    it(`${format}: three frames are refused in one sentence, the file untouched; one frame saves back`, async () => {
      const bytes = await framesFile(format, 3);
      expect((await sharp(bytes).metadata()).pages).toBe(3);
      const { dir, file } = await projectOf(`anim.${format}`, bytes, format);
      const image = await loadPhoto(new Uint8Array(bytes));
      const said = new RegExp(
        `^anim\\.${format} holds 3 frames \\(an animation or a multi-page file\\) and Maskroom edits only the first, so it did not save back into it \\(the other frames would be lost\\); use Export`,
      );
      await expect(checkSaveBack(dir)).rejects.toThrow(said);
      await expect(saveBack(dir, image, { confirmed: true, overwriteChanged: true })).rejects.toThrow(said);
      expect(Buffer.from(await fs.readFile(file)).equals(bytes)).toBe(true);
      expect((await fs.readdir(root)).filter((n) => n.startsWith(`anim.${format}.tmp-`))).toEqual([]);

      const still = await framesFile(format, 1);
      const one = await projectOf(`still.${format}`, still, format);
      const saved = await saveBack(one.dir, await loadPhoto(new Uint8Array(still)), {
        confirmed: true,
        overwriteChanged: false,
      });
      expect(saved.format).toBe(format);
    });
  }
});

describe("save back into the project's own copy of its photo", () => {
  it('a project made in the photo folder from original.png refuses, leaving its original as it was', async () => {
    const folder = path.join(root, 'own-folder');
    await fs.mkdir(folder);
    const bytes = await framesFile('tiff', 1);
    const file = path.join(folder, 'original.tif');
    await fs.writeFile(file, bytes);
    // The store takes an original of the same bytes as its own (it is what a cut-off create leaves).
    await projectOfSource(folder, file, photoOf('original.tif', bytes, 'tiff'));
    const said =
      /^original\.tif is this project's own copy of its photo, so Maskroom did not save back into it; use Export/;
    await expect(checkSaveBack(folder)).rejects.toThrow(said);
    await expect(
      saveBack(folder, await loadPhoto(new Uint8Array(bytes)), { confirmed: true, overwriteChanged: true }),
    ).rejects.toThrow(said);
    expect(Buffer.from(await fs.readFile(file)).equals(bytes)).toBe(true);
  });
});

describe('save back into a read-only photo', () => {
  it('is refused by the check, before anything is asked, and the file is left as it was', async () => {
    const bytes = await framesFile('tiff', 1);
    const { dir, file } = await projectOf('locked.tif', bytes, 'tiff');
    await fs.chmod(file, 0o444);
    const said =
      /^locked\.tif is read-only \(no one may write to it\), so Maskroom did not save back into it; make it writable/;
    await expect(checkSaveBack(dir)).rejects.toThrow(said);
    await expect(
      saveBack(dir, await loadPhoto(new Uint8Array(bytes)), { confirmed: true, overwriteChanged: true }),
    ).rejects.toThrow(said);
    expect(Buffer.from(await fs.readFile(file)).equals(bytes)).toBe(true);
    await fs.chmod(file, 0o644);
    expect((await checkSaveBack(dir)).status).toBe('confirm-first');
  });
});

describe("save back into another project's original", () => {
  it("a project made from another project's original.tif refuses, naming that project, and leaves it as it was", async () => {
    const bytes = await framesFile('tiff', 1);
    const first = await projectOf('first.tif', bytes, 'tiff');
    const theirs = path.join(first.dir, 'original.tif');
    const dir = path.join(root, 'second-project');
    await projectOfSource(dir, theirs, photoOf('original.tif', bytes, 'tiff'));
    await expect(checkSaveBack(dir)).rejects.toThrow(
      `original.tif is one of the own files of the project in ${first.dir}, so Maskroom did not save back into it; use Export to write the image to another file instead.`,
    );
    expect(Buffer.from(await fs.readFile(theirs)).equals(bytes)).toBe(true);
  });
});
