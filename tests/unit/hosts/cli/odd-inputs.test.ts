/**
 * Inputs a new user hands the CLI that are files of the wrong kind: an all-black mask (it reads, but marks
 * nothing) and a folder given as the photo, the mask or a reference. Each ends in one sentence in the CLI's
 * own words (no "paint over the area", no EISDIR), sends nothing, and leaves no new project behind.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import sharp from 'sharp';
import { type FakeSegmind } from '../../../fake-segmind/server';
import { envFor, fixturePath, oneLineError, projectOfOwnCopy, runCli, useChelseaWork } from './helpers';
import { mountTmpfs } from '../../core/project/tmpfs';

let fake: FakeSegmind;
let work: string;
let template: string;
const PHOTO = fixturePath('chelsea.png');

useChelseaWork('maskroom-odd-inputs-', (w) => void ({ fake, work, template } = w));

/**
 * `file` given as the photo of a new project (in work/`fresh`), as the mask and as a reference of an edit of
 * the template: each is refused in one line, "The <photo|mask|reference image> <file> <said>"; no project is
 * made and nothing is sent.
 */
async function refusedAsEveryInput(file: string, fresh: string, said: string): Promise<void> {
  const mask = path.join(work, 'mask-a.png');
  const submits = fake.count('submit');
  const dir = path.join(work, fresh);
  for (const [what, args] of [
    ['photo', ['edit', '--project', dir, '--image', file, '--mask', mask, '--prompt', 'x']],
    ['mask', ['edit', '--project', template, '--mask', file, '--prompt', 'x']],
    [
      'reference image',
      ['edit', '--project', template, '--mask', mask, '--prompt', 'x', '--reference', file],
    ],
  ] as const) {
    const r = await runCli([...args], { env: envFor(fake) });
    expect(oneLineError(r), what).toBe(`maskroom: The ${what} ${file} ${said}`);
  }
  await expect(fs.stat(dir)).rejects.toThrow();
  expect(fake.count('submit')).toBe(submits);
}

describe('an all-black mask', () => {
  it("is refused in the CLI's words, on an existing project and for a new one (nothing made, nothing sent)", async () => {
    const black = path.join(work, 'black.png');
    // 8-bit PNG and a noisy JPEG whose compression noise near black snaps to black.
    await sharp({ create: { width: 451, height: 300, channels: 3, background: '#000000' } })
      .png()
      .toFile(black);
    const noisy = path.join(work, 'black.jpg');
    const px = Buffer.alloc(451 * 300);
    for (let i = 0; i < px.length; i++) px[i] = (i * 7919) % 5;
    await sharp(px, { raw: { width: 451, height: 300, channels: 1 } })
      .jpeg({ quality: 70 })
      .toFile(noisy);
    const submits = fake.count('submit');
    for (const mask of [black, noisy]) {
      const said = new RegExp(
        `^maskroom: The mask ${mask.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is all black, so it marks nothing to change; `,
      );
      const existing = await runCli(['edit', '--project', template, '--mask', mask, '--prompt', 'x'], {
        env: envFor(fake),
      });
      expect(oneLineError(existing)).toMatch(said);
      const fresh = path.join(work, `black-new-${path.extname(mask).slice(1)}`);
      const made = await runCli(
        ['edit', '--project', fresh, '--image', PHOTO, '--mask', mask, '--prompt', 'x'],
        {
          env: envFor(fake),
        },
      );
      expect(oneLineError(made)).toMatch(said);
      await expect(fs.stat(fresh)).rejects.toThrow();
    }
    expect(fake.count('submit')).toBe(submits);
  }, 90_000);
});

describe('a folder where a file belongs', () => {
  it('as the photo, the mask or a reference: said as such, nothing made or sent', async () => {
    const folder = path.join(work, 'a-folder.png');
    await fs.mkdir(folder, { recursive: true });
    await refusedAsEveryInput(folder, 'folder-photo', 'is a folder, not a file; pass the image file itself.');
  }, 90_000);
});

describe("export --out onto a project's own files", () => {
  it('is refused before anything is written: its original, a layer, through a linked path, another project', async () => {
    const original = path.join(template, 'original.png');
    const before = await fs.readFile(original);
    const link = path.join(work, 'linked-project');
    await fs.symlink(template, link);
    const other = path.join(work, 'other-project');
    await fs.cp(template, other, { recursive: true });
    const otherBefore = await fs.readFile(path.join(other, 'original.png'));
    for (const [out, owner] of [
      [original, template],
      [path.join(template, 'layers', 'x.png'), template],
      [path.join(template, 'journal', 'new', 'x.tif'), template],
      [path.join(link, 'original.png'), template],
      [path.join(template, '..', path.basename(template), 'source.json.jpg'), null],
      [path.join(other, 'original.png'), other],
    ] as const) {
      const r = await runCli(['export', '--project', template, '--out', out]);
      if (owner === null) {
        expect(r.code, r.stderr).toBe(0);
        continue;
      }
      expect(oneLineError(r), out).toBe(
        `maskroom: ${path.resolve(out)} is one of the own files of the project in ${owner} (its original photo, manifest, layers or history), so Maskroom did not write it; choose another --out.`,
      );
    }
    expect(Buffer.from(await fs.readFile(original)).equals(before)).toBe(true);
    expect(Buffer.from(await fs.readFile(path.join(other, 'original.png'))).equals(otherBefore)).toBe(true);
    await expect(fs.stat(path.join(template, 'journal', 'new'))).rejects.toThrow();
    const history = await runCli(['history', '--project', template]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stderr).toBe('');
    // Beside the project's files (a project made in the photo's folder), and in a new subfolder, it is written.
    for (const out of [path.join(template, 'edited.png'), path.join(template, 'exports', 'edited.jpg')]) {
      const r = await runCli(['export', '--project', template, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 90_000);
});

describe('an empty file', () => {
  it('as the photo, the mask or a reference: named, said to be empty, nothing made or sent', async () => {
    const empty = path.join(work, 'empty.png');
    await fs.writeFile(empty, '');
    await refusedAsEveryInput(
      empty,
      'empty-photo',
      'is empty (0 bytes); check that it was saved or copied completely.',
    );
  }, 90_000);
});

describe('a folder without a project', () => {
  it('history, export and resume say there is none and how one is made', async () => {
    const none = path.join(work, 'no-project-here');
    await fs.mkdir(none, { recursive: true });
    for (const args of [
      ['history', '--project', none],
      ['export', '--project', none, '--out', path.join(work, 'none.png')],
      ['export', '--project', none, '--in-place'],
      ['resume', '--project', none],
    ]) {
      const r = await runCli(args, { env: envFor(fake) });
      expect(oneLineError(r), args[0]).toBe(
        `maskroom: There is no Maskroom project in ${none}; check --project (a project is made by maskroom edit --project DIR --image PHOTO).`,
      );
    }
    expect(await fs.readdir(none)).toEqual([]);
  }, 90_000);
});

describe('save back when the photo was moved or deleted', () => {
  it('says it is no longer there (not that it changed); --force writes it there again', async () => {
    const src = path.join(work, 'moved-away.png');
    const dir = path.join(work, 'moved-project');
    await projectOfOwnCopy(fake, work, src, dir);
    await fs.rm(src);
    const r = await runCli(['export', '--project', dir, '--in-place']);
    expect(oneLineError(r)).toBe(
      `maskroom: moved-away.png is no longer at ${src} (moved or deleted since Maskroom opened it), so nothing was written; save back again with --force to write it there anyway, or use Export to write a new file.`,
    );
    await expect(fs.stat(src)).rejects.toThrow();
    const forced = await runCli(['export', '--project', dir, '--in-place', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await fs.stat(src)).size).toBeGreaterThan(0);
  }, 90_000);
});

describe('a read-only file', () => {
  it('is not replaced by export --out, nor by a save back into it; made writable, both go on', async () => {
    const src = path.join(work, 'locked.png');
    const dir = path.join(work, 'locked-project');
    await projectOfOwnCopy(fake, work, src, dir);
    const other = path.join(work, 'locked-other.png');
    await fs.copyFile(PHOTO, other);
    await fs.chmod(src, 0o444);
    await fs.chmod(other, 0o444);
    const before = await fs.readFile(PHOTO);
    const out = await runCli(['export', '--project', dir, '--out', other]);
    expect(oneLineError(out)).toBe(
      `maskroom: ${other} is read-only (no one may write to it), so Maskroom did not replace it; make it writable or choose another --out.`,
    );
    const back = await runCli(['export', '--project', dir, '--in-place', '--force']);
    expect(oneLineError(back)).toBe(
      'maskroom: locked.png is read-only (no one may write to it), so Maskroom did not save back into it; make it writable, then save back again, or use Export to write a new file.',
    );
    for (const f of [src, other]) {
      expect(Buffer.from(await fs.readFile(f)).equals(before), f).toBe(true);
      expect((await fs.stat(f)).mode & 0o777).toBe(0o444);
    }
    await fs.chmod(src, 0o644);
    await fs.chmod(other, 0o644);
    expect((await runCli(['export', '--project', dir, '--out', other])).code).toBe(0);
    expect((await runCli(['export', '--project', dir, '--in-place'])).code).toBe(0);
  }, 90_000);
});

describe('batch --out on a read-only disk', () => {
  it('is said as such (not as an internal error), before anything is sent', async (ctx) => {
    const m = await mountTmpfs(1024 * 1024);
    if (!('dir' in m)) return ctx.skip(m.skip);
    try {
      m.setReadOnly(true);
      const out = path.join(m.dir, 'results');
      const submits = fake.count('submit');
      const r = await runCli(
        ['batch', '--out', out, '--image', PHOTO, '--mask', path.join(work, 'mask-a.png'), '--prompt', 'x'],
        { env: envFor(fake) },
      );
      expect(oneLineError(r)).toBe(
        `maskroom: Starting the batch in ${out} failed: the folder is on a read-only disk (${out}); choose an --out on a writable disk (nothing was sent).`,
      );
      expect(fake.count('submit')).toBe(submits);
    } finally {
      m.setReadOnly(false);
      await m.unmount();
    }
  }, 90_000);
});

describe('a mask drawn on a photo as stored, before its EXIF orientation turns it', () => {
  it('is said to be turned a quarter (with what to do); the mask turned to match works', async () => {
    const photo = path.join(work, 'turned.jpg');
    // Stored 300x200 with orientation 6: shown (and edited) 200x300.
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#806040' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toFile(photo);
    const disc = (w: number, h: number) => {
      const px = Buffer.alloc(w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) px[y * w + x] = Math.hypot(x - w / 2, y - h / 2) < 40 ? 255 : 0;
      return sharp(px, { raw: { width: w, height: h, channels: 1 } }).png();
    };
    const stored = path.join(work, 'turned-mask-stored.png');
    const upright = path.join(work, 'turned-mask-upright.png');
    await disc(300, 200).toFile(stored);
    await disc(200, 300).toFile(upright);
    const dir = path.join(work, 'turned-project');
    const r = await runCli(['edit', '--project', dir, '--image', photo, '--mask', stored, '--prompt', 'x'], {
      env: envFor(fake),
    });
    expect(oneLineError(r)).toBe(
      'maskroom: The mask is 300x200 but the photo is 200x300 upright (as its EXIF orientation shows it), so the mask was likely drawn on the photo as stored; turn the mask a quarter to match the upright photo, or paint it on this photo again.',
    );
    await expect(fs.stat(dir)).rejects.toThrow();
    const ok = await runCli(
      ['edit', '--project', dir, '--image', photo, '--mask', upright, '--prompt', 'x', '--quality', 'low'],
      { env: envFor(fake) },
    );
    expect(ok.code, ok.stderr).toBe(0);
  }, 90_000);
});

describe('a photo over the pixel limit', () => {
  it('is said with advice the user can follow (there is no setting or variable to raise the limit)', async () => {
    // A header that claims 60000x60000 (3600 MP) over almost no data: refused from the header alone.
    const crcOf = (b: Buffer) => zlib.crc32(b) >>> 0;
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crcOf(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(60000, 0);
    ihdr.writeUInt32BE(60000, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const huge = path.join(work, 'huge-header.png');
    await fs.writeFile(
      huge,
      Buffer.concat([
        Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
        chunk('IHDR', ihdr),
        chunk('IDAT', zlib.deflateSync(Buffer.alloc(100))),
        chunk('IEND', Buffer.alloc(0)),
      ]),
    );
    const fresh = path.join(work, 'huge-project');
    const r = await runCli(
      ['edit', '--project', fresh, '--image', huge, '--mask', path.join(work, 'mask-a.png'), '--prompt', 'x'],
      { env: envFor(fake) },
    );
    const line = oneLineError(r);
    expect(line).toBe(
      'maskroom: The photo is 3600 megapixels, more than the 300 MP Maskroom opens; make a smaller copy of it (fewer pixels) and open that.',
    );
    expect(line).not.toMatch(/raise the limit|environment|settings/i);
    await expect(fs.stat(fresh)).rejects.toThrow();
  }, 90_000);
});

describe("save back when the photo's folder is gone", () => {
  it('says the folder is no longer there, with or without --force (no internal error), and writes nothing', async () => {
    const folder = path.join(work, 'gone-folder');
    await fs.mkdir(folder);
    const src = path.join(folder, 'shot.png');
    const dir = path.join(work, 'gone-folder-project');
    await projectOfOwnCopy(fake, work, src, dir);
    await fs.rm(folder, { recursive: true });
    for (const force of [false, true]) {
      const r = await runCli(['export', '--project', dir, '--in-place', ...(force ? ['--force'] : [])]);
      expect(oneLineError(r), String(force)).toBe(
        `maskroom: The folder ${folder} that held shot.png is no longer there (moved, renamed or on a drive not connected), so nothing was written; connect or restore it and save back again, or use Export to write the image elsewhere.`,
      );
    }
    await expect(fs.stat(folder)).rejects.toThrow();
  }, 90_000);
});
