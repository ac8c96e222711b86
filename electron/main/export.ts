/** The Export As… dialog's file types, the format a chosen file name asks for, and Save As itself. */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { calls, type ExportFormat, type ProjectSummary, type WireResult } from '../../shared/contract';
import { toWireError } from '../../shared/errors';
import type { HandlerTable } from '../core/handlers';
import { dispatch } from '../core/dispatch';
import type { WorkspaceApi } from '../core/workspace-types';
import { safeFileName } from './drag';
import { FORMATS, exportFormatOfName } from '../../shared/formats';

export const exportFilters: { name: string; extensions: string[] }[] = FORMATS.filter((f) => f.exports).map(
  (f) => ({ name: f.id === 'psd' ? 'PSD (layered)' : f.label, extensions: [...f.extensions] }),
);

export function exportFormatFromPath(file: string): ExportFormat | null {
  return exportFormatOfName(path.basename(file));
}

export const SaveAsRequest = calls['export:image'].request.strict();

export interface SaveAsDeps {
  table: HandlerTable;
  /** Where the dialog starts (the user's Pictures folder). */
  defaultDir: string;
  /** Main's native save dialog; null when the user cancels. */
  chooseFile(defaultPath: string): Promise<string | null>;
  /** Writes the export into the chosen file as it is encoded (the workspace's exportImageToFile). */
  exporter: Pick<WorkspaceApi, 'exportImageToFile'>;
  /**
   * Main's question before replacing `file`: the user typed its name without the extension, so the dialog
   * asked only about the name as typed (see replaceQuestion). True replaces it.
   */
  confirmReplace(file: string): Promise<boolean>;
}

/** How many times Save As goes back to its dialog after a "keep the file" before it gives up (cancelled). */
const MAX_DIALOG_ROUNDS = 20;

/** The question main asks before replacing a file whose extension Save As added to the typed name. */
export function replaceQuestion(file: string): { message: string; detail: string } {
  return {
    message: `${path.basename(file)} already exists; replace it?`,
    detail: `The name you typed had no extension, so Maskroom added ${path.extname(file)} and would save over ${file}; choose Cancel to pick another name.`,
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (e) {
    // Anything but "no such file" (a folder we may not read) counts as there: asking is the safe side.
    return (e as { code?: unknown }).code !== 'ENOENT';
  }
}

/**
 * Save As: ask where (the dialog starts at <Pictures>/<photo name>.<ext>), then encode the export straight
 * into that file (the request validated as the 'export:image' call is): a temporary file beside it, renamed
 * over it once complete, so the encoded file is never held in memory and a failure leaves the old file, or
 * none. The export reports 'task:progress' as any export does. The extension the user types wins over the
 * requested format; a name without a known extension gets the requested format's, and since the dialog
 * asked about replacing only the name as typed, an existing file of the completed name is replaced only
 * after main's own question (confirmReplace); "no" goes back to the dialog at that name, whose own prompt
 * then covers it. The renderer never names the path. The request's quality goes with a JPEG or WebP file;
 * a lossless format typed in the dialog instead (PNG, TIFF, PSD) is written without it.
 */
export async function saveAs(deps: SaveAsDeps, request: unknown): Promise<WireResult<{ saved: boolean }>> {
  const parsed = SaveAsRequest.safeParse(request);
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'invalid-input', message: 'The export request was not valid; choose Export again.' },
    };
  }
  const req = parsed.data;
  const list = await dispatch(deps.table, 'projects:list', {});
  const name = list.ok
    ? (list.value as ProjectSummary[]).find((p) => p.id === req.projectId)?.name
    : undefined;
  let offer = path.join(deps.defaultDir, safeFileName(name ?? 'maskroom-export', req.format));
  for (let round = 0; round < MAX_DIALOG_ROUNDS; round++) {
    const chosen = await deps.chooseFile(offer);
    if (!chosen) return { ok: true, value: { saved: false } };
    const typed = exportFormatFromPath(chosen);
    const format = typed ?? req.format;
    const file = typed ? chosen : `${chosen}${path.extname(safeFileName('x', format))}`;
    if (!typed && (await exists(file)) && !(await deps.confirmReplace(file))) {
      offer = file;
      continue;
    }
    // The quality was chosen for the requested format: another, lossless one typed in the dialog takes none
    // (a request that itself names a lossless format with a quality is refused by the export, as the CLI's).
    const { quality, ...rest } = req;
    const keep = format === req.format || format === 'jpeg' || format === 'webp';
    return await write(
      deps,
      { ...rest, format, ...(keep && quality !== undefined ? { quality } : {}) },
      file,
    );
  }
  return { ok: true, value: { saved: false } };
}

async function write(
  deps: SaveAsDeps,
  req: Parameters<WorkspaceApi['exportImageToFile']>[0],
  file: string,
): Promise<WireResult<{ saved: boolean }>> {
  try {
    await deps.exporter.exportImageToFile(req, file);
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
  return { ok: true, value: { saved: true } };
}
