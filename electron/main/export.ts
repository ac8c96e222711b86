/** The Export As… dialog's file types, the format a chosen file name asks for, and Save As itself. */
import path from 'node:path';
import { calls, type ExportFormat, type ProjectSummary, type WireResult } from '../../shared/contract';
import type { HandlerTable } from '../core/handlers';
import { dispatch } from '../core/dispatch';
import { writeFileAtomic } from '../core/fs-atomic';
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
  writeFile?: (file: string, data: Uint8Array) => Promise<void>;
}

/**
 * Save As: ask where (the dialog starts at <Pictures>/<photo name>.<ext>), export through the handler table
 * (same validation as any call), write the file atomically. The extension the user types wins over the
 * requested format; a name without a known extension gets the requested format's. The renderer never
 * names the path.
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
  const chosen = await deps.chooseFile(
    path.join(deps.defaultDir, safeFileName(name ?? 'maskroom-export', req.format)),
  );
  if (!chosen) return { ok: true, value: { saved: false } };
  const typed = exportFormatFromPath(chosen);
  const format = typed ?? req.format;
  const file = typed ? chosen : `${chosen}${path.extname(safeFileName('x', format))}`;
  const res = await dispatch(deps.table, 'export:image', { ...req, format });
  if (!res.ok) return res;
  await (deps.writeFile ?? writeFileAtomic)(file, (res.value as { data: Uint8Array }).data);
  return { ok: true, value: { saved: true } };
}
