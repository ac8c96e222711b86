/**
 * The app's Save As and drag-out over a real workspace: the export is encoded straight into the chosen file
 * (a temporary file beside it grows while the encoder reports progress, the target appears only when it is
 * complete), byte for byte the file the in-memory 'export:image' answers, with the export's progress events;
 * a full disk (a 2 MB tmpfs) or a read-only one fails with one sentence (saying how much room the file needs)
 * and leaves the old file as it was and nothing beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import {
  EditParams,
  TaskProgress,
  type EventName,
  type ExportFormat,
  type JobStatus,
} from '../../../shared/contract';
import { roughSize } from '../../../shared/errors';
import { createHandlers, type HandlerTable } from '../../../electron/core/handlers';
import { SettingsService, JsonFilePrefsStore, MemorySecretStore } from '../../../electron/core/settings';
import { createWorkspace } from '../../../electron/core/workspace';
import type { WorkspaceApi } from '../../../electron/core/workspace-types';
import { exportFileError } from '../../../electron/core/export-file';
import { TEMP_MARKER } from '../../../electron/core/fs-atomic';
import type { Photo } from '../../../electron/core/imaging';
import { saveAs } from '../../../electron/main/export';
import { dragOut } from '../../../electron/main/drag';
import { taggedPng } from '../core/imaging/helpers';
import { ellipseMask } from '../core/pipeline/fixtures';
import { fakeApi } from '../core/pipeline/fake-api';
import { rng } from '../../support/prng';

const W = 1200;
const H = 900;

let root: string;
let ws: WorkspaceApi;
let table: HandlerTable;
let projectId: string;
/** Called with every event the workspace emits, synchronously (as main forwards them). */
let onEvent: (event: EventName, payload: unknown) => void = () => undefined;
const jobs: JobStatus[] = [];

/** A 16-bit photo of seeded noise: its PNG does not compress, so it is larger than the small disks below. */
function noisePhoto(seed: number): Photo {
  const r = rng(seed);
  const pixels = new Uint16Array(W * H * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(r() * 65536);
  return { width: W, height: H, channels: 3, depth: 16, pixels, format: 'png', icc: null, exif: null };
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-saveas-'));
  const settings = new SettingsService(
    new JsonFilePrefsStore(path.join(root, 'prefs.json')),
    new MemorySecretStore('k'),
    { MASKROOM_LIBRARY: path.join(root, 'lib') },
  );
  // A clock that moves a second per reading: no progress event is held back by the throttle.
  let clock = 0;
  ws = createWorkspace({
    settings,
    events: {
      emit: (event, payload) => {
        if (event === 'job:progress') jobs.push(payload as JobStatus);
        onEvent(event, payload);
      },
    },
    editApiFactory: () => fakeApi({ delayMs: 1 }).api,
    now: () => (clock += 1000),
  });
  const handlers = createHandlers({ version: 't', host: 'electron', settings, workspace: ws });
  // Save As and drag-out must not go through the in-memory export.
  table = {
    ...handlers,
    'export:image': async () => {
      throw new Error('the export was made in memory');
    },
  };
  const photo = new Uint8Array(taggedPng(noisePhoto(7)));
  const project = await ws.createProject({ name: 'Noise 16.png', photo });
  projectId = project.id;
  // One edit, so the export applies a layer and the PSD has one.
  await ws.runEdit({
    projectId,
    prompt: 'a patch',
    params: EditParams.parse({ quality: 'low' }),
    mask: { kind: 'png', data: await ellipseMask(W, H, 400, 300, 150, 100) },
    references: [],
    variations: 1,
  });
  const deadline = Date.now() + 20_000;
  while (!jobs.some((j) => j.state === 'done')) {
    if (jobs.some((j) => j.state === 'failed')) throw new Error('the edit failed');
    if (Date.now() > deadline) throw new Error('timed out waiting for the edit');
    await new Promise((r) => setTimeout(r, 5));
  }
}, 60_000);

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

/** What the in-memory export answers for the same request (the reference bytes). */
async function inMemory(format: ExportFormat): Promise<Uint8Array> {
  return (await ws.exportImage({ projectId, format })).data;
}

function deps(chosen: string | null) {
  return {
    table,
    exporter: ws,
    defaultDir: root,
    chooseFile: async () => chosen,
    confirmReplace: async () => false,
  };
}

/** The temporary files beside `file` (an atomic write's), with their sizes. */
function tempsBeside(file: string): number[] {
  return readdirSync(path.dirname(file))
    .filter((n) => n.startsWith(path.basename(file)) && n.includes(TEMP_MARKER))
    .map((n) => statSync(path.join(path.dirname(file), n)).size);
}

/** Collects this project's 'task:progress' events while `work` runs. */
async function withTasks<T>(
  work: () => Promise<T>,
  also: (p: TaskProgress) => void = () => undefined,
): Promise<{ value: T; tasks: TaskProgress[] }> {
  const tasks: TaskProgress[] = [];
  onEvent = (event, payload) => {
    if (event !== 'task:progress') return;
    const p = TaskProgress.parse(payload);
    tasks.push(p);
    also(p);
  };
  try {
    return { value: await work(), tasks };
  } finally {
    onEvent = () => undefined;
  }
}

/** One sentence: ends with a full stop and has no other sentence end (paths here have no ". "). */
function oneSentence(message: string): void {
  expect(message).toMatch(/\.$/);
  expect(message.slice(0, -1)).not.toMatch(/[.!?]\s/);
}

/** Runs `fn` with a tmpfs mounted at a fresh folder (unmounted after); null when this machine cannot. */
async function withTmpfs<T>(options: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(root, `mnt-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  try {
    return await fn(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}

/** Whether this process may mount a tmpfs (root on Linux, in a container that allows it). */
const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const dir = path.join(os.tmpdir(), `maskroom-mount-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('rmdir', [dir], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
})();

describe('Save As over the workspace', () => {
  it('encodes every format straight into the chosen file: a temporary file grows during the encode, the target appears complete, the bytes are the export', async () => {
    for (const format of ['png', 'tiff', 'psd', 'jpeg', 'webp'] as const) {
      const file = path.join(root, `out-${format}`, `final.${format === 'jpeg' ? 'jpg' : format}`);
      mkdirSync(path.dirname(file), { recursive: true });
      const seen: { temps: number[]; target: boolean; stage: string }[] = [];
      const { value: res, tasks } = await withTasks(
        () => saveAs(deps(file), { projectId, format }),
        (p) => seen.push({ temps: tempsBeside(file), target: existsSync(file), stage: p.stage }),
      );
      expect(res, format).toEqual({ ok: true, value: { saved: true } });
      const written = readFileSync(file);
      expect(Buffer.compare(written, Buffer.from(await inMemory(format))), format).toBe(0);
      expect(readdirSync(path.dirname(file)), format).toEqual([path.basename(file)]);
      // Until the rename the target does not exist; the encoder writes into one temporary file beside it.
      expect(
        seen.filter((s) => s.stage !== 'write' && s.target),
        format,
      ).toEqual([]);
      expect(seen.every((s) => s.temps.length <= 1)).toBe(true);
      // Streamed: while the encoder reports progress the file on disk is part written (the formats whose
      // encoders write strip by strip here: JPEG and WebP are one libvips call, one step).
      if (format === 'png' || format === 'tiff' || format === 'psd') {
        const partial = seen.filter(
          (s) => s.stage === 'encode' && s.temps.some((n) => n > 0 && n < written.length),
        );
        expect(partial.length, format).toBeGreaterThan(0);
      }
      // The export's progress: read, flatten (the one layer, unless the session already holds the
      // flattened image), encode, write, then done.
      const stages = tasks.map((t) => t.stage).filter((s, i, a) => i === 0 || a[i - 1] !== s);
      expect(
        stages.filter((s) => s !== 'flatten'),
        format,
      ).toEqual(['read', 'encode', 'write']);
      expect(stages.indexOf('flatten'), format).toBeLessThan(2);
      expect(new Set(tasks.map((t) => t.taskId)).size).toBe(1);
      expect(tasks.every((t) => t.task === 'export' && t.projectId === projectId)).toBe(true);
      expect(tasks.at(-1)).toMatchObject({ status: 'done', done: 1 + 1 + 20 + 1, total: 1 + 1 + 20 + 1 });
      expect(tasks.find((t) => t.stage === 'write')?.label).toBe(`Writing ${path.basename(file)}`);
    }
  }, 120_000);

  it('replaces an existing file only once the new one is complete', async () => {
    const file = path.join(root, 'replace', 'final.tiff');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'the old file');
    const old: string[] = [];
    const temps: number[] = [];
    const { value: res } = await withTasks(
      () => saveAs(deps(file), { projectId, format: 'tiff' }),
      (p) => {
        if (p.stage !== 'encode') return;
        old.push(readFileSync(file, 'utf8'));
        temps.push(...tempsBeside(file));
      },
    );
    expect(res).toEqual({ ok: true, value: { saved: true } });
    // While the new file is being written beside it, the old one is still whole.
    expect(temps.some((n) => n > 0)).toBe(true);
    expect(new Set(old)).toEqual(new Set(['the old file']));
    expect(Buffer.compare(readFileSync(file), Buffer.from(await inMemory('tiff')))).toBe(0);
  }, 60_000);

  it.skipIf(!canMount)(
    'on a full disk says how much room the file needs, leaves the old file untouched and nothing beside it, and ends the task failed',
    async () => {
      for (const format of ['png', 'tiff', 'psd'] as const) {
        const size = (await inMemory(format)).length;
        // The disk is smaller than the file (the 16-bit noise photo: about 6 MB in every format).
        expect(size).toBeGreaterThan(2 * 2 ** 20);
        await withTmpfs('size=2m', async (dir) => {
          const file = path.join(dir, `final.${format === 'tiff' ? 'tif' : format}`);
          writeFileSync(file, 'the old file');
          const { value: res, tasks } = await withTasks(() => saveAs(deps(file), { projectId, format }));
          expect(res.ok, format).toBe(false);
          if (res.ok) return;
          expect(res.error.code).toBe('disk-full');
          oneSentence(res.error.message);
          expect(res.error.message).toContain(`the file needs about ${roughSize(size)}`);
          expect(res.error.message).toContain(dir);
          expect(res.error.message).not.toContain(TEMP_MARKER);
          expect(readdirSync(dir)).toEqual([path.basename(file)]);
          expect(readFileSync(file, 'utf8')).toBe('the old file');
          expect(tasks.at(-1)).toMatchObject({ status: 'failed', task: 'export' });
        });
      }
    },
    120_000,
  );

  it.skipIf(!canMount)(
    'on a read-only disk says so in one sentence and changes nothing',
    async () => {
      await withTmpfs('size=8m', async (dir) => {
        const file = path.join(dir, 'final.png');
        writeFileSync(file, 'the old file');
        execFileSync('mount', ['-o', 'remount,ro', dir]);
        const res = await saveAs(deps(file), { projectId, format: 'png' });
        expect(res.ok).toBe(false);
        if (res.ok) return;
        expect(res.error.code).toBe('read-only');
        oneSentence(res.error.message);
        expect(res.error.message).toContain(dir);
        expect(res.error.message).not.toContain(TEMP_MARKER);
        expect(readdirSync(dir)).toEqual(['final.png']);
        expect(readFileSync(file, 'utf8')).toBe('the old file');
      });
    },
    60_000,
  );

  it('a folder removed after it was chosen is named, in one sentence', async () => {
    const file = path.join(root, 'gone', 'final.png');
    const res = await saveAs(deps(file), { projectId, format: 'png' });
    expect(res).toMatchObject({ ok: false, error: { code: 'not-found' } });
    if (!res.ok) {
      oneSentence(res.error.message);
      expect(res.error.message).toContain(path.dirname(file));
    }
  }, 60_000);
});

describe('the disk faults of an export to a file, in words', () => {
  it('permission denied, read-only, full and quota name the folder, never the temporary file', () => {
    const file = path.join(root, 'Pictures', 'final.png');
    const temp = `${file}${TEMP_MARKER}0123456789ab`;
    const cases = [
      ['EACCES', 'permission-denied'],
      ['EPERM', 'permission-denied'],
      ['EROFS', 'read-only'],
      ['ENOSPC', 'disk-full'],
      ['EDQUOT', 'disk-full'],
      ['ENOENT', 'not-found'],
    ] as const;
    for (const temporary of [false, true]) {
      for (const [code, want] of cases) {
        const e = Object.assign(new Error(`${code}: open '${temp}'`), { code, path: temp, syscall: 'open' });
        const err = exportFileError(e, file, { temporary });
        expect(err?.code, code).toBe(want);
        oneSentence(err!.message);
        expect(err!.message).toContain(path.dirname(file));
        expect(err!.message).not.toContain(TEMP_MARKER);
        // A drag-out's file is Maskroom's own: no folder to choose.
        expect(err!.message.includes('choose another folder'), code).toBe(!temporary);
      }
    }
    expect(exportFileError(new Error('not a disk fault'), file)).toBeNull();
  });
});

describe('drag-out over the workspace', () => {
  it('writes the export into its own folder under the export name, streamed, and drags that file', async () => {
    const dir = path.join(root, 'drag');
    mkdirSync(dir);
    const drags: { file: string }[] = [];
    const partial: number[] = [];
    const { value: res, tasks } = await withTasks(
      () =>
        dragOut(
          { exporter: ws, dir, icon: async () => 'ICON' as never },
          { startDrag: (i) => void drags.push(i) },
          {
            projectId,
            format: 'png',
          },
        ),
      (p) => {
        if (p.stage !== 'encode') return;
        for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }))
          if (f.includes(TEMP_MARKER)) partial.push(statSync(path.join(dir, f)).size);
      },
    );
    expect(res).toEqual({ ok: true, value: { ok: true } });
    expect(drags).toHaveLength(1);
    const file = drags[0]!.file;
    expect(path.basename(file)).toBe('Noise 16-edited.png');
    expect(path.dirname(path.dirname(file))).toBe(dir);
    const written = readFileSync(file);
    expect(Buffer.compare(written, Buffer.from(await inMemory('png')))).toBe(0);
    // Streamed: the file was part written while the encoder worked.
    expect(partial.some((n) => n > 0 && n < written.length)).toBe(true);
    expect(tasks.at(-1)).toMatchObject({ status: 'done', task: 'export' });
  }, 60_000);
});
