/**
 * Save back through the workspace (what the app calls), for JPEG, 16-bit TIFF and PNG originals with an ICC
 * profile and EXIF: asked once, then written into the file it came from in the same format, depth, profile
 * and EXIF, the edit visible in it; the project's own copy of the original untouched; a file changed on
 * disk since it was opened is left alone until the user says yes again. Also the layered PSD through the
 * workspace: its composite equals the flat export.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { EditParams } from '../../../../shared/contract';
import { exportImage, loadPhoto } from '../../../../electron/core/imaging';
import { encodeTiff } from '../../../../electron/core/imaging/tiff';
import { readSource, SOURCE_FILE } from '../../../../electron/core/save-back';
import { readManifest } from '../../../../electron/core/project';
import { fakeApi } from '../pipeline/fake-api';
import { ellipseMask, fixture } from '../pipeline/fixtures';
import { editInTurn, workspaceHarness } from '../pipeline/workspace-harness';
import { magickCompositeRgb, magickLayers, psdFile } from '../imaging/psd-reader';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function setup() {
  const harness = await workspaceHarness(fakeApi({ colour: [20, 200, 30] }).api, {
    prefix: 'maskroom-saveback-',
  });
  const done = () => harness.progress().filter((p) => p.state === 'done').length;
  return { ...harness, done, harness };
}

/** The photos: a JPEG with ICC and EXIF, a 16-bit TIFF and a PNG carrying that profile and EXIF. */
async function originals(dir: string): Promise<Array<{ file: string; format: string; depth: 8 | 16 }>> {
  const jpeg = await fixture('hubble_deep_field.jpg');
  const tagged = await loadPhoto(jpeg);
  expect(tagged.icc).not.toBeNull();
  expect(tagged.exif).not.toBeNull();
  const base = await loadPhoto(await fixture('chelsea.png'));
  const p16 = new Uint16Array(base.pixels.length);
  for (let i = 0; i < p16.length; i++) p16[i] = base.pixels[i]! * 257 + (i % 200);
  const tiff = encodeTiff({ ...base, depth: 16, pixels: p16, icc: tagged.icc, exif: tagged.exif });
  const png = await exportImage({ ...base, icc: tagged.icc, exif: tagged.exif }, { format: 'png' });
  const out = [
    { file: path.join(dir, 'Hubble.jpg'), bytes: jpeg, format: 'jpeg', depth: 8 as const },
    { file: path.join(dir, 'Chelsea-16.tif'), bytes: tiff, format: 'tiff', depth: 16 as const },
    { file: path.join(dir, 'Chelsea.png'), bytes: png, format: 'png', depth: 8 as const },
  ];
  for (const o of out) await fs.writeFile(o.file, o.bytes);
  return out;
}

describe('save back', () => {
  it('asks once, writes the same format, depth, profile and EXIF in place, and keeps the project original', async () => {
    const { root, ws, until, done } = await setup();
    const photos = await originals(root);
    const icc = (await loadPhoto(await fixture('hubble_deep_field.jpg'))).icc!;
    for (const [n, o] of photos.entries()) {
      const before = new Uint8Array(await fs.readFile(o.file));
      const created = await ws.createProject({ name: path.basename(o.file), photo: before });
      await ws.recordSource(created.id, o.file);
      const dir = path.join(root, 'lib', created.id);
      expect(await readSource(dir)).toMatchObject({
        path: o.file,
        bytes: before.byteLength,
        sha256: sha(before),
      });

      const { width, height } = created;
      const mask = {
        kind: 'png' as const,
        data: await ellipseMask(width, height, width / 2, height / 2, width / 5, height / 5),
      };
      await ws.runEdit({
        projectId: created.id,
        prompt: 'a green moon',
        params: EditParams.parse({}),
        mask,
        references: [],
        variations: 1,
      });
      await until(() => done() === n + 1);

      // The first save back of the project writes nothing until the user says yes.
      expect(await ws.saveBack({ projectId: created.id, confirmed: false, overwriteChanged: false })).toEqual(
        {
          status: 'confirm-first',
          fileName: path.basename(o.file),
        },
      );
      expect(sha(new Uint8Array(await fs.readFile(o.file)))).toBe(sha(before));

      await fs.chmod(o.file, 0o640);
      const saved = await ws.saveBack({ projectId: created.id, confirmed: true, overwriteChanged: false });
      expect((await fs.stat(o.file)).mode & 0o777, 'the file keeps its permissions').toBe(0o640);
      expect(saved).toMatchObject({ status: 'saved', fileName: path.basename(o.file) });
      const after = new Uint8Array(await fs.readFile(o.file));
      const meta = await sharp(after).metadata();
      expect(meta.format, o.file).toBe(o.format === 'tiff' ? 'tiff' : o.format);
      expect(meta.depth, o.file).toBe(o.depth === 16 ? 'ushort' : 'uchar');
      expect(
        meta.icc && Buffer.from(meta.icc).equals(Buffer.from(icc)),
        `${o.file} keeps its ICC profile`,
      ).toBe(true);
      // EXIF as Maskroom reads it (for a TIFF, its IFD0 and Exif tags), the same before and after.
      const exifText = async (b: Uint8Array) =>
        Buffer.from((await loadPhoto(b)).exif ?? []).toString('latin1');
      expect(await exifText(before), o.file).toContain('Adobe Photoshop CS5 Macintosh');
      expect(await exifText(after), `${o.file} keeps its EXIF`).toContain('Adobe Photoshop CS5 Macintosh');
      // The file holds the current image (the edit applied): exactly for PNG and TIFF, within JPEG's loss.
      const current = await loadPhoto((await ws.exportImage({ projectId: created.id, format: 'tiff' })).data);
      const decoded = await loadPhoto(after);
      const orig = await loadPhoto(before);
      expect(decoded.depth).toBe(o.depth);
      const meanDiff = (a: typeof decoded, b: typeof decoded) => {
        let sum = 0;
        for (let k = 0; k < a.pixels.length; k++) sum += Math.abs(a.pixels[k]! - b.pixels[k]!);
        return sum / a.pixels.length / (a.depth === 16 ? 257 : 1);
      };
      expect(meanDiff(current, orig), 'the edit changed the image').toBeGreaterThan(0.05);
      if (o.format === 'jpeg')
        expect(meanDiff(decoded, current)).toBeLessThan(meanDiff(current, orig) / 2 + 1.5);
      else
        expect(Buffer.from(decoded.pixels.buffer).equals(Buffer.from(current.pixels.buffer)), o.file).toBe(
          true,
        );

      // The project's own copy is the untouched original.
      const manifest = await readManifest(dir);
      expect(sha(new Uint8Array(await fs.readFile(path.join(dir, manifest.original.file))))).toBe(
        sha(before),
      );
      expect(manifest.original.sha256).toBe(sha(before));

      // Saved once: the next save back asks nothing.
      expect(
        (await ws.saveBack({ projectId: created.id, confirmed: false, overwriteChanged: false })).status,
      ).toBe('saved');

      // Another program changed the file: nothing is written until the user agrees to replace it.
      const theirs = new Uint8Array([...after.subarray(0, after.length - 1), after[after.length - 1]! ^ 1]);
      await fs.writeFile(o.file, theirs);
      expect(await ws.saveBack({ projectId: created.id, confirmed: true, overwriteChanged: false })).toEqual({
        status: 'changed-on-disk',
        fileName: path.basename(o.file),
      });
      expect(sha(new Uint8Array(await fs.readFile(o.file)))).toBe(sha(theirs));
      expect(
        (await ws.saveBack({ projectId: created.id, confirmed: true, overwriteChanged: true })).status,
      ).toBe('saved');
      expect((await readSource(dir))!.sha256).toBe(sha(new Uint8Array(await fs.readFile(o.file))));
      // Nothing was left beside the file.
      expect((await fs.readdir(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }
    await ws.dispose();
  }, 120_000);

  it('finds the project of a file opened again while the file is as it left it, and no other', async () => {
    const { root, ws } = await setup();
    const file = path.join(root, 'IMG_7.png');
    await fs.writeFile(file, await fixture('coffee.png'));
    expect(await ws.projectForSource(file)).toBeNull();
    const a = await ws.createProject({ name: 'IMG_7.png', photo: await fixture('coffee.png') });
    await ws.recordSource(a.id, file);
    const other = await ws.createProject({ name: 'other.png', photo: await fixture('coffee.png') });
    expect(await ws.projectForSource(file)).toBe(a.id);
    expect(await ws.projectForSource(path.join(root, 'elsewhere.png'))).toBeNull();
    await ws.saveBack({ projectId: a.id, confirmed: true, overwriteChanged: false });
    expect(await ws.projectForSource(file)).toBe(a.id);
    // Changed by another program: opening it again starts from that file, not from the old project.
    await fs.writeFile(file, await fixture('chelsea.png'));
    expect(await ws.projectForSource(file)).toBeNull();
    expect(other.id).not.toBe(a.id);
    await ws.dispose();
  });

  it('says in one sentence that a project made without a file has nothing to save back into', async () => {
    const { ws } = await setup();
    const created = await ws.createProject({ name: 'dropped.png', photo: await fixture('coffee.png') });
    await expect(
      ws.saveBack({ projectId: created.id, confirmed: true, overwriteChanged: true }),
    ).rejects.toThrow(
      /^This project was not opened from a photo file, so there is nothing to save back into; use Export to write the image instead\.$/,
    );
    await ws.dispose();
  });

  it('exports a layered PSD whose composite is the flat export', async () => {
    const { ws, harness } = await setup();
    const created = await ws.createProject({ name: 'coffee.png', photo: await fixture('coffee.png') });
    await editInTurn(harness, created.id, ['latte art', 'a spoon'], (i) =>
      ellipseMask(600, 400, 150 + i * 300, 200, 80, 50),
    );
    const psd = await ws.exportImage({ projectId: created.id, format: 'psd' });
    expect(psd).toMatchObject({ fileName: 'coffee-edited.psd', mime: 'image/vnd.adobe.photoshop' });
    const flat = await ws.exportImage({ projectId: created.id, format: 'png' });
    const file = psdFile(psd.data);
    const layers = magickLayers(file);
    expect(layers.map((l) => l.label)).toEqual(['', 'Original', 'latte art', 'a spoon']);
    expect(layers[0]).toMatchObject({ width: 600, height: 400, depth: 8 });
    const raw = new Uint8Array(await sharp(flat.data).removeAlpha().raw().toBuffer());
    expect(Buffer.from(magickCompositeRgb(file)).equals(Buffer.from(raw))).toBe(true);
    expect(SOURCE_FILE).toBe('source.json');
    await ws.dispose();
  }, 60_000);
});
