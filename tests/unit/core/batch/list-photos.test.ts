/**
 * `batch --images FOLDER` takes the photo files of the folder, not its subfolders: a folder whose name ends
 * in .jpg (an export target, a camera's card folder) is not a photo and must not become a failed row that
 * blames permissions. Symbolic links to photo files count as the files they name.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listPhotos, PHOTO_EXTENSIONS } from '../../../../electron/core/batch';
import { readFileAs } from '../../../../electron/core/batch/run';
import { isAppError } from '../../../../shared/errors';
import sharp from 'sharp';
import { loadPhoto } from '../../../../electron/core/imaging';
import { FORMATS } from '../../../../shared/formats';

/** A small deterministic generator (no flaky seeds). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-list-photos-'));
  dirs.push(d);
  return d;
}

const extensions = [...PHOTO_EXTENSIONS, '.txt', '.JPG', '.Png', ''];

describe('listPhotos', () => {
  it('lists exactly the photo files (and links to them), never a folder, over random folders', async () => {
    const r = rng(7);
    for (let round = 0; round < 12; round++) {
      const folder = await tempDir();
      const elsewhere = await tempDir();
      const expected: string[] = [];
      const count = 1 + Math.floor(r() * 10);
      for (let i = 0; i < count; i++) {
        const ext = extensions[Math.floor(r() * extensions.length)]!;
        const name = `${r() < 0.2 ? '.' : ''}item-${i}${ext}`;
        const file = path.join(folder, name);
        const kind = r();
        if (kind < 0.4) await fs.mkdir(file);
        else if (kind < 0.55) {
          const target = path.join(elsewhere, `target-${i}${ext}`);
          await fs.writeFile(target, 'x');
          await fs.symlink(target, file);
        } else if (kind < 0.65) {
          const target = path.join(elsewhere, `dir-${i}${ext}`);
          await fs.mkdir(target);
          await fs.symlink(target, file);
        } else await fs.writeFile(file, 'x');
        const isFile = (await fs.stat(file)).isFile();
        const isPhoto = PHOTO_EXTENSIONS.has(path.extname(name).toLowerCase());
        if (isFile && isPhoto && !name.startsWith('.')) expected.push(file);
      }
      expected.sort();
      if (expected.length === 0) {
        const e = await listPhotos(folder).then(
          () => null,
          (x: unknown) => x,
        );
        expect(isAppError(e) && e.code).toBe('invalid-input');
        expect((e as Error).message).toMatch(/holds no photos/);
      } else {
        expect(await listPhotos(folder)).toEqual(expected);
      }
    }
  });

  it('refuses a folder whose only entries are subfolders named like photos', async () => {
    const folder = await tempDir();
    await fs.mkdir(path.join(folder, 'card.jpg'));
    await fs.mkdir(path.join(folder, 'exports.tif'));
    const e = await listPhotos(folder).then(
      () => null,
      (x: unknown) => x,
    );
    expect(isAppError(e) && e.code).toBe('invalid-input');
    expect((e as Error).message).toContain(`The folder ${folder} holds no photos`);
  });
});

describe('the no-photos sentence', () => {
  it('names exactly the formats this build opens: each one it names decodes here, and HEIC/HEIF is not named', async () => {
    const folder = await tempDir();
    await fs.writeFile(path.join(folder, 'notes.txt'), 'x');
    const e = await listPhotos(folder).then(
      () => null,
      (x: unknown) => x,
    );
    const message = (e as Error).message;
    const listed = /holds no photos \((.+)\); check --images\.$/.exec(message)?.[1];
    expect(listed, message).toBeDefined();
    const names = listed!.split(/, | or /).map((n) => n.trim().toLowerCase());
    expect(names).not.toContain('heif');
    expect(names).not.toContain('heic');
    // Nothing that opens is left out of the sentence.
    const opens = FORMATS.filter((f) => f.opens).map((f) => f.label.toLowerCase());
    expect([...names].sort()).toEqual([...opens].sort());
    for (const name of names) {
      const s = sharp({ create: { width: 9, height: 7, channels: 3, background: '#3366cc' } });
      const bytes = await (
        name === 'avif' ? s.avif() : s.toFormat(name as keyof sharp.FormatEnum)
      ).toBuffer();
      const photo = await loadPhoto(new Uint8Array(bytes));
      expect([photo.width, photo.height], name).toEqual([9, 7]);
    }
  });
});

describe('readFileAs (a photo given with --image, a mask)', () => {
  it('says a folder given as a photo or mask is a folder, not a permission problem', async () => {
    const folder = await tempDir();
    for (const what of ['photo', 'mask'] as const) {
      for (const name of ['shot.jpg', 'ünïcødé 写真.png', 'plain']) {
        const p = path.join(folder, `${what}-${name}`);
        await fs.mkdir(p);
        const e = await readFileAs(p, what).then(
          () => null,
          (x: unknown) => x,
        );
        expect(isAppError(e) && e.code).toBe('invalid-input');
        expect((e as Error).message).toBe(
          `The ${what} ${p} is a folder, not a file; give the ${what} file's path or leave that photo out.`,
        );
      }
      const file = path.join(folder, `${what}.bin`);
      await fs.writeFile(file, 'bytes');
      expect(Buffer.from(await readFileAs(file, what)).toString()).toBe('bytes');
    }
  });
});
