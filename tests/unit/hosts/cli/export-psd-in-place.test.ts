/**
 * `maskroom export` for the round trip: --out FILE.psd writes the layered PSD (read back by ImageMagick),
 * --in-place saves back into the project's photo and refuses, naming the file and --force, one that
 * changed on disk. The project is made by the workspace with the in-process fake model, then closed.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { loadPhoto } from '../../../../electron/core/imaging';
import { main } from '../../../../electron/hosts/cli';
import { fakeApi } from '../../core/pipeline/fake-api';
import { ellipseMask, fixture } from '../../core/pipeline/fixtures';
import { editInTurn, workspaceHarness } from '../../core/pipeline/workspace-harness';
import { magickCompositeRgb, magickLayers } from '../../core/imaging/psd-reader';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A project of rocket.jpg (Adobe RGB) with two edits, made from `file`; returns its folder. */
async function project(root: string, file: string): Promise<string> {
  const h = await workspaceHarness(fakeApi({ colour: [240, 200, 20] }).api, { root });
  const { ws } = h;
  const created = await ws.createProject({
    name: path.basename(file),
    photo: new Uint8Array(await fs.readFile(file)),
  });
  await ws.recordSource(created.id, file);
  await editInTurn(h, created.id, ['a yellow moon', 'remove the tower'], (i) =>
    ellipseMask(640, 427, 160 + i * 300, 200, 70, 60),
  );
  await ws.dispose();
  return path.join(root, 'lib', created.id);
}

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), env: {} });
  return { code, out, err };
}

describe('maskroom export: PSD and --in-place', () => {
  it('writes a layered PSD, saves back in place, and refuses a changed original without --force', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-cli-psd-'));
    const photo = path.join(root, 'Rocket.jpg');
    await fs.writeFile(photo, await fixture('rocket.jpg'));
    const dir = await project(root, photo);

    const psd = path.join(root, 'out', 'rocket.psd');
    const r = await cli(['export', '--project', dir, '--out', psd]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Exported 640x427 psd with 2 visible layers to ${psd}.\n`);
    const layers = magickLayers(psd);
    expect(layers.map((l) => l.label)).toEqual(['', 'Original', 'a yellow moon', 'remove the tower']);
    const png = path.join(root, 'out', 'rocket.png');
    expect((await cli(['export', '--project', dir, '--out', png])).code).toBe(0);
    // Decoded in its own profile (sharp's raw output would convert it to sRGB).
    const flat = (await loadPhoto(new Uint8Array(await fs.readFile(png)))).pixels;
    expect(
      Buffer.from(magickCompositeRgb(psd)).equals(Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength)),
    ).toBe(true);

    // Save back: JPEG again, the Adobe RGB profile kept, the project's copy of the original untouched.
    const before = new Uint8Array(await fs.readFile(photo));
    const original = path.join(
      dir,
      (await fs.readdir(dir)).find((f) => f.startsWith('original.'))!,
    );
    const saved = await cli(['export', '--project', dir, '--in-place', '--json']);
    expect(saved.code).toBe(0);
    expect(JSON.parse(saved.out)).toMatchObject({
      out: photo,
      format: 'jpeg',
      inPlace: true,
      visibleLayers: 2,
    });
    const after = new Uint8Array(await fs.readFile(photo));
    expect(sha(after)).not.toBe(sha(before));
    expect((await sharp(after).metadata()).format).toBe('jpeg');
    expect(
      Buffer.from((await loadPhoto(after)).icc!).equals(Buffer.from((await loadPhoto(before)).icc!)),
    ).toBe(true);
    expect(sha(new Uint8Array(await fs.readFile(original)))).toBe(sha(before));

    // Someone else changed the photo: refused in one sentence naming it and --force; the file is theirs.
    const theirs = new Uint8Array(await sharp(after).jpeg({ quality: 50 }).withIccProfile('srgb').toBuffer());
    await fs.writeFile(photo, theirs);
    const refused = await cli(['export', '--project', dir, '--in-place']);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toBe(
      'maskroom: Rocket.jpg changed on disk since Maskroom opened it, so it was not overwritten; save back again with --force to replace it, or use Export to write a new file.\n',
    );
    expect(sha(new Uint8Array(await fs.readFile(photo)))).toBe(sha(theirs));
    const forced = await cli(['export', '--project', dir, '--in-place', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toBe(`Saved back 640x427 jpeg with 2 visible layers into ${photo}.\n`);

    // The options make sense together or are refused.
    expect((await cli(['export', '--project', dir, '--in-place', '--out', psd])).err).toMatch(/not both/);
    expect((await cli(['export', '--project', dir, '--out', psd, '--force'])).err).toMatch(
      /--force only applies/,
    );
    expect((await cli(['export', '--project', dir, '--out', path.join(root, 'x.bmp')])).err).toBe(
      'maskroom: Cannot tell the format of x.bmp; end --out with .jpg, .jpeg, .png, .tif, .tiff, .webp or .psd.\n',
    );
  }, 120_000);
});
