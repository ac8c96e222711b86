/**
 * One edit across a set of photos (docs/cli.md, "batch"; docs/user-guide.md, "Apply to other photos").
 *
 * Each photo gets its own project under DIR/.maskroom/<photo file name>/ and goes through the same pipeline as
 * a single edit (runEdit / resumeJob: its request id and its downloaded result are journaled in the project),
 * then its full-resolution result is exported to DIR/<photo file name> in the photo's own format.
 *
 *  - never paid twice: a photo's job id is in the batch journal before it is sent and its request id the
 *    moment the service accepts it; a run after a kill or crash finishes accepted jobs from the project's
 *    journal (resumeJob) and submits only photos the service never accepted.
 *  - one rate limiter: every worker's client shares one limiter, so a 429 slows the whole batch.
 *  - bounded memory: the heavy steps (decoding, planning, compositing, exporting) of all workers together
 *    hold at most `heavyPixels` photo pixels at once (default 24 MP: one 24 MP photo, or many small ones);
 *    a worker waiting on the service holds no decoded pixels.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ExportFormat, JobState } from '../../../shared/contract';
import { AppError, environmentError, isAppError, toWireError } from '../../../shared/errors';
import { OPEN_EXTENSIONS, openLabels } from '../../../shared/formats';
import type { EditApi, EditCallOptions, EditInput } from '../edit-api/types';
import type { RateLimiter } from '../edit-api/limiter';
import { loadPhoto, neededBytes, setPhotoCacheLimit, type Mask } from '../imaging';
import { exportInOriginalColour } from '../save-back';
import {
  ProjectSession,
  collectSentence,
  isCollectableError,
  resumeJob,
  runEdit,
  type PipelineDeps,
} from '../pipeline';
import { ProjectStore, newId, type StoredLayer } from '../project';
import type { BatchJournal } from './journal';
import { BATCH_DIR, type BatchRow, type BatchSpec } from './journal';
import { fitMask } from './masks';
import { Semaphore } from './semaphore';
import { MAX_CONCURRENCY } from './limits';

export { MAX_CONCURRENCY, DEFAULT_CONCURRENCY } from './limits';
/** Pixels decoded at once across a batch's workers: one 24 MP photo, or several smaller ones. */
export const HEAVY_PIXELS = 24_000_000;
/** How often one photo is tried again when the service rate-limited it before accepting it. */
const RATE_LIMIT_ATTEMPTS = 6;
/** What the batch waits after a 429 whose answer named no time. */
const RATE_LIMIT_FALLBACK_MS = 2000;

/**
 * The files a folder's listing takes as photos: every format Maskroom opens (shared/formats.ts), and HEIC/HEIF,
 * which this build cannot decode (no HEVC decoder), so such a photo fails alone, saying to convert it, instead
 * of being passed over without a word.
 */
export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  ...OPEN_EXTENSIONS.map((e) => `.${e}`),
  '.heic',
  '.heif',
]);

const EXPORTABLE: Record<string, ExportFormat> = {
  jpeg: 'jpeg',
  jpg: 'jpeg',
  png: 'png',
  tiff: 'tiff',
  tif: 'tiff',
  webp: 'webp',
};

/**
 * 'resent': the photo's edit was journaled but never accepted when an earlier run stopped, so it was being
 * sent; the service may have taken (and charged) it without its answer arriving, and it is sent again.
 */
export type BatchEvent = 'start' | 'accepted' | 'resent' | 'done' | 'failed';

export interface BatchDeps {
  pipeline: PipelineDeps;
  /** The limiter the pipeline's client was built with: the batch also waits on it before retrying. */
  limiter: RateLimiter;
  signal?: AbortSignal;
  /** Photo pixels all workers together may decode and composite at once (default HEAVY_PIXELS). */
  heavyPixels?: number;
  onRow?: (row: BatchRow, event: BatchEvent) => void;
  /** The sentence that ends a "collect it" message, e.g. "run `maskroom batch --resume --out D` to collect it". */
  collectHow: string;
  /** References' bytes (read once by the host). */
  references?: Uint8Array[];
  /** Write each result to its row's `out` (default true; the app keeps results as projects only). */
  exportResults?: boolean;
  /** Projects are library projects: their id is their folder's name (default false). */
  libraryIds?: boolean;
  /** Asked before each photo is started: true stops sending new photos (those started still finish). */
  shouldStop?: () => boolean;
  /** How messages name a photo's mask and how to give it its own (default: the mask's file, CLI options). */
  maskWords?: (row: BatchRow) => { mask: string; perPhotoHint: string };
}

export interface BatchSummary {
  rows: BatchRow[];
  done: number;
  failed: number;
  /** Photos not finished because the run was interrupted (they are kept for --resume). */
  unfinished: number;
  /** Sum of what the service reported for this batch's edits (null when it reported nothing). */
  cost: number | null;
}

/**
 * The photo files of a folder (not recursive, hidden files left out), sorted by name. Only files count: a
 * subfolder named like a photo (`card.jpg`) is not one, and a symbolic link counts as what it names.
 */
export async function listPhotos(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch (e) {
    throw new AppError(
      'not-found',
      `The folder ${folder} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); check --images.`,
    );
  }
  const candidates = names
    .filter((n) => !n.startsWith('.') && PHOTO_EXTENSIONS.has(path.extname(n).toLowerCase()))
    .sort()
    .map((n) => path.join(folder, n));
  const isFile = await Promise.all(
    candidates.map((p) =>
      fs.stat(p).then(
        (st) => st.isFile(),
        // A file that vanished or cannot be stat'ed stays in the list: reading it names the fault for that photo.
        () => true,
      ),
    ),
  );
  const photos = candidates.filter((_, i) => isFile[i]);
  if (photos.length === 0)
    throw new AppError(
      'invalid-input',
      `The folder ${folder} holds no photos (${openLabels()}); check --images.`,
    );
  return photos;
}

/** `photo.jpg` -> `photo`: the name a per-photo mask is looked up by. */
export function stemOf(file: string): string {
  return path.basename(file, path.extname(file));
}

/** The file a photo's result is written to: the photo's name in --out, in a format Maskroom can write. */
export function resultPath(outDir: string, image: string): string {
  const ext = path.extname(image).slice(1).toLowerCase();
  const base = path.basename(image);
  return path.join(outDir, EXPORTABLE[ext] ? base : `${stemOf(image)}.png`);
}

function exportFormatOf(out: string): ExportFormat {
  return EXPORTABLE[path.extname(out).slice(1).toLowerCase()] ?? 'png';
}

/** The rows of a new batch, checked: unique names, results never written over the photos themselves. */
export function planRows(outDir: string, spec: BatchSpec, images: string[]): BatchRow[] {
  const seen = new Map<string, string>();
  return images.map((image) => {
    const name = path.basename(image);
    const other = seen.get(name.toLowerCase());
    if (other)
      throw new AppError(
        'invalid-input',
        `Two photos are named ${name} (${other} and ${image}); rename one, since results are written by name into --out.`,
      );
    seen.set(name.toLowerCase(), image);
    const out = resultPath(outDir, image);
    if (path.resolve(out) === path.resolve(image))
      throw new AppError(
        'invalid-input',
        `The result of ${name} would overwrite the photo itself; choose an --out folder other than the photos' folder.`,
      );
    const mask = spec.mask.kind === 'one' ? spec.mask.file : path.join(spec.mask.dir, `${stemOf(image)}.png`);
    return {
      name,
      image,
      mask,
      project: path.join(outDir, BATCH_DIR, name),
      out,
      jobId: newId('j'),
      layerId: newId('l'),
      status: 'pending',
      requestId: null,
      cost: null,
      error: null,
      code: null,
    };
  });
}

/** Cost per edit as the service reported it for this batch's finished photos so far; null when unknown. */
export function knownCostPerEdit(rows: BatchRow[]): number | null {
  const costs = rows.map((r) => r.cost).filter((c): c is number => typeof c === 'number');
  if (costs.length === 0) return null;
  return costs.reduce((a, b) => a + b, 0) / costs.length;
}

/** Photos that still need work: all but those done (with their result on disk, when results are written). */
export async function rowsToRun(rows: BatchRow[], resultsWritten = true): Promise<BatchRow[]> {
  const out: BatchRow[] = [];
  for (const r of rows) {
    if (r.status === 'done' && (!resultsWritten || (await exists(r.out)))) continue;
    out.push(r);
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** The bytes of a batch's photo or mask, or the one-sentence error that says why that file cannot be read. */
export async function readFileAs(file: string, what: 'photo' | 'mask'): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR')
      throw new AppError(
        'invalid-input',
        `The ${what} ${file} is a folder, not a file; give the ${what} file's path or leave that photo out.`,
      );
    throw new AppError(
      'not-found',
      code === 'ENOENT'
        ? `The ${what} ${file} does not exist; add it or leave that photo out.`
        : `The ${what} ${file} cannot be read (${code ?? 'error'}); check its permissions.`,
    );
  }
}

/** Runs (or continues) a batch until every photo is done or failed, or the signal aborts. */
export async function runBatch(journal: BatchJournal, deps: BatchDeps): Promise<BatchSummary> {
  const spec = journal.spec;
  const todo = await rowsToRun(journal.rows, deps.exportResults !== false);
  const heavy = new Semaphore(deps.heavyPixels ?? HEAVY_PIXELS);
  // One decoded 24 MP photo at most (the decode that checks a new photo, reused by its session): the batch
  // reads each photo once, a larger cache would only hold memory.
  setPhotoCacheLimit(80 * 2 ** 20);
  const maskCache = new Map<string, Promise<Uint8Array>>();
  const maskBytes = (file: string) => {
    // The shared mask is read once; per-photo masks are read when their photo is worked on.
    if (spec.mask.kind !== 'one') return readFileAs(file, 'mask');
    let p = maskCache.get(file);
    if (!p) {
      p = readFileAs(file, 'mask');
      maskCache.set(file, p);
    }
    return p;
  };
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !deps.signal?.aborted && !deps.shouldStop?.()) {
      const row = todo[next++]!;
      await processPhoto(row, journal, deps, heavy, maskBytes);
    }
  };
  const n = Math.max(1, Math.min(spec.concurrency, MAX_CONCURRENCY, todo.length));
  await Promise.all(Array.from({ length: n }, worker));
  await journal.save();
  const rows = journal.rows;
  const costs = rows.map((r) => r.cost).filter((c): c is number => typeof c === 'number');
  return {
    rows,
    done: rows.filter((r) => r.status === 'done').length,
    failed: rows.filter((r) => r.status === 'failed').length,
    unfinished: rows.filter((r) => r.status === 'pending' || r.status === 'accepted').length,
    cost: costs.length ? Math.round(costs.reduce((a, b) => a + b, 0) * 1e6) / 1e6 : null,
  };
}

/**
 * The edit client as one worker sees it: while the call waits on the service the worker gives up its heavy
 * slot and its decoded pixels; it takes the slot back before the result is composited.
 */
function gated(api: EditApi, heavy: Semaphore, weight: number, session: ProjectSession): EditApi {
  const around = async <T>(work: () => Promise<T>): Promise<T> => {
    session.forgetDecoded();
    heavy.release(weight);
    try {
      return await work();
    } finally {
      await heavy.acquire(weight);
    }
  };
  return {
    edit: (input: EditInput, o?: EditCallOptions) => around(() => api.edit(input, o)),
    resume: (id: string, o?: EditCallOptions) => around(() => api.resume(id, o)),
  };
}

async function openOrCreateProject(row: BatchRow, libraryId: boolean): Promise<ProjectStore> {
  if (await ProjectStore.isProject(row.project)) return ProjectStore.open(row.project);
  const bytes = await readFileAs(row.image, 'photo');
  // The whole photo decodes before anything is created: a broken file leaves no project behind.
  const info = await loadPhoto(bytes);
  return ProjectStore.create(row.project, {
    photo: bytes,
    name: row.name,
    ...(libraryId ? { id: path.basename(row.project) } : {}),
    width: info.width,
    height: info.height,
    format: info.format,
  });
}

async function processPhoto(
  row: BatchRow,
  journal: BatchJournal,
  deps: BatchDeps,
  heavy: Semaphore,
  maskBytes: (file: string) => Promise<Uint8Array>,
): Promise<void> {
  const spec = journal.spec;
  journal.update(row.name, { error: null, code: null });
  deps.onRow?.(row, 'start');
  // The photo weighs its pixel count, read from its header (an unreadable file weighs the whole capacity
  // and fails when it is decoded).
  const weight = await pixelsOf(row.image).catch(() => heavy.capacity);
  await heavy.acquire(weight);
  try {
    const store = await openOrCreateProject(row, deps.libraryIds === true);
    const session = new ProjectSession(store);
    try {
      const api = gated(deps.pipeline.api, heavy, weight, session);
      const pipeline: PipelineDeps = { ...deps.pipeline, api };
      const onState = (_s: JobState, info: { requestId?: string }) => {
        if (info.requestId && row.requestId !== info.requestId) {
          journal.update(row.name, { status: 'accepted', requestId: info.requestId });
          void journal.save().catch(() => undefined);
          deps.onRow?.(row, 'accepted');
        }
      };
      let layer: StoredLayer;
      if (store.hasLayer(row.layerId)) {
        layer = store.layer(row.layerId);
      } else {
        const pending = (await store.pendingJobs()).find((j) => j.jobId === row.jobId);
        if (pending && (pending.requestId || pending.result)) {
          layer = await resumeJob(session, pending, pipeline, { onState, signal: deps.signal });
        } else {
          if (pending) await store.removeJob(pending.jobId);
          // Opening the project drops a journaled edit that never got a request id. The service has no
          // idempotency key and no way to list requests, so an edit that was being sent when the last run
          // stopped cannot be told apart from one never sent: it is sent again, and the photographer is told
          // it may be charged twice.
          if (store.report.abandonedJobs.some((j) => j.jobId === row.jobId)) deps.onRow?.(row, 'resent');
          const words = deps.maskWords?.(row) ?? {
            mask: `The mask ${row.mask}`,
            perPhotoHint:
              spec.mask.kind === 'one'
                ? `give it a mask of its own with --masks FOLDER holding ${stemOf(row.image)}.png`
                : `save ${path.basename(row.mask)} at the photo's size or shape`,
          };
          const mask = await fitMask(await maskBytes(row.mask), store.width, store.height, {
            photo: row.name,
            ...words,
          });
          layer = await submit(session, row, spec, mask, pipeline, deps, onState);
        }
      }
      const out = deps.exportResults === false ? row.out : await exportResult(session, row);
      journal.update(row.name, {
        status: 'done',
        out,
        requestId: layer.requestId ?? row.requestId,
        cost: layer.cost ?? null,
        error: null,
        code: null,
      });
      await journal.save();
      deps.onRow?.(row, 'done');
    } finally {
      await session.close();
    }
  } catch (e) {
    const interrupted = deps.signal?.aborted === true;
    const message = isCollectableError(e) ? collectSentence(e, deps.collectHow) : toWireError(e).message;
    const code = isAppError(e) ? e.code : toWireError(e).code;
    // An interrupted photo the service accepted stays "accepted": the next run collects it.
    const status = interrupted && row.status === 'accepted' ? 'accepted' : interrupted ? 'pending' : 'failed';
    journal.update(row.name, {
      status,
      error: interrupted ? null : message,
      code: interrupted ? null : code,
    });
    await journal.save().catch(() => undefined);
    if (!interrupted) deps.onRow?.(row, 'failed');
  } finally {
    heavy.release(weight);
  }
}

async function pixelsOf(file: string): Promise<number> {
  const m = await sharp(file, { limitInputPixels: false }).metadata();
  return (m.width ?? 0) * (m.height ?? 0) || Number.POSITIVE_INFINITY;
}

/** runEdit, tried again (after the shared wait) while the service rate-limits it before accepting it. */
async function submit(
  session: ProjectSession,
  row: BatchRow,
  spec: BatchSpec,
  mask: Mask,
  pipeline: PipelineDeps,
  deps: BatchDeps,
  onState: (s: JobState, info: { requestId?: string }) => void,
): Promise<StoredLayer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runEdit(
        session,
        {
          prompt: spec.prompt,
          params: spec.params,
          feather: spec.feather,
          colorMatch: spec.colorMatch,
          mask,
          references: deps.references ?? [],
          jobId: row.jobId,
          layerId: row.layerId,
          signal: deps.signal,
        },
        pipeline,
        { onState },
      );
    } catch (e) {
      // Before acceptance nothing is paid: a rate-limited photo waits its turn and is sent again.
      const limited = isAppError(e) && e.code === 'rate-limited' && !isCollectableError(e);
      if (!limited || attempt >= RATE_LIMIT_ATTEMPTS || deps.signal?.aborted) throw e;
      const hold = (e as { retryAfterMs?: number | null }).retryAfterMs;
      deps.limiter.hold(typeof hold === 'number' ? hold : RATE_LIMIT_FALLBACK_MS);
      await deps.limiter.ready(deps.signal);
    }
  }
}

async function exportResult(session: ProjectSession, row: BatchRow): Promise<string> {
  const image = await session.current();
  const format = exportFormatOf(row.out);
  try {
    await fs.mkdir(path.dirname(row.out), { recursive: true });
    // Streamed into the file as it is encoded: a 100 MP result is never held whole in memory beside the photo.
    // Written as save back writes: a greyscale photo's result is greyscale too.
    await exportInOriginalColour(row.project, image, { format }, row.out);
  } catch (e) {
    const need = neededBytes(e);
    throw (
      environmentError(e, `Writing ${row.out}`, {
        where: path.dirname(row.out),
        ...(need ? { needBytes: need } : {}),
        next: {
          full: 'free some space there, then run the batch again with --resume (the edit is kept in its project)',
          readOnly:
            'make that folder writable, then run the batch again with --resume (the edit is kept in its project)',
          denied:
            'check that you may write to that folder, then run the batch again with --resume (the edit is kept in its project)',
        },
      }) ?? e
    );
  }
  session.forgetDecoded();
  return row.out;
}
