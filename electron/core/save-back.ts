/**
 * Save back ("Edit in Maskroom"): a photo handed over by another editor (Lightroom Classic's Edit In,
 * Capture One's Open With, a double-click) is written back into the file it came from, in the same format,
 * bit depth, ICC profile and EXIF (a greyscale file as greyscale; a CMYK file is refused, since Maskroom
 * edits in RGB), while the project keeps its own untouched copy of the original.
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
  type Photo,
} from './imaging';
import { readManifest } from './project';

export const SOURCE_FILE = 'source.json';

export const SourceRecord = z.object({
  /** Absolute path of the file the project was made from (and is saved back into). */
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The file's format (sharp's name: jpeg, png, tiff, webp). */
  format: z.string(),
  /** The user has agreed to overwrite this file (asked once per project). */
  confirmed: z.boolean(),
  savedBackAt: z.string().nullable(),
});
export type SourceRecord = z.infer<typeof SourceRecord>;

function hash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function describe(file: string, format: string, prev?: SourceRecord): Promise<SourceRecord> {
  const [bytes, st] = await Promise.all([fs.readFile(file), fs.stat(file)]);
  return {
    path: file,
    bytes: st.size,
    mtimeMs: st.mtimeMs,
    sha256: hash(bytes),
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
  try {
    const r = SourceRecord.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
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
  try {
    return hash(await fs.readFile(rec.path)) !== rec.sha256;
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

/**
 * What a save back would meet now, before anything is written. Throws an AppError (one sentence) when the
 * source is a CMYK file: Maskroom edits in RGB and would write it back as RGB, so it refuses before asking.
 */
export async function checkSaveBack(projectDir: string): Promise<SaveBackCheck> {
  const source = await readSource(projectDir);
  if (!source) return { status: 'no-source' };
  if ((await originalColour(projectDir)).kind === 'cmyk') {
    throw new AppError(
      'unsupported',
      `${path.basename(source.path)} is a CMYK file and Maskroom edits in RGB, so it did not save back into it (the file would come back RGB); use Export to write an RGB TIFF or JPEG beside it instead.`,
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
  keep: { mode?: number } = {},
): Promise<number> {
  const colour = await originalColour(projectDir);
  const grey = colour.kind === 'grey' && opts.format !== 'webp' && opts.format !== 'psd' ? colour : null;
  return grey
    ? exportGreyToFile(image, grey.icc, opts, file, keep)
    : exportImageToFile(image, opts, file, keep);
}

export interface SaveBackOptions {
  /** The user agreed to overwrite the file (the first save back of a project). */
  confirmed: boolean;
  /** The user agreed to overwrite a file that changed on disk since it was opened. */
  overwriteChanged: boolean;
  now?: () => Date;
  /** The encode's progress (ExportOptions.onProgress). */
  onProgress?: (done: number, total: number) => void;
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
  if (check.status === 'changed-on-disk' && !opts.overwriteChanged) {
    throw new AppError(
      'invalid-input',
      `${name} changed on disk since Maskroom opened it, so it was not overwritten; save back again with --force to replace it, or use Export to write a new file.`,
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
  let bytes: number;
  try {
    const keep = mode === undefined ? {} : { mode: mode & 0o777 };
    bytes = await exportInOriginalColour(projectDir, image, exportOpts, source.path, keep);
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
  const now = (opts.now ?? (() => new Date()))().toISOString();
  const after = await describe(source.path, source.format, { ...source, confirmed: true, savedBackAt: now });
  await writeRecord(projectDir, after);
  return { file: source.path, format, bytes };
}
