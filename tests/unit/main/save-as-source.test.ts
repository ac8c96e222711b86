/**
 * Save As onto the very photo the project was made from (the dialog asked before replacing it) writes the
 * export there and the project's record of that file (source.json) follows: the next Save back finds the
 * file as Maskroom left it and saves without asking about a change on disk. A file of another name is
 * written without touching the record; one of the project's own files (its original, a layer) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { WorkspaceApi } from '../../../electron/core/workspace-types';
import { readSource } from '../../../electron/core/save-back';
import { saveAs } from '../../../electron/main/export';
import { noiseJpeg } from '../../support/fixtures';
import { saveAsWorkspace, type SaveAsWorkspace } from './save-as-workspace';

let root: string;
let ws: WorkspaceApi;
let deps: SaveAsWorkspace['deps'];

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  ({ root, ws, deps } = await saveAsWorkspace('maskroom-saveas-source-', true));
}, 60_000);

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

async function projectFromFile(name: string): Promise<{ id: string; file: string }> {
  const file = path.join(root, name);
  const bytes = await noiseJpeg(90, 60, 70);
  await fs.writeFile(file, bytes);
  const { id } = await ws.createProject({ name, photo: new Uint8Array(bytes) });
  await ws.recordSource(id, file);
  return { id, file };
}

describe('Save As onto the source photo', () => {
  it('records the export, so the next Save back goes on without the changed-on-disk question', async () => {
    const { id, file } = await projectFromFile('shot.jpg');
    const before = sha(new Uint8Array(await fs.readFile(file)));
    expect(await saveAs(deps(file), { projectId: id, format: 'jpeg', quality: 60 })).toEqual({
      ok: true,
      value: { saved: true },
    });
    const now = sha(new Uint8Array(await fs.readFile(file)));
    expect(now).not.toBe(before);
    const dir = path.join(root, 'lib', id);
    expect((await readSource(dir))?.sha256).toBe(now);
    const back = await ws.saveBack({ projectId: id, confirmed: true, overwriteChanged: false });
    expect(back.status).toBe('saved');
  });

  it('a file of another name leaves the record as it was', async () => {
    const { id, file } = await projectFromFile('other.jpg');
    const dir = path.join(root, 'lib', id);
    const rec = await fs.readFile(path.join(dir, 'source.json'), 'utf8');
    const elsewhere = path.join(root, 'elsewhere.jpg');
    expect((await saveAs(deps(elsewhere), { projectId: id, format: 'jpeg' })).ok).toBe(true);
    expect(await fs.readFile(path.join(dir, 'source.json'), 'utf8')).toBe(rec);
    expect((await readSource(dir))?.path).toBe(file);
  });

  it("one of the project's own files is refused in one sentence, the project's files untouched", async () => {
    const { id } = await projectFromFile('inside.jpg');
    const dir = path.join(root, 'lib', id);
    const original = (await fs.readdir(dir)).find((n) => n.startsWith('original.'))!;
    const before = await fs.readFile(path.join(dir, original));
    for (const name of [original, 'layers/x.png', 'journal/x.jpg']) {
      const r = await saveAs(deps(path.join(dir, name)), { projectId: id, format: 'jpeg' });
      expect(r.ok, name).toBe(false);
      if (!r.ok)
        expect(r.error.message).toBe(
          `${path.basename(name)} is one of the own files of the project in ${dir} (its original photo, manifest, layers or history), so Maskroom did not write it; choose another name or folder.`,
        );
    }
    expect(Buffer.from(await fs.readFile(path.join(dir, original))).equals(before)).toBe(true);
  });
});
