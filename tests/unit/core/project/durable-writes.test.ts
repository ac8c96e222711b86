/**
 * How the project store puts an edit's files on disk: the files of one step are flushed to their temporary
 * names together, renamed in order and their folder flushed once, always before the file that names them
 * (the manifest, the journal entry) is renamed into place. The events are read from spies on node:fs: a
 * rename, a file flush (FileHandle.sync, by the path it was opened with) and a folder flush (a directory
 * opened for reading).
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  JOURNAL_DIR,
  LAYERS_DIR,
  LOCK_FILE,
  MANIFEST_FILE,
  ProjectStore,
} from '../../../../electron/core/project';
import { TEMP_MARKER } from '../../../../electron/core/fs-atomic';
import { PHOTO, fakeFiles, fakeJob, fakeLayer, tempDir } from './helpers';

type Event =
  | { kind: 'rename'; to: string }
  | { kind: 'file-sync'; file: string }
  | { kind: 'dir-sync'; dir: string }
  | { kind: 'open'; file: string };

/** Records the disk events under `root` until the returned stop() is called. */
async function recordDisk(root: string) {
  const events: Event[] = [];
  const rel = (p: string) => path.relative(root, String(p)).split(path.sep).join('/') || '.';
  // The target's name without the temporary suffix: what a flush of a temporary file is for.
  const target = (p: string) => rel(p).split(TEMP_MARKER)[0]!;
  const realOpen = fs.open.bind(fs);
  const open = vi.spyOn(fs, 'open').mockImplementation(async (file, flags, mode) => {
    const h = await realOpen(file, flags, mode);
    const isDir = flags === 'r' && (await h.stat()).isDirectory();
    if (!isDir) events.push({ kind: 'open', file: target(String(file)) });
    const sync = h.sync.bind(h);
    h.sync = async () => {
      await sync();
      events.push(
        isDir
          ? { kind: 'dir-sync', dir: rel(String(file)) }
          : { kind: 'file-sync', file: target(String(file)) },
      );
    };
    return h;
  });
  const realRename = fs.rename.bind(fs);
  const rename = vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
    await realRename(from, to);
    events.push({ kind: 'rename', to: rel(String(to)) });
  });
  return {
    events,
    stop: () => {
      open.mockRestore();
      rename.mockRestore();
    },
  };
}

const meta = { photo: PHOTO, name: 't', width: 40, height: 30, format: 'jpeg' as const };

const at = (events: Event[], match: (e: Event) => boolean) => events.findIndex(match);
const count = (events: Event[], match: (e: Event) => boolean) => events.filter(match).length;
const isDirSync = (dir: string) => (e: Event) => e.kind === 'dir-sync' && e.dir === dir;
const isRename = (to: string) => (e: Event) => e.kind === 'rename' && e.to === to;

let stop: (() => void) | null = null;
afterEach(() => {
  stop?.();
  stop = null;
});

describe('the project store flushes each step once, before what names it', () => {
  it('a layer: patch, mask and thumbnail flushed together, layers/ flushed once, then the manifest', async () => {
    const dir = path.join(await tempDir(), 'p');
    const store = await ProjectStore.create(dir, meta);
    const rec = await recordDisk(dir);
    stop = rec.stop;
    const layer = await store.appendLayer(fakeLayer('a', { id: 'la' }), fakeFiles('a'));
    rec.stop();
    const e = rec.events;
    const files = Object.values(layer.files).map((n) => `${LAYERS_DIR}/${n}`);
    // Every file's flush comes after every file's temporary was opened: the flushes run together.
    const lastOpen = Math.max(...files.map((f) => at(e, (x) => x.kind === 'open' && x.file === f)));
    for (const f of files)
      expect(at(e, (x) => x.kind === 'file-sync' && x.file === f)).toBeGreaterThan(lastOpen);
    expect(count(e, isDirSync(LAYERS_DIR))).toBe(1);
    const layersSynced = at(e, isDirSync(LAYERS_DIR));
    for (const f of files) expect(at(e, isRename(f))).toBeLessThan(layersSynced);
    expect(at(e, isRename(MANIFEST_FILE))).toBeGreaterThan(layersSynced);
    expect(count(e, isDirSync('.'))).toBe(1);
    expect(at(e, isDirSync('.'))).toBeGreaterThan(at(e, isRename(MANIFEST_FILE)));
    await store.close();
    expect((await fs.readdir(path.join(dir, LAYERS_DIR))).sort()).toEqual(
      [...Object.values(layer.files)].sort(),
    );
  });

  it('a journal entry: its mask and the entry flushed together, journal/ flushed once, mask renamed first', async () => {
    const dir = path.join(await tempDir(), 'p');
    const store = await ProjectStore.create(dir, meta);
    const rec = await recordDisk(dir);
    stop = rec.stop;
    await store.addJob(fakeJob('j1', 'l1'), new Uint8Array([7, 7, 7]));
    rec.stop();
    const e = rec.events;
    expect(count(e, isDirSync(JOURNAL_DIR))).toBe(1);
    const mask = at(e, isRename(`${JOURNAL_DIR}/j1.mask.png`));
    const entry = at(e, isRename(`${JOURNAL_DIR}/j1.json`));
    expect(mask).toBeGreaterThanOrEqual(0);
    expect(entry).toBeGreaterThan(mask);
    expect(at(e, isDirSync(JOURNAL_DIR))).toBeGreaterThan(entry);
    // Both flushed before either is renamed.
    const firstRename = Math.min(mask, entry);
    expect(at(e, (x) => x.kind === 'file-sync' && x.file === `${JOURNAL_DIR}/j1.json`)).toBeLessThan(
      firstRename,
    );
    await store.close();
  });

  it('a result: the image and the entry flushed together, the image renamed and its folder flushed before the entry', async () => {
    const dir = path.join(await tempDir(), 'p');
    const store = await ProjectStore.create(dir, meta);
    await store.addJob(fakeJob('j1', 'l1'), new Uint8Array([1]));
    await store.setJobRequestId('j1', 'req-1');
    const rec = await recordDisk(dir);
    stop = rec.stop;
    const image = new Uint8Array(randomBytes(200_000));
    await store.saveJobResult('j1', {
      image,
      mime: 'image/png',
      requestId: 'req-1',
      creditsLeft: 3,
      cost: null,
      timings: {},
    });
    rec.stop();
    const e = rec.events;
    const result = at(e, isRename(`${JOURNAL_DIR}/j1.result.png`));
    const entry = at(e, isRename(`${JOURNAL_DIR}/j1.json`));
    const syncs = e.map((x, i) => (isDirSync(JOURNAL_DIR)(x) ? i : -1)).filter((i) => i >= 0);
    expect(result).toBeGreaterThanOrEqual(0);
    expect(syncs.some((i) => i > result && i < entry)).toBe(true);
    expect(syncs.some((i) => i > entry)).toBe(true);
    // The entry was flushed to its temporary name before the image's rename: the two flushes overlapped.
    expect(at(e, (x) => x.kind === 'file-sync' && x.file === `${JOURNAL_DIR}/j1.json`)).toBeLessThan(result);
    const [pending] = await store.pendingJobs();
    expect(Buffer.from((await store.readJobResult(pending!))!).equals(Buffer.from(image))).toBe(true);
    await store.close();
  });

  it('a new project: the photo and the manifest flushed together, the lock not at all, the manifest renamed last', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'p');
    const rec = await recordDisk(dir);
    stop = rec.stop;
    const store = await ProjectStore.create(dir, meta);
    rec.stop();
    const e = rec.events;
    expect(count(e, (x) => x.kind === 'file-sync' && x.file === LOCK_FILE)).toBe(0);
    const original = at(e, isRename('original.jpg'));
    const manifest = at(e, isRename(MANIFEST_FILE));
    expect(original).toBeGreaterThanOrEqual(0);
    expect(at(e, (x) => x.kind === 'file-sync' && x.file === MANIFEST_FILE)).toBeLessThan(original);
    expect(e.slice(original, manifest).some(isDirSync('.'))).toBe(true);
    expect(count(e, isDirSync('.'))).toBe(2);
    await store.close();
    const again = await ProjectStore.open(dir);
    expect(Buffer.from(await again.readOriginal()).equals(Buffer.from(PHOTO))).toBe(true);
    await again.close();
  });

  it('a write of the set that fails takes back every temporary file and leaves the stack as it was', async () => {
    const dir = path.join(await tempDir(), 'p');
    const store = await ProjectStore.create(dir, meta);
    const realOpen = fs.open.bind(fs);
    const open = vi.spyOn(fs, 'open').mockImplementation(async (file, flags, mode) => {
      if (String(file).includes(`.mask.png${TEMP_MARKER}`))
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return realOpen(file, flags, mode);
    });
    stop = () => open.mockRestore();
    await expect(store.appendLayer(fakeLayer('a', { id: 'la' }), fakeFiles('a'))).rejects.toMatchObject({
      code: 'disk-full',
    });
    open.mockRestore();
    expect(await fs.readdir(path.join(dir, LAYERS_DIR))).toEqual([]);
    expect(store.layers()).toEqual([]);
    await store.close();
  });
});
