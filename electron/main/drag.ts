/**
 * Drag-out: the renderer asks (DRAG_CHANNEL) for the image of a project; main encodes the export (the request
 * validated as the 'export:image' call is) straight into a file in a temporary folder it owns, never holding
 * the encoded file in memory, then starts a native drag of that file. The renderer never sees or names the
 * path.
 */
import path from 'node:path';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Item as DragItem } from 'electron';
import { calls, type WireResult } from '../../shared/contract';
import { AppError, toWireError } from '../../shared/errors';
import { extensionOf, type ExportFormatId } from '../../shared/formats';
import type { WorkspaceApi } from '../core/workspace-types';
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
  /** Writes the export into a file as it is encoded (the workspace's exportImageToFile). */
  exporter: Pick<WorkspaceApi, 'exportImageToFile'>;
  /** The folder main owns for drag files (removed at quit). */
  dir: string;
  /** Makes the drag image; main builds a nativeImage from a small preview of the file. */
  icon: (file: string) => Promise<DragItem['icon']>;
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
  const req = parsed.data;
  const folder = path.join(deps.dir, randomBytes(6).toString('hex'));
  let file: string;
  try {
    await fsp.mkdir(folder, { recursive: true });
    // Named as the export names it (<photo>-edited.<ext>), inside this drag's own folder.
    ({ file } = await deps.exporter.exportImageToFile(
      req,
      (fileName) => {
        const f = path.join(folder, safeFileName(fileName, req.format));
        if (!isInside(deps.dir, f))
          throw new AppError('internal', 'Maskroom could not prepare the file to drag; try again.');
        return f;
      },
      { temporary: true },
    ));
  } catch (e) {
    await fsp.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    return { ok: false, error: toWireError(e) };
  }
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
