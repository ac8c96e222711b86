import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ProjectStore,
  MANIFEST_FILE,
  LOCK_FILE,
  LAYERS_DIR,
  JOURNAL_DIR,
} from '../../../electron/services/history';
import { EditParams } from '../../../shared/contract';
import { PHOTO, fakeFiles, fakeLayer, tempDir } from './helpers';

async function newProject() {
  const dir = path.join(await tempDir(), 'proj');
  const store = await ProjectStore.create(dir, {
    photo: PHOTO,
    name: 'Test',
    width: 40,
    height: 30,
    format: 'jpeg',
  });
  return { dir, store };
}

describe('ProjectStore', () => {
  it('creates a project that reopens with the original bytes untouched', async () => {
    const { dir, store } = await newProject();
    expect(store.state().layers).toEqual([]);
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(again.width).toBe(40);
    expect(again.height).toBe(30);
    expect(Buffer.from(await again.readOriginal()).equals(Buffer.from(PHOTO))).toBe(true);
    expect(path.basename(again.originalPath())).toBe('original.jpg');
    const manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(manifest.schemaVersion).toBe(1);
    expect(manifest.format).toBe('maskroom-project');
    await again.close();
  });

  it('refuses to create over an existing project', async () => {
    const { dir, store } = await newProject();
    await store.close();
    await expect(
      ProjectStore.create(dir, { photo: PHOTO, name: 'x', width: 1, height: 1, format: 'png' }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('records every field of a layer and persists it', async () => {
    const { dir, store } = await newProject();
    const params = EditParams.parse({ quality: 'medium', outputFormat: 'webp', outputCompression: 80 });
    const l = await store.appendLayer(
      fakeLayer('sky', { params, feather: 7.5, timings: { upload: 10, inference_time: 3.2 } }),
      fakeFiles('a'),
    );
    await store.close();
    const again = await ProjectStore.open(dir);
    const [got] = again.layers();
    expect(got).toMatchObject({
      id: l.id,
      prompt: 'sky',
      params,
      feather: 7.5,
      requestId: 'req-sky',
      model: 'gpt-image-1.5-edit',
      timings: { upload: 10, inference_time: 3.2 },
      creditsLeft: 99,
      visible: true,
      rect: { x: 1, y: 2, width: 3, height: 4 },
    });
    expect(got?.sent.apiSize).toBe('1024x1024');
    expect(new TextDecoder().decode(await again.readLayerFile(l.id, 'patch'))).toBe('a:patch');
    expect(again.state().layers[0]?.id).toBe(l.id);
    await again.close();
  });

  it('hides, shows, reverts non-destructively and deletes layers with their files', async () => {
    const { dir, store } = await newProject();
    const a = await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    const b = await store.appendLayer(fakeLayer('b'), fakeFiles('b'));
    const c = await store.appendLayer(fakeLayer('c'), fakeFiles('c'));
    const vis = () => store.layers().map((l) => l.visible);
    expect(vis()).toEqual([true, true, true]);
    await store.setVisible(b.id, false);
    expect(vis()).toEqual([true, false, true]);
    await store.revertTo(a.id);
    expect(vis()).toEqual([true, false, false]);
    expect(store.layers()).toHaveLength(3);
    await store.revertTo(null);
    expect(vis()).toEqual([false, false, false]);
    await store.revertTo(c.id);
    expect(vis()).toEqual([false, false, true]);
    await store.deleteLayer(b.id);
    expect(store.layers().map((l) => l.id)).toEqual([a.id, c.id]);
    const files = await fs.readdir(path.join(dir, LAYERS_DIR));
    expect(files.some((f) => f.startsWith(b.id))).toBe(false);
    expect(files.filter((f) => f.startsWith(a.id))).toHaveLength(3);
    await expect(store.setVisible('nope', true)).rejects.toMatchObject({ code: 'not-found' });
    await store.close();
  });

  it('keeps one visible layer per variation group', async () => {
    const { store } = await newProject();
    const a = await store.appendLayer(fakeLayer('v1', { groupId: 'g1' }), fakeFiles('1'));
    const b = await store.appendLayer(fakeLayer('v2', { groupId: 'g1' }), fakeFiles('2'));
    const c = await store.appendLayer(fakeLayer('other'), fakeFiles('3'));
    expect(store.layers().map((l) => l.visible)).toEqual([true, false, true]);
    await store.choose(b.id);
    expect(store.layers().map((l) => [l.id, l.visible])).toEqual([
      [a.id, false],
      [b.id, true],
      [c.id, true],
    ]);
    await store.close();
  });

  it('appends concurrent layers in completion order without losing any', async () => {
    const { dir, store } = await newProject();
    const n = 12;
    const done: string[] = [];
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i * 7) % 13));
        const l = await store.appendLayer(fakeLayer(`p${i}`), fakeFiles(`f${i}`));
        done.push(l.id);
      }),
    );
    expect(store.layers()).toHaveLength(n);
    expect(store.revision).toBe(n);
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(
      again
        .layers()
        .map((l) => l.id)
        .sort(),
    ).toEqual([...done].sort());
    expect((await fs.readdir(path.join(dir, LAYERS_DIR))).length).toBe(3 * n);
    await again.close();
  });
});

describe('lock', () => {
  it('tells a second opener the project is in use, and frees it on close', async () => {
    const { dir, store } = await newProject();
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({ code: 'project-in-use' });
    const ro = await ProjectStore.open(dir, { readOnly: true });
    expect(ro.readOnly).toBe(true);
    await expect(ro.appendLayer(fakeLayer('x'), fakeFiles('x'))).rejects.toMatchObject({
      code: 'project-in-use',
    });
    await store.close();
    await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow();
    const again = await ProjectStore.open(dir);
    await again.close();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const { dir, store } = await newProject();
    await store.close();
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    const os = await import('node:os');
    await fs.writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid, host: os.hostname(), token: 'x', createdAt: '' }),
    );
    const again = await ProjectStore.open(dir);
    await again.close();
  });

  it('treats a lock held by a live process as in use', async () => {
    const { dir, store } = await newProject();
    await store.close();
    const os = await import('node:os');
    // The parent of this test process is alive for the whole test.
    await fs.writeFile(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: os.hostname(), token: 'x', createdAt: '' }),
    );
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({
      code: 'project-in-use',
      message: expect.stringContaining(String(process.ppid)),
    });
  });
});

describe('damaged and newer projects', () => {
  async function snapshotDir(dir: string) {
    const out: Record<string, string> = {};
    for (const n of await fs.readdir(dir, { recursive: true })) {
      const p = path.join(dir, String(n));
      if ((await fs.stat(p)).isFile()) out[String(n)] = (await fs.readFile(p)).toString('base64');
    }
    return out;
  }

  it.each([
    ['not JSON', '{"format": "maskroom-project", "schemaVer'],
    ['wrong shape', JSON.stringify({ format: 'maskroom-project', schemaVersion: 1, id: 'x' })],
    ['empty', ''],
  ])('a %s manifest is reported as corrupt and nothing is touched', async (_name, text) => {
    const { dir, store } = await newProject();
    await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    await store.close();
    await fs.writeFile(path.join(dir, MANIFEST_FILE), text);
    await fs.writeFile(path.join(dir, `${MANIFEST_FILE}.tmp-abc`), 'stray');
    const before = await snapshotDir(dir);
    const err = await ProjectStore.open(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'corrupt-project' });
    expect((err as Error).message).toMatch(/original photo is untouched/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('a manifest from a newer version is refused with a clear error', async () => {
    const { dir, store } = await newProject();
    await store.close();
    const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    m.schemaVersion = 7;
    m.somethingNew = { a: 1 };
    await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(m));
    const before = await snapshotDir(dir);
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({
      code: 'newer-project',
      message: expect.stringMatching(/update Maskroom/),
    });
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('a folder without a project is not-found', async () => {
    const dir = await tempDir();
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('recovery on open', () => {
  it('sweeps temporary files and layer files the manifest does not name', async () => {
    const { dir, store } = await newProject();
    const a = await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    await store.close();
    await fs.writeFile(path.join(dir, `${MANIFEST_FILE}.tmp-1234`), 'half');
    await fs.writeFile(path.join(dir, LAYERS_DIR, 'lzzz.patch.png.tmp-99'), 'half');
    await fs.writeFile(path.join(dir, LAYERS_DIR, 'lzzz.patch.png'), 'orphan');
    const again = await ProjectStore.open(dir);
    expect(again.report.tempFilesRemoved.sort()).toEqual(
      [`${LAYERS_DIR}/lzzz.patch.png.tmp-99`, `${MANIFEST_FILE}.tmp-1234`].sort(),
    );
    expect(again.report.orphanFilesRemoved).toEqual([`${LAYERS_DIR}/lzzz.patch.png`]);
    expect((await fs.readdir(path.join(dir, LAYERS_DIR))).sort()).toEqual(Object.values(a.files).sort());
    expect(again.layers().map((l) => l.id)).toEqual([a.id]);
    await again.close();
  });

  it('leaves out a layer whose files are missing instead of failing', async () => {
    const { dir, store } = await newProject();
    const a = await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    const b = await store.appendLayer(fakeLayer('b'), fakeFiles('b'));
    await store.close();
    await fs.rm(path.join(dir, LAYERS_DIR, b.files.patch));
    const again = await ProjectStore.open(dir);
    expect(again.layers().map((l) => l.id)).toEqual([a.id]);
    expect(again.report.layersWithMissingFiles).toEqual([b.id]);
    await again.close();
  });

  it('keeps resumable journal entries, drops abandoned and completed ones', async () => {
    const { dir, store } = await newProject();
    const base = {
      groupId: null,
      prompt: 'p',
      params: EditParams.parse({}),
      sent: fakeLayer('x').sent,
      feather: 4,
      colorMatch: true,
      model: 'gpt-image-1.5-edit',
    };
    await store.addJob({ ...base, jobId: 'jnoreq', layerId: 'lnoreq' }, new Uint8Array([1]));
    await store.addJob({ ...base, jobId: 'jwait', layerId: 'lwait' }, new Uint8Array([2]));
    await store.setJobRequestId('jwait', 'req-wait');
    await store.addJob({ ...base, jobId: 'jdone', layerId: 'ldone' }, new Uint8Array([3]));
    await store.setJobRequestId('jdone', 'req-done');
    await store.appendLayer(fakeLayer('done', { id: 'ldone' }), fakeFiles('d'));
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(again.report.abandonedJobs.map((j) => j.jobId)).toEqual(['jnoreq']);
    expect(again.report.completedJobsCleared).toEqual(['jdone']);
    const pending = await again.pendingJobs();
    expect(pending.map((j) => [j.jobId, j.requestId])).toEqual([['jwait', 'req-wait']]);
    expect(Array.from(await again.readJobMask(pending[0]!))).toEqual([2]);
    expect((await fs.readdir(path.join(dir, JOURNAL_DIR))).sort()).toEqual(['jwait.json', 'jwait.mask.png']);
    await again.close();
  });
});
