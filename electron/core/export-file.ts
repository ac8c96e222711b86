/**
 * An export written straight into a file (the app's Save As, drag-out, the web host's download): what the
 * caller may say about the file, and the user's disk faults in words. The file is written through a
 * temporary one beside it (see imaging/export-image.ts), whose name the user never chose: a message names
 * the folder instead.
 */
import path from 'node:path';
import { AppError, environmentError, isAppError, roughSize } from '../../shared/errors';
import { neededBytes } from './imaging';

export interface ExportFileOptions {
  /**
   * The file is one Maskroom made for itself (a drag-out's, a download's): a fault is about that disk, and
   * choosing another folder is not advice the user can follow.
   */
  temporary?: boolean;
}

/**
 * The one-sentence AppError for a write of `file` that failed because of the user's disk (full: with the
 * file's size; read-only; permission denied; the folder gone), or null for anything else (rethrown as is),
 * such as a fault naming a file outside `file`'s folder.
 */
export function exportFileError(e: unknown, file: string, o: ExportFileOptions = {}): AppError | null {
  if (isAppError(e) || !e || typeof e !== 'object') return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const where = path.dirname(file);
  // A fault of another file (the project's photo or a layer, read for the export) is not the folder's: it
  // is worded with its own path by the caller. Faults of the file, its temporary file or the folder are.
  const at = (e as { path?: unknown }).path;
  if (typeof at === 'string') {
    const p = path.resolve(at);
    if (p !== path.resolve(where) && path.dirname(p) !== path.resolve(where)) return null;
  }
  const what = `Exporting ${path.basename(file)}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new AppError(
      'not-found',
      `${what} failed: the folder ${where} no longer exists; ${o.temporary ? 'try again' : 'choose another folder and export again'}.`,
      { cause: e },
    );
  }
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  const next = o.temporary
    ? full
      ? 'free some space there and try again'
      : 'check that the temporary folder can be written, then try again'
    : full
      ? 'free some space there or choose another folder, then export again'
      : 'choose another folder and export again';
  if (full) {
    // The partial file is gone: the whole file's size is the room it needs.
    const need = neededBytes(e);
    return new AppError(
      'disk-full',
      `${what} failed: the disk holding ${where} is full${need ? ` (the file needs about ${roughSize(need)})` : ''}; ${next}.`,
      { cause: e },
    );
  }
  // The error names the temporary file; the message names the folder.
  const bare = Object.assign(new Error((e as Error).message ?? code), { code, cause: e });
  return environmentError(bare, what, { where, next });
}
