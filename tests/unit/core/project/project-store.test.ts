import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProjectStore,
  MANIFEST_FILE,
  LOCK_FILE,
  LAYERS_DIR,
  JOURNAL_DIR,
} from '../../../../electron/core/project';
import { EditParams } from '../../../../shared/contract';
import { PHOTO, fakeFiles, fakeJob, fakeLayer, tempDir } from './helpers';
import { mountTmpfs, snapshotTree, type Tmpfs } from './tmpfs';

/** The creation fields of a test project: PHOTO, a 40x30 JPEG. */
const meta = (name = 'Test') => ({ photo: PHOTO, name, width: 40, height: 30, format: 'jpeg' as const });

async function newProject() {
  const dir = path.join(await tempDir(), 'proj');
  const store = await ProjectStore.create(dir, meta());
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

  it('keeps a layer whose files are missing or short, reports it as damaged, and never drops it', async () => {
    const { dir, store } = await newProject();
    const a = await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    const b = await store.appendLayer(fakeLayer('b'), fakeFiles('b'));
    const c = await store.appendLayer(fakeLayer('c'), fakeFiles('c'));
    await store.close();
    const before = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    await fs.rm(path.join(dir, LAYERS_DIR, b.files.patch));
    await fs.truncate(path.join(dir, LAYERS_DIR, c.files.mask), 2);
    for (const readOnly of [true, false]) {
      const again = await ProjectStore.open(dir, { readOnly });
      expect(again.layers().map((l) => l.id)).toEqual([a.id, b.id, c.id]);
      expect(again.report.layersWithMissingFiles).toEqual([b.id]);
      expect(again.damaged(a.id)).toBeNull();
      expect(again.damaged(b.id)).toContain(`${LAYERS_DIR}/${b.files.patch} is missing`);
      expect(again.damaged(c.id)).toContain(`${LAYERS_DIR}/${c.files.mask} is incomplete`);
      expect(again.state().layers.map((l) => l.damaged !== null)).toEqual([false, true, true]);
      // The other files of the damaged layers are not orphans: they stay.
      expect(await fs.readdir(path.join(dir, LAYERS_DIR))).toContain(b.files.mask);
      await again.close();
    }
    // A write keeps the damaged layers' records.
    const w = await ProjectStore.open(dir);
    await w.appendLayer(fakeLayer('d'), fakeFiles('d'));
    expect(w.layers().map((l) => l.prompt)).toEqual(['a', 'b', 'c', 'd']);
    await w.close();
    const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(m.layers.slice(0, 3)).toEqual(JSON.parse(before).layers);
  });

  it('keeps resumable journal entries, drops abandoned and completed ones', async () => {
    const { dir, store } = await newProject();
    await store.addJob(fakeJob('jnoreq', 'lnoreq'), new Uint8Array([1]));
    await store.addJob(fakeJob('jwait', 'lwait'), new Uint8Array([2]));
    await store.setJobRequestId('jwait', 'req-wait');
    await store.addJob(fakeJob('jdone', 'ldone'), new Uint8Array([3]));
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

describe('lock files left by a crash', () => {
  it.each([
    ['empty', ''],
    ['half-written', '{"pid":12'],
    ['not a lock', 'garbage\n'],
  ])('a %s lock is stale at once', async (_what, content) => {
    const { dir, store } = await newProject();
    await store.close();
    await fs.writeFile(path.join(dir, LOCK_FILE), content);
    // Fresh (mtime now): an unreadable lock used to block for 10 s.
    const again = await ProjectStore.open(dir);
    const lock = JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'));
    expect(lock.pid).toBe(process.pid);
    await again.close();
  });

  it('"in use" names the pid and the host, and the lock is never left half-written', async () => {
    const { dir, store } = await newProject();
    const os = await import('node:os');
    const lock = JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const err = await ProjectStore.open(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'project-in-use' });
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain(os.hostname());
    await store.close();
  });
});

describe('read-only opening', () => {
  it('writes and deletes nothing, not even debris a writer would sweep', async () => {
    const { dir, store } = await newProject();
    await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    await store.addJob(fakeJob('jnoreq', 'lnoreq'), new Uint8Array([1]));
    await store.close();
    await fs.writeFile(path.join(dir, `${MANIFEST_FILE}.tmp-1`), 'half');
    await fs.writeFile(path.join(dir, LAYERS_DIR, 'lorphan.patch.png'), 'orphan');
    await fs.writeFile(path.join(dir, JOURNAL_DIR, 'stray.bin'), 'x');
    const before = await snapshotTree(dir);
    const ro = await ProjectStore.open(dir, { readOnly: true });
    expect(ro.layers().map((l) => l.prompt)).toEqual(['a']);
    await ro.pendingJobs();
    await ro.close();
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe('cost and saved results', () => {
  it("keeps each layer's cost, and reads a manifest without costs (older files) as null", async () => {
    const { dir, store } = await newProject();
    await store.appendLayer(fakeLayer('paid', { cost: 0.04 }), fakeFiles('a'));
    await store.appendLayer(fakeLayer('unknown'), fakeFiles('b'));
    expect(store.state().layers.map((l) => l.cost)).toEqual([0.04, null]);
    await store.close();
    const file = path.join(dir, MANIFEST_FILE);
    const m = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(m.layers[0].cost).toBe(0.04);
    for (const l of m.layers) delete l.cost;
    await fs.writeFile(file, JSON.stringify(m));
    const again = await ProjectStore.open(dir);
    expect(again.layers().map((l) => l.cost)).toEqual([null, null]);
    await again.close();
  });

  it('saves a result beside its journal entry, keeps both on reopen (even without a request id), and removes both', async () => {
    const { dir, store } = await newProject();
    const image = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    await store.addJob(fakeJob('jasync', 'lasync'), new Uint8Array([1]));
    await store.setJobRequestId('jasync', 'req-a');
    await store.saveJobResult('jasync', {
      image,
      mime: 'image/png',
      requestId: 'req-a',
      creditsLeft: 7,
      cost: 0.05,
      timings: { total: 3 },
    });
    await store.addJob(fakeJob('jsync', 'lsync'), new Uint8Array([2]));
    await store.saveJobResult('jsync', {
      image: image.slice(0, 10),
      mime: 'image/jpeg',
      requestId: null,
      creditsLeft: null,
      cost: null,
      timings: {},
    });
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(again.report.abandonedJobs).toEqual([]);
    const pending = await again.pendingJobs();
    expect(pending.map((p) => [p.jobId, p.requestId, p.result?.cost ?? null])).toEqual([
      ['jasync', 'req-a', 0.05],
      ['jsync', null, null],
    ]);
    expect(Array.from((await again.readJobResult(pending[0]!))!)).toEqual(Array.from(image));
    expect((await fs.readdir(path.join(dir, JOURNAL_DIR))).sort()).toEqual([
      'jasync.json',
      'jasync.mask.png',
      'jasync.result.png',
      'jsync.json',
      'jsync.mask.png',
      'jsync.result.jpg',
    ]);
    // A truncated saved result is not used.
    await fs.truncate(path.join(dir, JOURNAL_DIR, 'jasync.result.png'), 5);
    expect(await again.readJobResult(pending[0]!)).toBeNull();
    await again.removeJob('jasync');
    await again.removeJob('jsync');
    expect(await fs.readdir(path.join(dir, JOURNAL_DIR))).toEqual([]);
    await again.close();
  });
});

describe('a full or read-only disk (real tmpfs)', () => {
  let fsys: Tmpfs | null = null;
  let skip = '';
  beforeAll(async () => {
    const m = await mountTmpfs(2 * 1024 * 1024);
    if ('skip' in m) skip = m.skip;
    else fsys = m;
  });
  afterAll(async () => {
    await fsys?.unmount();
  });

  it('a full disk: a failed layer write says so in plain words and leaves the project as it was', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'full');
    const store = await ProjectStore.create(dir, meta('T'));
    await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    const before = store.snapshot();
    await fsys.fill();
    try {
      const big = { ...fakeFiles('b'), patch: new Uint8Array(512 * 1024) };
      const err = await store.appendLayer(fakeLayer('b'), big).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'disk-full' });
      const msg = (err as Error).message;
      expect(msg).toMatch(
        /^Saving the layer failed: the disk holding \S+ is full \(this needs about \d+ KB of free space in all\); free some space/,
      );
      expect(msg.split('\n')).toHaveLength(1);
      expect(store.snapshot()).toEqual(before);
      expect((await fs.readdir(path.join(dir, LAYERS_DIR))).sort()).toEqual(
        Object.values(before.layers[0]!.files).sort(),
      );
    } finally {
      await fsys.unfill();
    }
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(again.layers().map((l) => l.prompt)).toEqual(['a']);
    await again.close();
  });

  it('a full disk while creating: nothing is left behind, and no lock file', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'create-full');
    await fs.mkdir(dir);
    await fsys.fill(16 * 1024);
    try {
      const err = await ProjectStore.create(dir, { ...meta('T'), photo: new Uint8Array(256 * 1024) }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'disk-full' });
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await fsys.unfill();
    }
  });

  it('a read-only disk: read-only opening works, opening for changes says why in plain words', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'ro');
    const store = await ProjectStore.create(dir, meta('T'));
    await store.appendLayer(fakeLayer('a'), fakeFiles('a'));
    await store.close();
    fsys.setReadOnly(true);
    try {
      const ro = await ProjectStore.open(dir, { readOnly: true });
      expect(ro.layers().map((l) => l.prompt)).toEqual(['a']);
      await ro.close();
      const err = await ProjectStore.open(dir).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'read-only' });
      expect((err as Error).message).toMatch(/read-only disk .*; copy the project to a writable folder/);
      expect((err as Error).message).not.toMatch(/EROFS|report it/);
    } finally {
      fsys.setReadOnly(false);
    }
  });
});
