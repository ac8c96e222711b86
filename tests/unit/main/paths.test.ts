/** Which file a launch asks to open, and the checks on every path main is given before it reads it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkPhotoPath, photoFromArgv } from '../../../electron/main/paths';
import { tempDir } from '../../support/temp';

const t = tempDir('maskroom-paths-');
const photo = path.join(t.dir, 'Beach Day.JPG');

beforeAll(() => {
  writeFileSync(photo, 'jpeg bytes');
  writeFileSync(path.join(t.dir, 'empty.png'), '');
  writeFileSync(path.join(t.dir, 'notes.txt'), 'text');
  mkdirSync(path.join(t.dir, 'folder.jpg'));
  symlinkSync(path.join(t.dir, 'notes.txt'), path.join(t.dir, 'sneaky.jpg'));
  symlinkSync(photo, path.join(t.dir, 'alias.png'));
});
afterAll(() => t.cleanup());

describe('photoFromArgv', () => {
  it('finds the photo in a packaged, a development and a second-instance command line', () => {
    expect(photoFromArgv(['/opt/Maskroom/maskroom', '/home/me/a.jpg'], '/x')).toBe('/home/me/a.jpg');
    expect(photoFromArgv(['/usr/bin/electron', '.', 'pics/b.tiff'], '/home/me')).toBe('/home/me/pics/b.tiff');
    expect(
      photoFromArgv(
        [
          '/opt/Maskroom/maskroom',
          '--allow-file-access-from-files',
          'c.webp',
          '--original-process-start-time=1',
        ],
        '/w',
      ),
    ).toBe('/w/c.webp');
    expect(photoFromArgv(['/opt/Maskroom/maskroom', 'file:///home/me/My%20Photo.tif'], '/')).toBe(
      '/home/me/My Photo.tif',
    );
    // HEIC is not opened (no HEVC decoder in the bundled libvips), so a launch with one names no photo.
    expect(photoFromArgv(['/opt/Maskroom/maskroom', 'file:///home/me/My%20Photo.heic'], '/')).toBeNull();
  });

  it('ignores the app itself, switches and files that are not photos', () => {
    expect(photoFromArgv(['/usr/bin/electron', 'dist/electron/main.js'], '/w')).toBeNull();
    expect(photoFromArgv(['/opt/Maskroom/maskroom', '--inspect=9229', 'notes.txt'], '/w')).toBeNull();
    expect(photoFromArgv(['photo.jpg'], '/w')).toBeNull(); // argv[0] is the executable
    expect(photoFromArgv([], '/w')).toBeNull();
  });
});

describe('checkPhotoPath', () => {
  it('accepts an existing photo file and returns its real path', async () => {
    await expect(checkPhotoPath(photo)).resolves.toMatchObject({
      path: photo,
      name: 'Beach Day.JPG',
      size: 10,
    });
    await expect(checkPhotoPath(path.join(t.dir, 'alias.png'))).resolves.toMatchObject({
      path: photo,
      name: 'alias.png',
    });
  });

  it('refuses with an AppError that says what to do', async () => {
    const cases: [unknown, string][] = [
      ['relative/photo.jpg', 'invalid-input'],
      [42, 'invalid-input'],
      [`${photo}\0.png`, 'invalid-input'],
      [path.join(t.dir, 'notes.txt'), 'unsupported-image'],
      [path.join(t.dir, 'missing.jpg'), 'not-found'],
      [path.join(t.dir, 'folder.jpg'), 'unsupported-image'],
      [path.join(t.dir, 'sneaky.jpg'), 'unsupported-image'],
      [path.join(t.dir, 'empty.png'), 'image-too-large'],
    ];
    for (const [p, code] of cases) {
      const e = await checkPhotoPath(p).then(
        () => null,
        (err: { code: string; message: string }) => err,
      );
      expect(e?.code, String(p)).toBe(code);
      expect(e?.message).toMatch(/;/); // what happened; what to do
    }
  });
});
