/**
 * The project store: a project is a folder (docs/project-format.md).
 *
 *   project.json             the manifest, the commit point of every change (written last, atomically)
 *   original.<ext>           the original photo's bytes, written once at creation and never again
 *   layers/<id>.patch.png    per layer: the changed pixels (RGBA, alpha = feathered blend weight)
 *   layers/<id>.mask.png     per layer: the edit mask as painted (8-bit grey, crop of the layer's rect)
 *   layers/<id>.thumb.*      per layer: a small preview
 *   journal/<job>.json       an edit in flight: its parameters and, once the service answers, its request id
 *   journal/<job>.mask.png   the edit mask of that job, needed to finish it after a crash
 *   journal/<job>.result.*   the service's result image, saved the moment it arrives (it is paid for)
 *   dropped/<job>.json       an edit cut off while it was being sent, kept for the app to offer again
 *   dropped/<job>.mask.png   its edit mask
 *   .maskroom.lock           held while a process has the project open for changes
 *
 * Every file is written through writeFileAtomic (temporary name, flush, rename). A layer's files are written
 * before the manifest names them, and a layer is removed from the manifest before its files are deleted, so
 * killing the process at any instant leaves a manifest whose layers all have their files. Opening for changes
 * sweeps temporary files and files no manifest layer names; opening read-only writes and deletes nothing.
 * A layer whose files are missing or short (a half-synced cloud folder) stays in the manifest and is reported
 * as damaged: nothing is ever dropped because a file cannot be read.
 *
 * The store stores bytes; it does not decode images (the pipeline and the imaging core do).
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EditParams, Id, type Layer, type ProjectState } from '../../../shared/contract';
import { limits } from '../../../shared/limits';
import { AppError, environmentError } from '../../../shared/errors';
import { makeDir } from '../make-dir';
import { generatedScale } from '../../../shared/region-scale';
import { sweepTempFiles, syncDir, tempPathFor, writeFileAtomic } from '../fs-atomic';
import { crashPoint, crashWritingTemp, type CrashPoint } from './crash';
import { acquireLock, type ProjectLock } from './lock';
import { trace } from '../trace';
import {
  FileName,
  FORMAT_NAME,
  MANIFEST_FILE,
  Manifest,
  RegionPlanSchema,
  SCHEMA_VERSION,
  StoredLayer,
} from './manifest';

export const LAYERS_DIR = 'layers';
export const JOURNAL_DIR = 'journal';
/** Edits cut off while being sent (journaled, no request id), kept until the photographer runs or dismisses them. */
export const DROPPED_DIR = 'dropped';
/** Derived data only (the flattened current image): safe to delete at any time. */
export const CACHE_DIR = 'cache';
const CURRENT_CACHE = 'current.bin';

/** The service's answer, saved in the journal before anything is done with it. */
export const JournalResult = z.object({
  // File names are one component inside journal/: an edited entry can never name a file elsewhere to be
  // read, uploaded, moved or removed.
  file: FileName,
  mime: z.string(),
  bytes: z.number().int().nonnegative(),
  requestId: z.string().nullable(),
  creditsLeft: z.number().nullable(),
  cost: z.number().nullable(),
  timings: z.record(z.string(), z.number()),
});
export type JournalResult = z.infer<typeof JournalResult>;

/** A job in flight, journaled before anything is sent so a crash can be finished later. */
export const JournalEntry = z.object({
  jobId: Id,
  /** The id the layer will get: a journal entry whose layer is already in the manifest is complete. */
  layerId: Id,
  groupId: Id.nullable(),
  createdAt: z.string(),
  prompt: z.string(),
  params: EditParams,
  sent: StoredLayer.shape.sent,
  feather: z.number().nonnegative(),
  colorMatch: z.boolean(),
  model: z.string(),
  /** Null until the service answers the submit; a journal entry without one cannot be resumed. */
  requestId: z.string().nullable(),
  requestIdAt: z.string().nullable(),
  maskFile: FileName,
  /**
   * How many reference images are kept beside the entry (in journal/, then in dropped/ with the mask), as
   * `<job>.ref-<i>.bin`: the store's own names, never ones an entry gives (referenceFilesOf). 0 in entries
   * written before they were kept.
   */
  referenceFiles: z.number().int().nonnegative().default(0),
  /** Set once the result image is saved beside the entry: finishing it needs no service at all. */
  result: JournalResult.nullable().default(null),
});
export type JournalEntry = z.infer<typeof JournalEntry>;
export { RegionPlanSchema };

/**
 * A journal entry that was cut off while being sent, as kept in dropped/<job>.json: the service may have
 * charged for it without Maskroom getting the result, and it cannot be collected (no request id).
 */
export const DroppedEntry = JournalEntry.extend({
  droppedAt: z.string(),
  /** The job running it again, while it runs: if that one is cut off too, this record stands for it. */
  retriedAs: Id.nullable().default(null),
});
export type DroppedEntry = z.infer<typeof DroppedEntry>;

export type NewJournalEntry = Omit<
  JournalEntry,
  'requestId' | 'requestIdAt' | 'maskFile' | 'referenceFiles' | 'createdAt' | 'result'
> & {
  createdAt?: string;
};

/**
 * The names of an entry's reference images (addJob's), or none when the entry's count is not the number it
 * sent or is past the contract's limit (an edited entry): only these names are ever read, moved or kept.
 */
export function referenceFilesOf(e: Pick<JournalEntry, 'jobId' | 'referenceFiles' | 'sent'>): string[] {
  const n = e.referenceFiles;
  if (n !== e.sent.references || n > limits.references.max) return [];
  return Array.from({ length: n }, (_, i) => `${e.jobId}.ref-${i}.bin`);
}

/** What opening a project found and cleaned up. */
export interface OpenReport {
  tempFilesRemoved: string[];
  orphanFilesRemoved: string[];
  /**
   * Jobs journaled before the service returned a request id: nothing to resume (they may have been charged).
   * Opened without `keepDropped`, this also lists (and removes) the dropped/ records an app left.
   */
  abandonedJobs: JournalEntry[];
  /** Jobs whose layer was already committed when the process died. */
  completedJobsCleared: string[];
  /** Layers named by the manifest whose files are missing (never produced by Maskroom itself); kept, damaged. */
  layersWithMissingFiles: string[];
  /** Every layer whose files are missing or incomplete, with why (the layer stays in the manifest). */
  damagedLayers: Array<{ id: string; reason: string }>;
}

export interface NewLayer {
  id?: string;
  createdAt?: string;
  prompt: string;
  params: EditParams;
  sent: StoredLayer['sent'];
  rect: StoredLayer['rect'];
  feather: number;
  colorMatch: boolean;
  requestId: string | null;
  model: string;
  timings: Record<string, number>;
  creditsLeft: number | null;
  /** What the service reported the edit cost, when it did. */
  cost?: number | null;
  /** The scale the pixels were generated at (capped at 1); default: from `sent.plan.scale`. */
  generatedScale?: number | null;
  groupId: string | null;
  /** Default: visible, unless another layer of the same group is visible (one variation shown at a time). */
  visible?: boolean;
}

export interface LayerFiles {
  patch: Uint8Array;
  mask: Uint8Array;
  thumb: Uint8Array;
  /** Extension of the thumbnail file, default 'png'. */
  thumbExt?: string;
}

export interface CreateOptions {
  photo: Uint8Array;
  name: string;
  width: number;
  height: number;
  /** Image format of the photo ('jpeg', 'png', ...): the original's file extension. */
  format: string;
  id?: string;
  now?: () => Date;
}

export interface OpenOptions {
  now?: () => Date;
  /**
   * Read without taking the lock or writing or deleting anything (history, export, a read-only folder).
   * A write is then refused with `readOnlyReason` (default: another process is using the project).
   */
  readOnly?: boolean;
  readOnlyReason?: string;
  /**
   * Keep the abandoned jobs (journaled, never answered) in dropped/ instead of removing them, so the app can
   * tell the photographer and offer to run them again (`droppedJobs()`). Without it (the CLI, batches) they
   * are removed and reported, and so are the dropped/ records left by the app.
   */
  keepDropped?: boolean;
}

export function newId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

const extFor: Record<string, string> = {
  jpeg: 'jpg',
  jpg: 'jpg',
  png: 'png',
  tiff: 'tif',
  tif: 'tif',
  webp: 'webp',
  heif: 'heic',
  avif: 'avif',
  gif: 'gif',
};

function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function writeAtomic(target: string, data: Uint8Array | string, point?: CrashPoint): Promise<void> {
  if (point) crashWritingTemp(point, target, data);
  await writeFileAtomic(target, data);
}

/** One file of a writeAtomicSet. */
interface SetFile {
  name: string;
  data: Uint8Array | string;
  /** A `*-tmp` crash point, reached before anything of the set is written. */
  tmpPoint?: CrashPoint;
  /** A crash point reached right after this file's rename. */
  after?: CrashPoint;
  /** Flush the folder after this file's rename, before the next file's: the next one may rely on it. */
  durableFirst?: boolean;
}

/**
 * Writes several files of one folder, each as writeFileAtomic does, with the slow part done concurrently:
 * every file goes to its temporary name and is flushed at the same time; then they are renamed in the order
 * given and the folder is flushed once after the last rename (and after any file marked `durableFirst`). A
 * crash at any instant leaves each file old or new, plus temporary files that opening the project sweeps;
 * when this returns, every file is on disk. On a failure the temporary files are removed.
 */
async function writeAtomicSet(dir: string, files: SetFile[]): Promise<void> {
  for (const f of files) if (f.tmpPoint) crashWritingTemp(f.tmpPoint, path.join(dir, f.name), f.data);
  const tmps = files.map((f) => tempPathFor(path.join(dir, f.name)));
  const removeTemps = () => Promise.all(tmps.map((t) => fs.rm(t, { force: true }).catch(() => undefined)));
  const written = await Promise.allSettled(files.map((f, i) => writeFlushed(tmps[i]!, f.data)));
  const failed = written.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await removeTemps();
    throw failed.reason;
  }
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      await fs.rename(tmps[i]!, path.join(dir, f.name));
      if (f.after) crashPoint(f.after);
      if (f.durableFirst && i < files.length - 1) await syncDir(dir);
    }
  } catch (e) {
    await removeTemps();
    throw e;
  }
  await syncDir(dir);
}

/** Creates `file` (it must not exist) with `data`, flushed to disk. */
async function writeFlushed(file: string, data: Uint8Array | string): Promise<void> {
  const h = await fs.open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Reads and validates a manifest; the errors say what is wrong and that the photo is untouched. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError(
        'not-found',
        `There is no Maskroom project in ${dir}; pass --image PHOTO to create one there.`,
      );
    }
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError(
      'corrupt-project',
      `The project file ${file} is damaged (not valid JSON); the original photo is untouched, restore project.json from a backup or start a new project from the original.`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new AppError(
      'newer-project',
      `This project was saved by a newer Maskroom (project format ${version}, this version reads up to ${SCHEMA_VERSION}); update Maskroom to open it.`,
    );
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'unknown';
    throw new AppError(
      'corrupt-project',
      `The project file ${file} is damaged (${where}); the original photo is untouched, restore project.json from a backup or start a new project from the original.`,
    );
  }
  return parsed.data;
}

export function toContractLayer(l: StoredLayer, damaged: string | null = null): Layer {
  return {
    id: l.id,
    prompt: l.prompt,
    visible: l.visible,
    rect: l.rect,
    createdAt: l.createdAt,
    requestId: l.requestId,
    groupId: l.groupId,
    model: l.model,
    params: l.params,
    feather: l.feather,
    creditsLeft: l.creditsLeft,
    cost: l.cost ?? null,
    damaged,
    generatedScale: l.generatedScale ?? generatedScale(l.sent.plan.scale),
    timings: l.timings,
  };
}

export class ProjectStore {
  private manifest: Manifest;
  /** Serialises manifest writes: concurrent edits append in completion order without losing either. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Why a layer's files cannot be used, by layer id (found on open, or when a patch fails to decode). */
  private readonly damage = new Map<string, string>();
  /** The edits in dropped/ (opened with keepDropped), oldest first. */
  private dropped: DroppedEntry[] = [];

  private constructor(
    readonly dir: string,
    manifest: Manifest,
    private readonly lock: ProjectLock | null,
    private readonly now: () => Date,
    readonly report: OpenReport,
    private readonly readOnlyReason = 'This project is open read-only because another process is using it; close it there first.',
  ) {
    this.manifest = manifest;
    for (const d of report.damagedLayers) this.damage.set(d.id, d.reason);
  }

  static async isProject(dir: string): Promise<boolean> {
    return exists(path.join(dir, MANIFEST_FILE));
  }

  /** Creates a project in dir (made if missing). Refuses a folder that already holds one. */
  static async create(dir: string, o: CreateOptions): Promise<ProjectStore> {
    // A folder that exists already (the user's own, say) is used as it is, but nothing of the user's in it
    // is replaced: see refuseTakenNames.
    const now = o.now ?? (() => new Date());
    await makeDir(dir).catch((e: unknown) => {
      throw (
        environmentError(e, `Creating the project in ${dir}`, {
          next: { readOnly: 'choose a folder on a writable disk for the project' },
        }) ?? e
      );
    });
    if (await ProjectStore.isProject(dir)) {
      throw new AppError(
        'invalid-input',
        `${dir} already holds a Maskroom project; open it instead of creating a new one.`,
      );
    }
    const ext = extFor[o.format.toLowerCase()] ?? 'img';
    const file = `original.${ext}`;
    await refuseTakenNames(dir, file, o.photo);
    const lock = await acquireLock(dir);
    const made: string[] = [];
    try {
      await sweepTempFiles(dir, ownTopLevelTemp);
      for (const sub of [LAYERS_DIR, JOURNAL_DIR]) {
        if (!(await exists(path.join(dir, sub)))) made.push(sub);
        await fs.mkdir(path.join(dir, sub), { recursive: true });
      }
      if (!(await exists(path.join(dir, file)))) made.push(file);
      const t = now().toISOString();
      const manifest: Manifest = {
        format: FORMAT_NAME,
        schemaVersion: SCHEMA_VERSION,
        id: o.id ?? newId('p'),
        name: o.name,
        createdAt: t,
        updatedAt: t,
        revision: 0,
        original: {
          file,
          width: o.width,
          height: o.height,
          bytes: o.photo.byteLength,
          sha256: createHash('sha256').update(o.photo).digest('hex'),
          format: o.format.toLowerCase(),
        },
        layers: [],
      };
      // The manifest last, after the photo is on disk: a crash before it leaves a folder that is simply not a
      // project yet. Both are flushed to their temporary names at once.
      await writeAtomicSet(dir, [
        { name: file, data: o.photo, durableFirst: true },
        { name: MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
      ]);
      return new ProjectStore(dir, manifest, lock, now, emptyReport());
    } catch (e) {
      // Not a project yet: take back what this call made, so the folder is as it was.
      for (const n of made.reverse()) await fs.rm(path.join(dir, n), { force: true, recursive: true });
      await lock.release();
      throw (
        environmentError(e, `Creating the project in ${dir}`, {
          where: dir,
          needBytes: o.photo.byteLength * 2,
        }) ?? e
      );
    }
  }

  /** Opens (locks, validates, cleans up) the project in dir. */
  static async open(dir: string, o: OpenOptions = {}): Promise<ProjectStore> {
    const now = o.now ?? (() => new Date());
    if (o.readOnly) {
      const manifest = await readManifest(dir);
      const report = emptyReport();
      await checkLayerFiles(dir, manifest, report);
      return new ProjectStore(dir, manifest, null, now, report, o.readOnlyReason);
    }
    if (!(await ProjectStore.isProject(dir))) await readManifest(dir); // throws the not-found error
    const lock = await acquireLock(dir);
    try {
      // Validate before touching anything: a corrupt or newer project is left exactly as it is.
      const manifest = await readManifest(dir);
      const report = emptyReport();
      report.tempFilesRemoved.push(...(await sweepTempFiles(dir, ownTopLevelTemp)));
      const layersDir = path.join(dir, LAYERS_DIR);
      const journalDir = path.join(dir, JOURNAL_DIR);
      await fs.mkdir(layersDir, { recursive: true });
      await fs.mkdir(journalDir, { recursive: true });
      report.tempFilesRemoved.push(...(await sweepTempFiles(layersDir)).map((n) => `${LAYERS_DIR}/${n}`));
      report.tempFilesRemoved.push(...(await sweepTempFiles(journalDir)).map((n) => `${JOURNAL_DIR}/${n}`));
      report.tempFilesRemoved.push(
        ...(await sweepTempFiles(path.join(dir, CACHE_DIR))).map((n) => `${CACHE_DIR}/${n}`),
      );
      if (!(await exists(path.join(dir, manifest.original.file)))) {
        throw new AppError(
          'corrupt-project',
          `The project's original photo (${manifest.original.file}) is missing from ${dir}; put it back or start a new project.`,
        );
      }
      await checkLayerFiles(dir, manifest, report);
      // Layer files no manifest layer names: left by a crash between writing them and the manifest, or
      // between removing a layer from the manifest and deleting its files.
      const named = new Set(manifest.layers.flatMap((l) => Object.values(l.files)));
      for (const n of await fs.readdir(layersDir)) {
        if (!named.has(n)) {
          await fs.rm(path.join(layersDir, n), { force: true, recursive: true });
          report.orphanFilesRemoved.push(`${LAYERS_DIR}/${n}`);
        }
      }
      const store = new ProjectStore(dir, manifest, lock, now, report);
      await store.tidyJournal(o.keepDropped === true);
      return store;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  private async tidyJournal(keepDropped: boolean): Promise<void> {
    const journalDir = path.join(this.dir, JOURNAL_DIR);
    const entries = await this.readJournal();
    const ids = new Set(this.manifest.layers.map((l) => l.id));
    const keep = new Set<string>();
    const dropped = await this.readDropped(ids);
    if (!keepDropped) {
      // Told once, by whoever opens the project next: the CLI says it dropped them, a batch sends them again.
      // A record whose retry is still journaled is that same edit: it is reported once, as the entry.
      const journaled = new Set(entries.map((x) => x.entry?.jobId));
      for (const d of dropped) {
        await this.removeDropped(d.jobId);
        if (!journaled.has(d.jobId) && !(d.retriedAs && journaled.has(d.retriedAs)))
          this.report.abandonedJobs.push(journalEntryOf(d));
      }
      dropped.length = 0;
    }
    for (const { entry, file } of entries) {
      if (!entry) {
        await fs.rm(path.join(journalDir, file), { force: true });
        this.report.orphanFilesRemoved.push(`${JOURNAL_DIR}/${file}`);
        continue;
      }
      if (ids.has(entry.layerId)) {
        await this.removeJob(entry.jobId);
        this.report.completedJobsCleared.push(entry.jobId);
      } else if (!entry.requestId && !entry.result) {
        if (keepDropped) await this.dropJob(entry, dropped);
        else await this.removeJob(entry.jobId);
        this.report.abandonedJobs.push(entry);
      } else {
        keep.add(file);
        keep.add(entry.maskFile);
        for (const r of referenceFilesOf(entry)) keep.add(r);
        if (entry.result) keep.add(entry.result.file);
      }
    }
    for (const n of await fs.readdir(journalDir)) {
      if (!keep.has(n) && !n.endsWith('.json')) {
        await fs.rm(path.join(journalDir, n), { force: true });
        this.report.orphanFilesRemoved.push(`${JOURNAL_DIR}/${n}`);
      }
    }
    // A record whose retry got further (the service answered it, or its layer is in): that retry is the
    // edit now, and the record goes. A retry that left no entry at all failed before it was sent.
    const further = new Set(
      entries
        .map((x) => x.entry)
        .filter((e) => e && (ids.has(e.layerId) || e.requestId || e.result))
        .map((e) => e!.jobId),
    );
    const journaled = new Set(entries.map((x) => x.entry?.jobId));
    this.dropped = [];
    for (const d of dropped) {
      if (d.retriedAs && further.has(d.retriedAs)) {
        await this.removeDropped(d.jobId);
        continue;
      }
      if (d.retriedAs && !journaled.has(d.retriedAs)) {
        d.retriedAs = null;
        await this.writeDropped(d).catch(() => undefined);
      }
      this.dropped.push(d);
    }
  }

  /**
   * Moves an abandoned entry and its mask to dropped/ (mask first, then the record, then the journal entry
   * goes: a crash in between leaves the entry, and the next open moves it again). An entry whose mask is
   * gone was never sent (addJob has both on disk first): it is only removed. A retry of a record that was
   * cut off as well is that same edit: the record stays, the entry goes.
   */
  private async dropJob(entry: JournalEntry, dropped: DroppedEntry[]): Promise<void> {
    const retried = dropped.find((d) => d.retriedAs === entry.jobId);
    if (retried) {
      retried.retriedAs = null;
      await this.writeDropped(retried).catch(() => undefined);
      await this.removeJob(entry.jobId);
      return;
    }
    const droppedDir = path.join(this.dir, DROPPED_DIR);
    await fs.mkdir(droppedDir, { recursive: true });
    // The journal's own name for the mask (addJob's), never the name the entry gives: an edited entry must
    // not move a file from outside the journal.
    const maskFile = `${entry.jobId}.mask.png`;
    const moved = await fs
      .rename(path.join(this.dir, JOURNAL_DIR, maskFile), path.join(droppedDir, maskFile))
      .then(
        () => true,
        () => exists(path.join(droppedDir, maskFile)),
      );
    if (moved) {
      // Its reference images with it (an edited entry's count moves none): all of them, or it keeps none.
      const refs = referenceFilesOf(entry);
      let kept = true;
      for (const r of refs) {
        const ok = await fs.rename(path.join(this.dir, JOURNAL_DIR, r), path.join(droppedDir, r)).then(
          () => true,
          () => exists(path.join(droppedDir, r)),
        );
        kept &&= ok;
      }
      const record: DroppedEntry = {
        ...entry,
        maskFile,
        referenceFiles: kept ? refs.length : 0,
        droppedAt: this.now().toISOString(),
        retriedAs: null,
      };
      await this.writeDropped(record);
      dropped.push(record);
    }
    await this.removeJob(entry.jobId);
  }

  private async writeDropped(record: DroppedEntry): Promise<void> {
    const file = path.join(this.dir, DROPPED_DIR, `${record.jobId}.json`);
    await writeAtomic(file, JSON.stringify(record));
  }

  /** The dropped/ records whose mask is there and whose layer is not committed (others are removed). */
  private async readDropped(layerIds: Set<string>): Promise<DroppedEntry[]> {
    const droppedDir = path.join(this.dir, DROPPED_DIR);
    const names = await fs.readdir(droppedDir).catch(() => null);
    if (!names) return [];
    this.report.tempFilesRemoved.push(
      ...(await sweepTempFiles(droppedDir)).map((n) => `${DROPPED_DIR}/${n}`),
    );
    const out: DroppedEntry[] = [];
    const kept = new Set<string>();
    for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
      const parsed = await fs
        .readFile(path.join(droppedDir, file), 'utf8')
        .then((t) => DroppedEntry.safeParse(JSON.parse(t)))
        .catch(() => null);
      const d = parsed?.success ? parsed.data : null;
      // Only the record's own mask name (dropJob's): one naming another file is never read or kept.
      if (
        d &&
        `${d.jobId}.json` === file &&
        d.maskFile === `${d.jobId}.mask.png` &&
        !layerIds.has(d.layerId) &&
        (await exists(path.join(droppedDir, d.maskFile)))
      ) {
        // Its reference images, when every one is there; otherwise it is told as keeping none.
        const refs = referenceFilesOf(d);
        const all = (await Promise.all(refs.map((r) => exists(path.join(droppedDir, r))))).every(Boolean);
        if (all) for (const r of refs) kept.add(r);
        else d.referenceFiles = 0;
        out.push(d);
        kept.add(file).add(d.maskFile);
      }
    }
    for (const n of await fs.readdir(droppedDir).catch(() => [] as string[]))
      if (!kept.has(n)) await fs.rm(path.join(droppedDir, n), { force: true, recursive: true });
    return out;
  }

  private async readJournal(): Promise<Array<{ file: string; entry: JournalEntry | null }>> {
    const journalDir = path.join(this.dir, JOURNAL_DIR);
    const names = (await fs.readdir(journalDir).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.json'))
      .sort();
    const out: Array<{ file: string; entry: JournalEntry | null }> = [];
    for (const file of names) {
      try {
        const parsed = JournalEntry.safeParse(
          JSON.parse(await fs.readFile(path.join(journalDir, file), 'utf8')),
        );
        out.push({ file, entry: parsed.success ? parsed.data : null });
      } catch {
        out.push({ file, entry: null });
      }
    }
    return out;
  }

  get id(): string {
    return this.manifest.id;
  }
  get name(): string {
    return this.manifest.name;
  }
  get width(): number {
    return this.manifest.original.width;
  }
  get height(): number {
    return this.manifest.original.height;
  }
  get revision(): number {
    return this.manifest.revision;
  }
  get updatedAt(): string {
    return this.manifest.updatedAt;
  }
  get readOnly(): boolean {
    return this.lock === null;
  }

  /** Why this layer's files cannot be used, or null when they are whole. */
  damaged(layerId: string): string | null {
    return this.damage.get(layerId) ?? null;
  }

  /** Records that a layer's files turned out unusable (e.g. its patch does not decode). Nothing is written. */
  markDamaged(layerId: string, reason: string): void {
    if (!this.damage.has(layerId)) this.damage.set(layerId, reason);
  }

  /** A deep copy of the manifest as last committed. */
  snapshot(): Manifest {
    return structuredClone(this.manifest);
  }

  layers(): StoredLayer[] {
    return structuredClone(this.manifest.layers);
  }

  layer(id: string): StoredLayer {
    const l = this.manifest.layers.find((x) => x.id === id);
    if (!l)
      throw new AppError(
        'not-found',
        `There is no layer ${id} in this project; refresh the history and try again.`,
      );
    return structuredClone(l);
  }

  visibleLayers(): StoredLayer[] {
    return this.layers().filter((l) => l.visible);
  }

  state(jobs: ProjectState['jobs'] = []): ProjectState {
    return {
      id: this.manifest.id,
      name: this.manifest.name,
      width: this.width,
      height: this.height,
      revision: this.manifest.revision,
      layers: this.manifest.layers.map((l) => toContractLayer(l, this.damaged(l.id))),
      jobs,
    };
  }

  originalPath(): string {
    return path.join(this.dir, this.manifest.original.file);
  }

  async readOriginal(): Promise<Uint8Array> {
    return new Uint8Array(await fs.readFile(this.originalPath()));
  }

  layerFilePath(layer: StoredLayer, kind: keyof StoredLayer['files']): string {
    return path.join(this.dir, LAYERS_DIR, layer.files[kind]);
  }

  async readLayerFile(layerId: string, kind: keyof StoredLayer['files']): Promise<Uint8Array> {
    return asView(await fs.readFile(this.layerFilePath(this.layer(layerId), kind)));
  }

  /**
   * `length` bytes of a layer's file from `position` (fewer when it ends first): a flatten reads patch
   * headers, then only the parts of the pixel data it needs. The buffer is no larger than what the file
   * holds there, so a length a damaged or truncated file's header claims (gigabytes) costs nothing.
   */
  async readLayerFilePart(
    layerId: string,
    kind: keyof StoredLayer['files'],
    length: number,
    position = 0,
  ): Promise<Uint8Array> {
    const file = await fs.open(this.layerFilePath(this.layer(layerId), kind), 'r');
    try {
      length = Math.max(0, Math.min(length, (await file.stat()).size - position));
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(buf, 0, length, position);
      return asView(buf.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  }

  /** Throws the reason this project cannot be changed (closed, read-only), or returns. */
  checkWritable(): void {
    this.assertWritable();
  }

  private assertWritable(): void {
    if (this.closed) throw new AppError('invalid-input', 'This project has been closed; open it again.');
    if (!this.lock) throw new AppError('project-in-use', this.readOnlyReason);
  }

  /** Runs fn on a copy of the manifest and commits it atomically; the in-memory copy changes only on success. */
  private mutate<T>(fn: (m: Manifest) => T): Promise<T> {
    const run = async (): Promise<T> => {
      this.assertWritable();
      const next = structuredClone(this.manifest);
      const result = fn(next);
      next.revision += 1;
      next.updatedAt = this.now().toISOString();
      const text = `${JSON.stringify(next, null, 2)}\n`;
      try {
        await writeAtomic(path.join(this.dir, MANIFEST_FILE), text, 'manifest-tmp');
      } catch (e) {
        throw environmentError(e, 'Saving project.json', { where: this.dir, needBytes: text.length }) ?? e;
      }
      this.manifest = next;
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Writes the layer's files, then commits it on top of the stack. Returns the committed layer. */
  async appendLayer(meta: NewLayer, files: LayerFiles): Promise<StoredLayer> {
    this.assertWritable();
    const id = meta.id ?? newId('l');
    if (this.manifest.layers.some((l) => l.id === id)) {
      throw new AppError('invalid-input', `Layer ${id} already exists in this project.`);
    }
    const thumbExt = (files.thumbExt ?? 'png').replace(/[^a-z0-9]/gi, '') || 'png';
    const names = { patch: `${id}.patch.png`, mask: `${id}.mask.png`, thumb: `${id}.thumb.${thumbExt}` };
    const layersDir = path.join(this.dir, LAYERS_DIR);
    try {
      // The three files at once, all on disk before the manifest names them.
      await writeAtomicSet(layersDir, [
        { name: names.patch, data: files.patch, tmpPoint: 'patch-tmp', after: 'after-patch' },
        { name: names.mask, data: files.mask },
        { name: names.thumb, data: files.thumb },
      ]);
      crashPoint('after-layer-files');
      trace('layer-files-written');
      const committed = await this.mutate((m) => {
        const layer: StoredLayer = {
          id,
          createdAt: meta.createdAt ?? this.now().toISOString(),
          prompt: meta.prompt,
          params: meta.params,
          sent: meta.sent,
          rect: meta.rect,
          feather: meta.feather,
          colorMatch: meta.colorMatch,
          requestId: meta.requestId,
          model: meta.model,
          timings: meta.timings,
          creditsLeft: meta.creditsLeft,
          cost: meta.cost ?? null,
          generatedScale: meta.generatedScale ?? generatedScale(meta.sent.plan.scale),
          groupId: meta.groupId,
          visible:
            meta.visible ??
            !(meta.groupId !== null && m.layers.some((l) => l.groupId === meta.groupId && l.visible)),
          files: names,
          bytes: {
            patch: files.patch.byteLength,
            mask: files.mask.byteLength,
            thumb: files.thumb.byteLength,
          },
        };
        m.layers.push(layer);
        return structuredClone(layer);
      });
      trace('manifest-committed');
      return committed;
    } catch (e) {
      // Not committed: the files are orphans. Remove them now (open would anyway).
      await Promise.all(
        Object.values(names).map((n) =>
          fs.rm(path.join(layersDir, n), { force: true }).catch(() => undefined),
        ),
      );
      const need = files.patch.byteLength + files.mask.byteLength + files.thumb.byteLength;
      throw environmentError(e, 'Saving the layer', { where: this.dir, needBytes: need }) ?? e;
    }
  }

  setVisible(layerId: string, visible: boolean): Promise<void> {
    return this.mutate((m) => {
      const l = findIn(m, layerId);
      l.visible = visible;
      if (visible && l.groupId)
        for (const o of m.layers) if (o !== l && o.groupId === l.groupId) o.visible = false;
    });
  }

  /** Non-destructive: this layer shown, every later layer hidden (null = back to the original). */
  revertTo(layerId: string | null): Promise<void> {
    return this.mutate((m) => {
      const idx = layerId === null ? -1 : m.layers.indexOf(findIn(m, layerId));
      m.layers.forEach((l, i) => {
        if (i > idx) l.visible = false;
      });
      const target = m.layers[idx];
      if (target) {
        target.visible = true;
        if (target.groupId)
          for (const o of m.layers) if (o !== target && o.groupId === target.groupId) o.visible = false;
      }
    });
  }

  /** Variations: show this layer, hide the other layers of its group. */
  choose(layerId: string): Promise<void> {
    return this.setVisible(layerId, true);
  }

  /** Removes the layer from the manifest, then deletes its files. */
  async deleteLayer(layerId: string): Promise<void> {
    const removed = await this.mutate((m) => {
      const l = findIn(m, layerId);
      m.layers = m.layers.filter((x) => x !== l);
      return l;
    });
    await Promise.all(
      Object.values(removed.files).map((n) => fs.rm(path.join(this.dir, LAYERS_DIR, n), { force: true })),
    );
  }

  // ---- the derived-image cache (never needed for correctness) ----

  async readCache(): Promise<Uint8Array | null> {
    try {
      return asView(await fs.readFile(path.join(this.dir, CACHE_DIR, CURRENT_CACHE)));
    } catch {
      return null;
    }
  }

  async writeCache(bytes: Uint8Array): Promise<void> {
    this.assertWritable();
    await fs.mkdir(path.join(this.dir, CACHE_DIR), { recursive: true });
    await writeAtomic(path.join(this.dir, CACHE_DIR, CURRENT_CACHE), bytes);
  }

  // ---- the journal of edits in flight ----

  /**
   * Journals a job before anything is sent: its mask and its reference images (`references`, as many as
   * `entry.sent.references` says) beside the entry, so an edit cut off while being sent can be run again as
   * it was.
   */
  async addJob(
    entry: NewJournalEntry,
    editMaskPng: Uint8Array,
    references: readonly Uint8Array[] = [],
  ): Promise<JournalEntry> {
    this.assertWritable();
    const journalDir = path.join(this.dir, JOURNAL_DIR);
    const maskFile = `${entry.jobId}.mask.png`;
    const full: JournalEntry = JournalEntry.parse({
      ...entry,
      createdAt: entry.createdAt ?? this.now().toISOString(),
      requestId: null,
      requestIdAt: null,
      maskFile,
      referenceFiles: references.length,
      result: null,
    });
    const refs = referenceFilesOf(full);
    if (refs.length !== references.length)
      throw new Error(
        `addJob: ${references.length} reference images for an entry that sent ${entry.sent.references}`,
      );
    try {
      // The mask renamed before the entry that names it; both on disk before anything is sent. (An entry
      // whose mask a power cut lost is one that was never sent: opening removes it as abandoned.)
      await writeAtomicSet(journalDir, [
        { name: maskFile, data: editMaskPng },
        ...refs.map((name, i) => ({ name, data: references[i]! })),
        { name: `${entry.jobId}.json`, data: JSON.stringify(full) },
      ]);
      return full;
    } catch (e) {
      for (const n of [maskFile, ...refs])
        await fs.rm(path.join(journalDir, n), { force: true }).catch(() => undefined);
      throw (
        environmentError(e, 'Preparing the edit (nothing was sent, nothing was charged)', {
          where: this.dir,
          needBytes: editMaskPng.byteLength + references.reduce((a, r) => a + r.byteLength, 0) + 4096,
        }) ?? e
      );
    }
  }

  private async readJob(jobId: string): Promise<JournalEntry> {
    const file = path.join(this.dir, JOURNAL_DIR, `${jobId}.json`);
    return JournalEntry.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  }

  private async writeJob(next: JournalEntry, what: string): Promise<void> {
    const text = JSON.stringify(next);
    try {
      await writeAtomic(path.join(this.dir, JOURNAL_DIR, `${next.jobId}.json`), text);
    } catch (e) {
      throw environmentError(e, what, { where: this.dir, needBytes: text.length }) ?? e;
    }
  }

  async setJobRequestId(jobId: string, requestId: string): Promise<JournalEntry> {
    this.assertWritable();
    const next: JournalEntry = {
      ...(await this.readJob(jobId)),
      requestId,
      requestIdAt: this.now().toISOString(),
    };
    await this.writeJob(next, `Recording request ${requestId}`);
    return next;
  }

  /**
   * Saves the service's result beside the journal entry (journal/<job>.result.<ext>, atomically), then
   * records it in the entry: from then on the job can be finished from disk, without the service.
   */
  async saveJobResult(
    jobId: string,
    result: { image: Uint8Array; mime: string } & Omit<JournalResult, 'file' | 'mime' | 'bytes'>,
  ): Promise<JournalEntry> {
    this.assertWritable();
    const entry = await this.readJob(jobId);
    const ext = (/^image\/(png|jpeg|webp)$/.exec(result.mime)?.[1] ?? 'bin').replace('jpeg', 'jpg');
    const file = `${jobId}.result.${ext}`;
    const what = "Saving the edit's result";
    const next: JournalEntry = {
      ...entry,
      requestId: entry.requestId ?? result.requestId,
      result: {
        file,
        mime: result.mime,
        bytes: result.image.byteLength,
        requestId: result.requestId,
        creditsLeft: result.creditsLeft,
        cost: result.cost,
        timings: result.timings,
      },
    };
    const text = JSON.stringify(next);
    try {
      // The result on disk before the entry that records it; both flushed to their temporary names at once.
      await writeAtomicSet(path.join(this.dir, JOURNAL_DIR), [
        { name: file, data: result.image, durableFirst: true },
        { name: `${jobId}.json`, data: text },
      ]);
    } catch (e) {
      // The entry may name the result only once it is whole: left without it, resume fetches it again.
      const recorded = await this.readJob(jobId).then(
        (j) => j.result !== null,
        () => false,
      );
      if (!recorded)
        await fs.rm(path.join(this.dir, JOURNAL_DIR, file), { force: true }).catch(() => undefined);
      throw (
        environmentError(e, what, { where: this.dir, needBytes: result.image.byteLength + text.length }) ?? e
      );
    }
    return next;
  }

  /** The saved result image of a journaled job, or null when there is none (or it is incomplete). */
  async readJobResult(entry: JournalEntry): Promise<Uint8Array | null> {
    if (!entry.result) return null;
    try {
      const b = new Uint8Array(await fs.readFile(path.join(this.dir, JOURNAL_DIR, entry.result.file)));
      return b.byteLength === entry.result.bytes ? b : null;
    } catch {
      return null;
    }
  }

  async removeJob(jobId: string): Promise<void> {
    const journalDir = path.join(this.dir, JOURNAL_DIR);
    // The entry first, then its files: an entry never points at a missing mask or result.
    await fs.rm(path.join(journalDir, `${jobId}.json`), { force: true });
    await fs.rm(path.join(journalDir, `${jobId}.mask.png`), { force: true });
    for (const n of await fs.readdir(journalDir).catch(() => [] as string[]))
      if (n.startsWith(`${jobId}.result.`) || n.startsWith(`${jobId}.ref-`))
        await fs.rm(path.join(journalDir, n), { force: true });
  }

  /** One journaled job by id (null when there is no such entry). */
  async job(jobId: string): Promise<JournalEntry | null> {
    return (await this.readJournal()).find((x) => x.entry?.jobId === jobId)?.entry ?? null;
  }

  /**
   * Journaled jobs that can be finished: they have a request id or a saved result, and no committed layer
   * (an entry whose layer is in the manifest is done, whatever else it says).
   */
  async pendingJobs(): Promise<JournalEntry[]> {
    const ids = new Set(this.manifest.layers.map((l) => l.id));
    return (await this.readJournal())
      .map((x) => x.entry)
      .filter(
        (e): e is JournalEntry =>
          e !== null && (e.requestId !== null || e.result !== null) && !ids.has(e.layerId),
      );
  }

  // ---- edits cut off while being sent (dropped/, kept for the app) ----

  /** The edits cut off while being sent that the photographer has not run again or dismissed yet. */
  droppedJobs(): DroppedEntry[] {
    return this.dropped.map((d) => ({ ...d }));
  }

  /** One dropped edit by job id, or a not-found error saying what to do. */
  droppedJob(jobId: string): DroppedEntry {
    const d = this.dropped.find((x) => x.jobId === jobId);
    if (!d)
      throw new AppError(
        'not-found',
        'That interrupted edit is no longer kept (it was run again or dismissed); refresh the project.',
      );
    return { ...d };
  }

  async readDroppedMask(jobId: string): Promise<Uint8Array> {
    const d = this.droppedJob(jobId);
    return new Uint8Array(await fs.readFile(path.join(this.dir, DROPPED_DIR, d.maskFile)));
  }

  /**
   * A dropped edit's reference images, in the order they were sent (none when they were not kept: see
   * readDropped). A file gone since the project was opened is said in one sentence.
   */
  async readDroppedReferences(jobId: string): Promise<Uint8Array[]> {
    const d = this.droppedJob(jobId);
    try {
      return await Promise.all(
        referenceFilesOf(d).map(
          async (r) => new Uint8Array(await fs.readFile(path.join(this.dir, DROPPED_DIR, r))),
        ),
      );
    } catch {
      throw new AppError(
        'not-found',
        `The reference images of "${d.prompt}" are no longer in the project folder, so it was not run again; dismiss the notice and run the edit again with its references.`,
      );
    }
  }

  /** Records which job runs this dropped edit again (null: none any more). */
  async setDroppedRetry(jobId: string, retriedAs: string | null): Promise<void> {
    this.assertWritable();
    const d = this.dropped.find((x) => x.jobId === jobId);
    if (!d) return;
    d.retriedAs = retriedAs;
    try {
      await this.writeDropped(d);
    } catch (e) {
      throw environmentError(e, 'Recording the edit run again', { where: this.dir, needBytes: 4096 }) ?? e;
    }
  }

  /** Forgets a dropped edit: its record, then its mask and reference images. */
  async removeDropped(jobId: string): Promise<void> {
    this.dropped = this.dropped.filter((d) => d.jobId !== jobId);
    const droppedDir = path.join(this.dir, DROPPED_DIR);
    await fs.rm(path.join(droppedDir, `${jobId}.json`), { force: true });
    await fs.rm(path.join(droppedDir, `${jobId}.mask.png`), { force: true });
    for (const n of await fs.readdir(droppedDir).catch(() => [] as string[]))
      if (n.startsWith(`${jobId}.ref-`)) await fs.rm(path.join(droppedDir, n), { force: true });
  }

  /** Whether this layer id is already committed (a resumed job must never add it twice). */
  hasLayer(layerId: string): boolean {
    return this.manifest.layers.some((l) => l.id === layerId);
  }

  async readJobMask(entry: JournalEntry): Promise<Uint8Array> {
    return new Uint8Array(await fs.readFile(path.join(this.dir, JOURNAL_DIR, entry.maskFile)));
  }

  /** Waits for pending manifest writes and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    await this.lock?.release();
  }
}

function findIn(m: Manifest, layerId: string): StoredLayer {
  const l = m.layers.find((x) => x.id === layerId);
  if (!l)
    throw new AppError(
      'not-found',
      `There is no layer ${layerId} in this project; refresh the history and try again.`,
    );
  return l;
}

/** A dropped/ record as the journal entry it was (what OpenReport.abandonedJobs lists). */
function journalEntryOf(d: DroppedEntry): JournalEntry {
  const { droppedAt: _at, retriedAs: _as, ...entry } = d;
  return { ...entry, maskFile: `${d.jobId}.mask.png` };
}

function emptyReport(): OpenReport {
  return {
    tempFilesRemoved: [],
    orphanFilesRemoved: [],
    abandonedJobs: [],
    completedJobsCleared: [],
    layersWithMissingFiles: [],
    damagedLayers: [],
  };
}

/** The bytes read, as a plain Uint8Array over the same memory (no copy: a cache file is a full frame). */
function asView(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reports (never removes) layers whose rectangle is not whole pixels inside the photo, or whose files are
 * missing or shorter than the manifest says.
 */
async function checkLayerFiles(dir: string, manifest: Manifest, report: OpenReport): Promise<void> {
  const { width: W, height: H } = manifest.original;
  for (const l of manifest.layers) {
    const problems: string[] = [];
    const r = l.rect;
    const whole = [r.x, r.y, r.width, r.height].every(Number.isSafeInteger);
    if (
      !whole ||
      r.x < 0 ||
      r.y < 0 ||
      r.width <= 0 ||
      r.height <= 0 ||
      r.x + r.width > W ||
      r.y + r.height > H
    ) {
      problems.push(
        `project.json gives it a rectangle outside the ${W}x${H} photo (${r.width}x${r.height} at ${r.x},${r.y})`,
      );
    }
    let missing = false;
    for (const kind of ['patch', 'mask', 'thumb'] as const) {
      const name = `${LAYERS_DIR}/${l.files[kind]}`;
      const st = await fs.stat(path.join(dir, LAYERS_DIR, l.files[kind])).catch(() => null);
      if (!st) {
        missing = true;
        problems.push(`${name} is missing`);
      } else if (st.size !== l.bytes[kind]) {
        problems.push(`${name} is incomplete (${st.size} of ${l.bytes[kind]} bytes)`);
      }
    }
    if (missing) report.layersWithMissingFiles.push(l.id);
    if (problems.length > 0) report.damagedLayers.push({ id: l.id, reason: problems.join(', ') });
  }
}

/**
 * Refuses to make a project in a folder that holds a file or a non-empty folder under a name the project
 * writes (its original photo, the source record, the layers, journal, cache and dropped folders): a new
 * project would replace it, and a photo of the user's named original.png would be lost. An original of the
 * same bytes is the one an earlier create wrote before it was cut off, and is taken as it is.
 */
async function refuseTakenNames(dir: string, file: string, photo: Uint8Array): Promise<void> {
  for (const name of [file, 'source.json', LAYERS_DIR, JOURNAL_DIR, CACHE_DIR, DROPPED_DIR]) {
    const at = path.join(dir, name);
    const st = await fs.lstat(at).catch(() => null);
    if (!st) continue;
    if (st.isDirectory() && (await fs.readdir(at)).length === 0) continue;
    if (name === file && st.isFile() && st.size === photo.byteLength) {
      const same = createHash('sha256')
        .update(await fs.readFile(at))
        .digest('hex');
      if (same === createHash('sha256').update(photo).digest('hex')) continue;
    }
    throw new AppError(
      'invalid-input',
      `${dir} already holds ${st.isDirectory() ? 'a folder' : 'a file'} named ${name}, which a new project there would replace; choose an empty or new folder for the project.`,
    );
  }
}

/**
 * The temporary files of the project's own top-level files (manifest, source record, lock, original). A
 * project's folder may be the user's own (a project made in the photo's folder): other `*.tmp-*` names there
 * are the user's files, or another process's export being written beside the photo, and are left alone.
 */
function ownTopLevelTemp(name: string): boolean {
  return /^(project\.json|source\.json|\.maskroom\.lock|original\.[A-Za-z0-9]+)\.tmp-/.test(name);
}
