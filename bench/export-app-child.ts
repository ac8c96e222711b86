/**
 * Child process for measuring the app's Save As peak memory, in two runs of it on one library folder:
 * - `make`: a project made from a photo of the given size (for a PSD with 4 small edits, made by an
 *   in-process fake service, as the other PSD rows have). Its own process, so none of the memory that took
 *   is in the measured one.
 * - `measure`: a workspace on that library opens the project and shows its current image (the session holds
 *   the photo and the flattened image, as in the app), lets the garbage of that settle, resets the peak
 *   resident set (Linux: /proc/self/clear_refs) and runs main's Save As (electron/main/export.ts, the dialog
 *   answered with a file in the library folder) through the real workspace. Prints one JSON line: the
 *   resident set before the export, its peak during it and the file's size (bytes).
 * Memory, never time. Usage (run with --expose-gc):
 *   export-app-child.ts <make|measure> <library dir> <jpeg|png|webp|tiff|psd> <width> <height> [8|16]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EditParams, type ExportFormat, type JobStatus } from '../shared/contract';
import { createHandlers } from '../electron/core/handlers';
import { SettingsService, JsonFilePrefsStore, MemorySecretStore } from '../electron/core/settings';
import { createWorkspace } from '../electron/core/workspace';
import { saveAs } from '../electron/main/export';
import { grainyPhoto, taggedPng } from '../tests/unit/core/imaging/helpers';
import { fakeApi } from '../tests/unit/core/pipeline/fake-api';

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const [mode, root, fmt, w, h, d] = process.argv.slice(2);
  if (!root || (mode !== 'make' && mode !== 'measure'))
    throw new Error('usage: make|measure DIR FORMAT W H [D]');
  const format = fmt as ExportFormat;
  const width = Number(w);
  const height = Number(h);
  const depth = d === '16' ? 16 : 8;
  sharp.cache(false);
  const settings = new SettingsService(
    new JsonFilePrefsStore(path.join(root, 'prefs.json')),
    new MemorySecretStore('k'),
    { MASKROOM_LIBRARY: path.join(root, 'lib') },
  );
  const jobs: JobStatus[] = [];
  const ws = createWorkspace({
    settings,
    events: { emit: (e, p) => void (e === 'job:progress' && jobs.push(p as JobStatus)) },
    editApiFactory: () => fakeApi({ delayMs: 1 }).api,
  });
  try {
    if (mode === 'measure') {
      const [project] = await ws.listProjects();
      if (!project) throw new Error('no project: run make first');
      await ws.openProject({ projectId: project.id });
      // The session holds the current image (flattened, at full resolution) before the export starts, as
      // after viewing it at 100 %.
      await ws.render({ projectId: project.id, target: { kind: 'current' } });
      const table = createHandlers({ version: 'bench', host: 'electron', settings, workspace: ws });
      const file = path.join(root, 'out', `export.${format}`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // V8 and the allocator give freed pages back over a while: settle first, so that what the export
      // reuses of them is not counted as memory it did not need.
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 400));
      }
      const before = statusKb('VmRSS');
      fs.writeFileSync('/proc/self/clear_refs', '5');
      const res = await saveAs(
        // The file is chosen with its extension: no question about replacing it.
        {
          table,
          exporter: ws,
          defaultDir: root,
          chooseFile: async () => file,
          confirmReplace: async () => false,
        },
        // A quality only where the format takes one (the others refuse it).
        { projectId: project.id, format, ...(format === 'jpeg' || format === 'webp' ? { quality: 90 } : {}) },
      );
      const peak = statusKb('VmHWM');
      if (!res.ok) throw new Error(res.error.message);
      const bytes = fs.statSync(file).size;
      fs.rmSync(file);
      process.stdout.write(`${JSON.stringify({ before, peak, bytes })}\n`);
      return;
    }
    const project = await ws.createProject({
      name: 'big.png',
      photo: new Uint8Array(taggedPng(grainyPhoto(width, height, depth))),
    });
    if (format === 'psd') {
      // Four 400x300 edits spread over the photo, as the other PSD rows' layers.
      for (let k = 0; k < 4; k++) {
        const data = new Uint8Array(width * height);
        const x0 = Math.floor(((width - 400) * (k + 1)) / 5);
        const y0 = Math.floor(((height - 300) * (4 - k)) / 5);
        for (let y = y0; y < y0 + 300; y++) data.fill(255, y * width + x0, y * width + x0 + 400);
        await ws.runEdit({
          projectId: project.id,
          prompt: `edit ${k}`,
          params: EditParams.parse({ quality: 'low' }),
          mask: { kind: 'raw', width, height, data },
          references: [],
          variations: 1,
        });
        const deadline = Date.now() + 600_000;
        while (jobs.filter((j) => j.state === 'done').length < k + 1) {
          if (jobs.some((j) => j.state === 'failed')) throw new Error('an edit failed');
          if (Date.now() > deadline) throw new Error('timed out waiting for an edit');
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  } finally {
    await ws.dispose();
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
