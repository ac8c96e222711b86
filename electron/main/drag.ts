/**
 * Drag-out: the renderer asks (DRAG_CHANNEL) for the image of a project; main exports it through the
 * handler table's 'export:image' (same validation as any call) into a temporary folder it owns, then
 * starts a native drag of that file. The renderer never sees or names the path.
 */
import path from 'node:path';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Item as DragItem } from 'electron';
import { calls, type WireResult } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { extensionOf, type ExportFormatId } from '../../shared/formats';
import type { HandlerTable } from '../core/handlers';
import { dispatch } from '../core/dispatch';
import { isInside } from './protocol';

export const DragRequest = calls['export:image'].request
  .pick({ projectId: true, format: true, layerId: true })
  .strict();

/** A file name safe on every OS, with the right extension for the format. */
export function safeFileName(name: string, format: ExportFormatId): string {
  const ext = extensionOf(format);
  const base = path
    .basename(name.replace(/\\/g, '/'))
    .replace(/\.[^.]*$/, '')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  const reserved = /^(con|prn|aux|nul|com\d|lpt\d)$/i.test(base);
  return `${base && !reserved ? base : 'maskroom-export'}.${ext}`;
}

export interface DragDeps {
  table: HandlerTable;
  /** The folder main owns for drag files (removed at quit). */
  dir: string;
  /** Makes the drag image; main builds a nativeImage from a small preview of the file. */
  icon: (file: string) => Promise<DragItem['icon']>;
  writeFile?: (file: string, data: Uint8Array) => Promise<void>;
}

export interface DragSender {
  startDrag(item: DragItem): void;
}

/** Runs one drag-out: export, write into `dir`, start the drag. Returns what the renderer is told. */
export async function dragOut(
  deps: DragDeps,
  sender: DragSender,
  request: unknown,
): Promise<WireResult<{ ok: true }>> {
  const parsed = DragRequest.safeParse(request);
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'invalid-input', message: 'The drag-out request was not valid; drag the image again.' },
    };
  }
  const res = await dispatch(deps.table, 'export:image', parsed.data);
  if (!res.ok) return res;
  const value = res.value as { fileName: string; data: Uint8Array };
  const folder = path.join(deps.dir, randomBytes(6).toString('hex'));
  const file = path.join(folder, safeFileName(value.fileName, parsed.data.format));
  if (!isInside(deps.dir, file))
    throw new AppError('internal', 'Maskroom could not prepare the file to drag; try again.');
  await fsp.mkdir(folder, { recursive: true });
  await (deps.writeFile ?? ((f, d) => fsp.writeFile(f, d)))(file, value.data);
  sender.startDrag({ file, icon: await deps.icon(file) });
  return { ok: true, value: { ok: true } };
}

/**
 * A fresh private folder for this run's drag files (fs.mkdtemp: an unpredictable name, mode 700), so no
 * other local user can plant or swap a file at a name Maskroom would hand to the OS.
 */
export async function createDragDir(tmp = os.tmpdir()): Promise<string> {
  await fsp.mkdir(tmp, { recursive: true });
  return fsp.mkdtemp(path.join(tmp, 'maskroom-drag-'));
}
