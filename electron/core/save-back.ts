/**
 * Save back ("Edit in Maskroom"): a photo handed over by another editor (Lightroom Classic's Edit In,
 * Capture One's Open With, a double-click) is written back into the file it came from, in the same format,
 * bit depth, ICC profile and EXIF (a greyscale file as greyscale; a CMYK file is refused, since Maskroom
 * edits in RGB; so is a file of several frames, of which Maskroom edits the first), while the project keeps its
 * own untouched copy of the original.
 *
 * The project records where its photo came from in source.json (path, size, mtime, SHA-256, format, and
 * whether a save back has been confirmed). A save back:
 * - asks once per project before the first overwrite (the app's dialog; the CLI's --in-place is the ask);
 * - never overwrites a file that changed on disk since it was opened or last saved back without a second,
 *   explicit yes (the app asks; the CLI wants --force);
 * - writes atomically (beside the file, fsync, rename), then records the file as it now is.
 * See docs/user-guide.md (Save back) and docs/project-format.md.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError, environmentError } from '../../shared/errors';
import { formatById, type ExportFormatId } from '../../shared/formats';
import { writeFileAtomic } from './fs-atomic';
import {
  exportGreyToFile,
  exportImageToFile,
  neededBytes,
  sourceColourOf,
  type ExportOptions,
  type FileWriteOptions,
  type Photo,
} from './imaging';
import { crashPoint, readManifest } from './project';
import { projectFileOwner } from './inside-project';

export const SOURCE_FILE = 'source.json';

/** What the record says of the file's contents (all but where it is). */
const SourceState = z.object({
  bytes: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The file's format (sharp's name: jpeg, png, tiff, webp). */
  format: z.string(),
  /** The user has agreed to overwrite this file (asked once per project). */
  confirmed: z.boolean(),
  savedBackAt: z.string().nullable(),
});

export const SourceRecord = SourceState.extend({
  /** Absolute path of the file the project was made from (and is saved back into). */
  path: z.string().min(1),
  /**
   * Written just before Maskroom renames a new file over the source (save back, or an export onto it): the
   * record of that new file. The record is rewritten without it right after the rename; when a process
   * stopped in between, readSource finds out which of the two the file holds (see writeOverSource).
   */
  pending: SourceState.optional(),
});
export type SourceRecord = z.infer<typeof SourceRecord>;

/** The SHA-256 of a file, read in pieces (a source photo may be larger than is worth holding in memory). */
async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await fs.open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}

async function describe(file: string, format: string, prev?: SourceRecord): Promise<SourceRecord> {
  const [sha256, st] = await Promise.all([hashFile(file), fs.stat(file)]);
  return {
    path: file,
    bytes: st.size,
    mtimeMs: st.mtimeMs,
    sha256,
    format,
    confirmed: prev?.confirmed ?? false,
    savedBackAt: prev?.savedBackAt ?? null,
  };
}

async function writeRecord(projectDir: string, rec: SourceRecord): Promise<void> {
  await writeFileAtomic(path.join(projectDir, SOURCE_FILE), `${JSON.stringify(rec, null, 2)}\n`);
}

/** Records, at creation, where the project's photo came from. `format` is the decoded photo's format. */
export async function recordSource(projectDir: string, file: string, format: string): Promise<SourceRecord> {
  const rec = await describe(path.resolve(file), format.toLowerCase());
  await writeRecord(projectDir, rec);
  return rec;
}

/** The project's source record, or null when it was not made from a file (or the record is unreadable). */
export async function readSource(projectDir: string): Promise<SourceRecord | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(projectDir, SOURCE_FILE), 'utf8');
  } catch {
    return null;
  }
  let rec: SourceRecord;
  try {
    const r = SourceRecord.safeParse(JSON.parse(text));
    if (!r.success) return null;
    rec = r.data;
  } catch {
    return null;
  }
  if (!rec.pending) return rec;
  // A write over the source stopped between its rename and the record's update: the file holds either the
  // new image (the rename happened) or what it held before. Which one is read from the file itself; this
  // only reads, so history and export on a read-only project see it too (the next write records it).
  const { pending, ...before } = rec;
  const landed: SourceRecord = { ...before, ...pending };
  return (await sourceChanged(landed)) ? before : landed;
}

/**
 * Whether the file is no longer what the record says: gone, or other bytes. Same size and mtime counts as
 * unchanged; otherwise the bytes are hashed (a touched but identical file is unchanged).
 */
export async function sourceChanged(rec: SourceRecord): Promise<boolean> {
  let st: { size: number; mtimeMs: number };
  try {
    st = await fs.stat(rec.path);
  } catch {
    return true;
  }
  if (st.size === rec.bytes && st.mtimeMs === rec.mtimeMs) return false;
  if (st.size !== rec.bytes) return true;
  try {
    return (await hashFile(rec.path)) !== rec.sha256;
  } catch {
    return true;
  }
}

export type SaveBackCheck =
  | { status: 'no-source' }
  | { status: 'ready'; source: SourceRecord }
  | { status: 'confirm-first'; source: SourceRecord }
  | { status: 'changed-on-disk'; source: SourceRecord };

/**
 * The colour kind of the photo the project was made from (its own copy, the same file the source was when
 * opened): a save back writes that kind again.
 */
async function originalColour(projectDir: string) {
  const m = await readManifest(projectDir);
  return sourceColourOf(path.join(projectDir, m.original.file));
}

/** How many frames (pages) the project's copy of its original photo holds: 1 for a still photo. */
async function pageCount(projectDir: string): Promise<number> {
  const m = await readManifest(projectDir);
  const meta = await sharp(path.join(projectDir, m.original.file), { limitInputPixels: false }).metadata();
  return meta.pages ?? 1;
}

/**
 * What a save back would meet now, before anything is written. Throws an AppError (one sentence) when the
 * source is a CMYK file (Maskroom edits in RGB and would write it back as RGB) or holds several frames (it
 * would come back with the first alone), or is read-only, so it refuses before asking.
 */
export async function checkSaveBack(projectDir: string): Promise<SaveBackCheck> {
  const source = await readSource(projectDir);
  if (!source) return { status: 'no-source' };
  // A photo that is a project's own file (this project made in the photo's folder from a photo named as its
  // copy is, original.png; or another project's original opened as a photo): saving back would write over it.
  const owner = await projectFileOwner(source.path);
  if (owner) {
    throw new AppError(
      'unsupported',
      `${path.basename(source.path)} is ${path.resolve(owner) === path.resolve(projectDir) ? "this project's own copy of its photo" : `one of the own files of the project in ${owner}`}, so Maskroom did not save back into it; use Export to write the image to another file instead.`,
    );
  }
  // A photo of several frames (an animated WebP, a multi-page TIFF) opens as its first: writing that back
  // would drop the others.
  const pages = await pageCount(projectDir);
  if (pages > 1) {
    throw new AppError(
      'unsupported',
      `${path.basename(source.path)} holds ${pages} frames (an animation or a multi-page file) and Maskroom edits only the first, so it did not save back into it (the other frames would be lost); use Export to write the edited image to a new file instead.`,
    );
  }
  if ((await originalColour(projectDir)).kind === 'cmyk') {
    throw new AppError(
      'unsupported',
      `${path.basename(source.path)} is a CMYK file and Maskroom edits in RGB, so it did not save back into it (the file would come back RGB); use Export to write an RGB TIFF or JPEG beside it instead.`,
    );
  }
  // A file its owner made read-only is not replaced (the rename would get past its permissions); said
  // before anything is asked.
  const mode = (await fs.stat(source.path).catch(() => null))?.mode;
  if (mode !== undefined && (mode & 0o222) === 0) {
    throw new AppError(
      'permission-denied',
      `${path.basename(source.path)} is read-only (no one may write to it), so Maskroom did not save back into it; make it writable, then save back again, or use Export to write a new file.`,
    );
  }
  if (await sourceChanged(source)) return { status: 'changed-on-disk', source };
  if (!source.confirmed) return { status: 'confirm-first', source };
  return { status: 'ready', source };
}

/**
 * Writes `image` to `file` in the colour of the project's original photo: a greyscale original comes back
 * greyscale at its depth, with its alpha and its own grey profile, in every format that has a grey form
 * (TIFF, PNG, JPEG; WebP and PSD are written RGB), and any other photo as RGB. Streamed into a temporary file
 * beside `file`, then renamed over it: the encoded file is never in memory. Save back and the results of a
 * batch are both written through here, so a grey photo stays grey in either.
 */
export async function exportInOriginalColour(
  projectDir: string,
  image: Photo,
  opts: ExportOptions,
  file: string,
  keep: FileWriteOptions = {},
): Promise<number> {
  const colour = await originalColour(projectDir);
  const grey = colour.kind === 'grey' && opts.format !== 'webp' && opts.format !== 'psd' ? colour : null;
  return grey
    ? exportGreyToFile(image, grey.icc, opts, file, keep)
    : exportImageToFile(image, opts, file, keep);
}

/**
 * Holds off what would stop the process (the CLI's Ctrl-C) while the file and its record change together;
 * the returned function lets it go again.
 */
export type HoldInterrupts = () => () => void;

/**
 * Writes over the project's source file with `write` (a streamed export, which calls `beforeRename` with its
 * complete temporary file just before renaming it over the file) so that the record follows the file: the
 * record of the new file is written as `pending` before the rename and as the record itself right after it.
 * A process stopped between the two (a kill, a power cut) leaves a record from which readSource tells what
 * the file holds; an interrupt the caller can hold off (`hold`) waits until both are done. `next` is what
 * changes in the record besides the file's own state (its format, the save-back confirmation).
 */
export async function writeOverSource<T>(
  projectDir: string,
  source: SourceRecord,
  next: Partial<Pick<SourceRecord, 'format' | 'confirmed' | 'savedBackAt'>>,
  write: (beforeRename: (tmp: string) => Promise<void>) => Promise<T>,
  o: {
    hold?: HoldInterrupts;
    /**
     * Given: a record that cannot be written (the project on a read-only disk, say) does not stop the write,
     * which goes on as a plain export, and this is told why. Without it the write stops before the file is
     * touched, with one sentence naming the project.
     */
    unrecorded?: (e: unknown) => void;
  } = {},
): Promise<T> {
  const { pending: _stale, ...prev } = source;
  let release: (() => void) | undefined;
  let after: SourceRecord | undefined;
  try {
    const result = await write(async (tmp) => {
      const state = await describe(tmp, next.format ?? prev.format, { ...prev, ...next });
      const landed: SourceRecord = { ...prev, ...state, path: prev.path };
      release = o.hold?.();
      const { path: _p, pending: _n, ...pending } = landed;
      try {
        await writeRecord(projectDir, { ...prev, pending });
      } catch (e) {
        release?.();
        release = undefined;
        if (o.unrecorded) return o.unrecorded(e);
        const name = path.basename(prev.path);
        const unchanged = `${name} was not changed`;
        throw (
          environmentError(e, `Recording the new ${name} in the project`, {
            where: projectDir,
            next: {
              readOnly: `copy the project to a writable disk to save back from it (${unchanged})`,
              full: `free some space on the project's disk, then save back again (${unchanged})`,
              denied: `check that you may write to the project's folder, then save back again (${unchanged})`,
            },
          }) ?? e
        );
      }
      after = landed;
      crashPoint('source-pending');
    });
    crashPoint('source-renamed');
    if (after) await writeRecord(projectDir, after);
    return result;
  } finally {
    release?.();
  }
}

/**
 * The project's source record when `file` is that source (by path, or the same file on disk under another
 * name), else null. `replaced`: a file written to `file` through a rename replaces the source itself (the
 * same name in the same folder, also through a linked folder or in another letter case), so an export there
 * goes through writeOverSource and the record follows; a hard or symbolic link to the source is replaced by
 * the rename without changing the source.
 */
export async function sourceAt(
  projectDir: string,
  file: string,
): Promise<{ source: SourceRecord; replaced: boolean } | null> {
  const source = await readSource(projectDir);
  if (!source) return null;
  const a = path.resolve(source.path);
  const b = path.resolve(file);
  if (a === b) return { source, replaced: true };
  const id = (f: string) =>
    fs.stat(f).then(
      (st) => `${st.dev}:${st.ino}`,
      () => null,
    );
  const [fa, fb] = await Promise.all([id(a), id(b)]);
  if (!fa || fa !== fb) return null;
  const [da, db] = await Promise.all([id(path.dirname(a)), id(path.dirname(b))]);
  const sameName = path.basename(a).toLowerCase() === path.basename(b).toLowerCase();
  return { source, replaced: da !== null && da === db && sameName };
}

export interface SaveBackOptions {
  /** The user agreed to overwrite the file (the first save back of a project). */
  confirmed: boolean;
  /** The user agreed to overwrite a file that changed on disk since it was opened. */
  overwriteChanged: boolean;
  now?: () => Date;
  /** The encode's progress (ExportOptions.onProgress). */
  onProgress?: (done: number, total: number) => void;
  /** Holds off interrupts while the file and its record change together (writeOverSource). */
  hold?: HoldInterrupts;
}

export interface SaveBackResult {
  file: string;
  format: ExportFormatId;
  bytes: number;
}

/** The export format that writes a file of this (sharp) format again, or null when none does. */
export function saveBackFormat(format: string): ExportFormatId | null {
  const f = formatById(format === 'jpg' ? 'jpeg' : format);
  return f && f.savesBack ? (f.id as ExportFormatId) : null;
}

/**
 * Writes `image` into the project's source file. Throws an AppError (one sentence) when there is no source,
 * its format cannot be written again, it needs the first confirmation, or it changed on disk.
 */
export async function saveBack(
  projectDir: string,
  image: Photo,
  opts: SaveBackOptions,
): Promise<SaveBackResult> {
  const check = await checkSaveBack(projectDir);
  if (check.status === 'no-source') {
    throw new AppError(
      'invalid-input',
      'This project was not opened from a photo file, so there is nothing to save back into; use Export to write the image instead.',
    );
  }
  const { source } = check;
  const name = path.basename(source.path);
  const format = saveBackFormat(source.format);
  if (!format) {
    throw new AppError(
      'unsupported',
      `Maskroom cannot write ${source.format.toUpperCase()} files, so it cannot save back into ${name}; use Export to write a TIFF or JPEG instead.`,
    );
  }
  // The photo's folder itself gone (moved, renamed, a drive not mounted): there is nowhere to write.
  const folder = path.dirname(source.path);
  const folderThere = await fs.stat(folder).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (!folderThere) {
    throw new AppError(
      'not-found',
      `The folder ${folder} that held ${name} is no longer there (moved, renamed or on a drive not connected), so nothing was written; connect or restore it and save back again, or use Export to write the image elsewhere.`,
    );
  }
  if (check.status === 'changed-on-disk' && !opts.overwriteChanged) {
    const gone = !(await fs.stat(source.path).then(
      (st) => st.isFile(),
      () => false,
    ));
    throw new AppError(
      'invalid-input',
      gone
        ? `${name} is no longer at ${source.path} (moved or deleted since Maskroom opened it), so nothing was written; save back again with --force to write it there anyway, or use Export to write a new file.`
        : `${name} changed on disk since Maskroom opened it, so it was not overwritten; save back again with --force to replace it, or use Export to write a new file.`,
    );
  }
  if (check.status === 'confirm-first' && !opts.confirmed) {
    throw new AppError(
      'invalid-input',
      `Saving back replaces ${name} with the edited image; confirm it once to go on.`,
    );
  }
  // Save back is the original's own kind of file: the highest JPEG/WebP quality short of lossless.
  const exportOpts = {
    format,
    ...(format === 'jpeg' || format === 'webp' ? { quality: 95 } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  // The file keeps its permissions (the new one replaces it by rename, so it would get the default mode).
  const mode = (await fs.stat(source.path).catch(() => null))?.mode;
  const now = (opts.now ?? (() => new Date()))().toISOString();
  let bytes: number;
  try {
    const keep = mode === undefined ? {} : { mode: mode & 0o777 };
    bytes = await writeOverSource(
      projectDir,
      source,
      { confirmed: true, savedBackAt: now },
      (beforeRename) =>
        exportInOriginalColour(projectDir, image, exportOpts, source.path, { ...keep, beforeRename }),
      opts.hold ? { hold: opts.hold } : {},
    );
  } catch (e) {
    const need = neededBytes(e);
    throw (
      environmentError(e, `Saving back into ${source.path}`, {
        where: path.dirname(source.path),
        ...(need ? { needBytes: need } : {}),
        next: {
          full: 'free some space there or use Export to write the image elsewhere (the project is unchanged)',
          readOnly: 'use Export to write the image to a writable folder (the project is unchanged)',
          denied:
            'check that you may write to that folder, or use Export to write the image elsewhere (the project is unchanged)',
        },
      }) ?? e
    );
  }
  return { file: source.path, format, bytes };
}
