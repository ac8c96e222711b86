/**
 * A project made in a folder that already exists (the user's own photo folder, given as --project) replaces
 * nothing of the user's: a file or a non-empty folder under a name the project writes (original.<ext>,
 * source.json, layers, journal, cache, dropped) is refused in one sentence, and the folder is left as it
 * was; empty folders of those names, unrelated files, and an original of the very same bytes (what a create
 * cut off before its manifest leaves) are taken as they are. Its sweep of interrupted writes there removes
 * only its own temporary files, never the user's (or another process's export being written beside them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { ProjectStore } from '../../../../electron/core/project';

let root: string;
const photo = new Uint8Array(Buffer.from('not really a photo, the store does not decode it'));
const other = new Uint8Array(Buffer.from('the user own original.png'));
const create = (dir: string) =>
  ProjectStore.create(dir, { photo, name: 'shot.png', width: 4, height: 3, format: 'png' });

/** Every file under dir with its bytes, for before/after comparison. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await fs.readdir(dir, { recursive: true })).sort()) {
    const p = path.join(dir, n);
    const st = await fs.lstat(p);
    out[n] = st.isDirectory() ? '<dir>' : (await fs.readFile(p)).toString('hex');
  }
  return out;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-create-in-folder-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('creating a project in an existing folder', () => {
  const taken = ['original.png', 'source.json', 'layers', 'journal', 'cache', 'dropped'];
  for (const name of taken) {
    for (const kind of name.includes('.') ? ['file'] : ['file', 'non-empty folder']) {
      it(`refuses a ${kind} named ${name}, leaving the folder as it was`, async () => {
        const dir = await fs.mkdtemp(path.join(root, 'taken-'));
        await fs.writeFile(path.join(dir, 'holiday.jpg'), 'a photo of the user');
        if (kind === 'file') await fs.writeFile(path.join(dir, name), other);
        else {
          await fs.mkdir(path.join(dir, name));
          await fs.writeFile(path.join(dir, name, 'keep.txt'), 'the user notes');
        }
        const before = await snapshot(dir);
        await expect(create(dir)).rejects.toThrow(
          `${dir} already holds ${kind === 'file' ? 'a file' : 'a folder'} named ${name}, which a new project there would replace; choose an empty or new folder for the project.`,
        );
        expect(await snapshot(dir)).toEqual(before);
        expect(await ProjectStore.isProject(dir)).toBe(false);
      });
    }
  }

  it('takes empty folders of those names, unrelated files and an original of the same bytes', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'free-'));
    await fs.writeFile(path.join(dir, 'holiday.jpg'), 'a photo of the user');
    for (const sub of ['layers', 'journal', 'cache', 'dropped']) await fs.mkdir(path.join(dir, sub));
    await fs.writeFile(path.join(dir, 'original.png'), photo);
    const store = await create(dir);
    await store.close();
    expect(await ProjectStore.isProject(dir)).toBe(true);
    expect(await fs.readFile(path.join(dir, 'holiday.jpg'), 'utf8')).toBe('a photo of the user');
    expect(new Uint8Array(await fs.readFile(path.join(dir, 'original.png')))).toEqual(photo);
  });
});

describe("a project in the user's own folder sweeps only its own leftovers", () => {
  it("on create and on open: its manifest/original/source/lock temporaries go, the user's *.tmp-* files stay", async () => {
    const dir = await fs.mkdtemp(path.join(root, 'sweep-'));
    const users = ['holiday.tmp-2019.jpg', 'edited.png.tmp-1a2b3c4d5e6f', 'notes.tmp-.txt'];
    for (const n of users) await fs.writeFile(path.join(dir, n), 'the user');
    await fs.writeFile(path.join(dir, 'project.json.tmp-aaaaaaaaaaaa'), 'half');
    const store = await create(dir);
    await store.close();
    for (const n of [
      'project.json.tmp-bbbbbbbbbbbb',
      'source.json.tmp-cccccccccccc',
      'original.png.tmp-dddddddddddd',
      '.maskroom.lock.tmp-eeeeeeeeeeee',
    ])
      await fs.writeFile(path.join(dir, n), 'half');
    const opened = await ProjectStore.open(dir);
    const removed = [...opened.report.tempFilesRemoved].sort();
    await opened.close();
    expect(removed).toEqual(
      [
        '.maskroom.lock.tmp-eeeeeeeeeeee',
        'original.png.tmp-dddddddddddd',
        'project.json.tmp-bbbbbbbbbbbb',
        'source.json.tmp-cccccccccccc',
      ].sort(),
    );
    const left = (await fs.readdir(dir)).filter((n) => n.includes('.tmp-')).sort();
    expect(left).toEqual([...users].sort());
  });
});
