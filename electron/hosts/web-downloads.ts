/**
 * The web host's Save As and drag-out: a browser page cannot write files, so both end in a download. The
 * page asks for one (the WEB_DOWNLOAD_CALL request, the 'export:image' request validated as that call is);
 * the host encodes the export straight into a file in its own private folder (the workspace's
 * exportImageToFile: streamed, never the whole file in memory, with the export's progress events) and
 * answers where to fetch it; the page then follows that link as a download, and the host streams the file
 * into the HTTP response from disk and removes it. Errors (a damaged layer, a full disk) reach the page as
 * one sentence before any download starts.
 *
 * Why not encode into the response itself: the TIFF writer fills in its first-IFD offset once the strips
 * are written (ExportSink.patch), which a response already sent cannot take, and a failure halfway would
 * reach the page only as a broken download, without its sentence.
 */
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { calls, type WireResult } from '../../shared/contract';
import { toWireError } from '../../shared/errors';
import { extensionOf, mimeOf } from '../../shared/formats';
import { describeZodError } from '../core/dispatch';
import type { WorkspaceApi } from '../core/workspace-types';

/** How long a prepared download waits to be fetched before its file is removed. */
export const DOWNLOAD_TTL_MS = 10 * 60_000;
/**
 * Prepared downloads kept at once: the page fetches each right after preparing it, so more waiting means
 * links never followed; the oldest goes first, so their files cannot pile up in the temporary folder.
 */
export const MAX_PENDING_DOWNLOADS = 4;

const ID = /^[0-9a-f]{32}$/;

interface Prepared {
  file: string;
  fileName: string;
  mime: string;
  timer: NodeJS.Timeout;
}

export class WebDownloads {
  private readonly prepared = new Map<string, Prepared>();
  private closed = false;

  private constructor(
    private readonly workspace: Pick<WorkspaceApi, 'exportImageToFile'>,
    /** This host's private folder (mode 700), one subfolder per download. */
    readonly dir: string,
  ) {}

  static async create(
    workspace: Pick<WorkspaceApi, 'exportImageToFile'>,
    tmp = os.tmpdir(),
  ): Promise<WebDownloads> {
    return new WebDownloads(workspace, await fs.mkdtemp(path.join(tmp, 'maskroom-downloads-')));
  }

  /** Exports into a new file; answers the link to fetch it from (relative to the page) and its name. */
  async prepare(request: unknown): Promise<WireResult<{ href: string; fileName: string }>> {
    const parsed = calls['export:image'].request.safeParse(request ?? {});
    if (!parsed.success)
      return {
        ok: false,
        error: { code: 'invalid-input', message: describeZodError('export', parsed.error) },
      };
    const req = parsed.data;
    const id = randomBytes(16).toString('hex');
    const folder = path.join(this.dir, id);
    let fileName = '';
    try {
      await fs.mkdir(folder);
      const { file } = await this.workspace.exportImageToFile(
        req,
        (name) => {
          fileName = name;
          // The name the user sees travels in the response header; on disk it is the same name (so the
          // progress and any error name the photo), kept to one component inside this download's folder.
          const base = path.basename(name);
          return path.join(
            folder,
            base && base !== '.' && base !== '..' ? base : `export.${extensionOf(req.format)}`,
          );
        },
        { temporary: true },
      );
      if (this.closed) {
        await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
        return {
          ok: false,
          error: {
            code: 'cancelled',
            message: 'Maskroom is closing, so the export was not kept; export again after restarting it.',
          },
        };
      }
      const timer = setTimeout(() => void this.drop(id), DOWNLOAD_TTL_MS);
      timer.unref();
      while (this.prepared.size >= MAX_PENDING_DOWNLOADS) {
        const oldest = this.prepared.keys().next().value as string;
        await this.drop(oldest);
      }
      this.prepared.set(id, { file, fileName, mime: mimeOf(req.format), timer });
      return { ok: true, value: { href: `./download/${id}`, fileName } };
    } catch (e) {
      await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
      return { ok: false, error: toWireError(e) };
    }
  }

  /**
   * Answers GET /download/<id>: the file as an attachment, streamed from disk, then removed (a link works
   * once). False when there is no such download (the caller answers 404).
   */
  async serve(id: string, res: http.ServerResponse, head = false): Promise<boolean> {
    const p = ID.test(id) ? this.prepared.get(id) : undefined;
    if (!p) return false;
    if (!head) this.prepared.delete(id);
    try {
      const { size } = await fs.stat(p.file);
      const ascii = p.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
      res.writeHead(200, {
        'content-type': p.mime,
        'content-length': size,
        'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(p.fileName)}`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      if (head) {
        res.end();
        return true;
      }
      await pipeline(createReadStream(p.file), res).catch(() => res.destroy());
    } finally {
      if (!head) await this.remove(id, p);
    }
    return true;
  }

  private async drop(id: string): Promise<void> {
    const p = this.prepared.get(id);
    this.prepared.delete(id);
    if (p) await this.remove(id, p);
  }

  private async remove(id: string, p: Prepared): Promise<void> {
    clearTimeout(p.timer);
    await fs.rm(path.join(this.dir, id), { recursive: true, force: true }).catch(() => undefined);
  }

  /** Removes every file not yet fetched and the folder. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.prepared.values()) clearTimeout(p.timer);
    this.prepared.clear();
    await fs.rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
