/**
 * The app's batches (shared/contract.ts batch:*): "Apply to other photos…" runs the current edit across
 * photos the user adds. Each photo becomes its own project in the library (settings.libraryDir/<projectId>),
 * so a result can be opened like any project; the batch's own files (the photos as received, the masks, the
 * batch journal) live in libraryDir/.batches/<batchId>/. The work is runBatch's (run.ts): the same journal,
 * never paying twice, one shared rate limiter, bounded memory. Progress goes out as 'batch:progress'.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  BatchItemStatus,
  BatchState,
  CallRequestParsed as Req,
  MaskPayload,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { createEditApi } from '../edit-api';
import { SharedRateLimiter } from '../edit-api/limiter';
import type { EditApi, EditApiConfig } from '../edit-api/types';
import { encodeMaskPng } from '../imaging';
import { CLOSING } from '../pipeline';
import { newId, readManifest } from '../project';
import type { SettingsService } from '../settings';
import { editApiConfigFrom } from '../workspace';
import type { WorkspaceEvents } from '../workspace-types';
import { BatchJournal, type BatchSpec } from './journal';
import { knownCostPerEdit, planRows, runBatch, stemOf } from './run';

export interface BatchServiceOptions {
  settings: SettingsService;
  events: WorkspaceEvents;
  trustDownload?: (url: string) => () => void;
  /** Builds the edit client (tests inject one); it must use the limiter given. */
  editApiFactory?: (config: EditApiConfig, limiter: SharedRateLimiter) => EditApi;
}

interface Running {
  id: string;
  journal: BatchJournal;
  startedAt: string;
  /** itemId per row name, and which rows were started in the current run. */
  itemIds: Map<string, string>;
  started: Set<string>;
  kept: Map<string, boolean>;
  /** Rows sent again after a cut-off send (run.ts 'resent'): the service may charge for them twice. */
  resent: Set<string>;
  stopping: boolean;
  run: Promise<void> | null;
  costPerEdit: number | null;
}

export interface BatchApi {
  start(req: Req<'batch:start'>): Promise<BatchState>;
  cancel(req: Req<'batch:cancel'>): Promise<BatchState>;
  retryFailed(req: Req<'batch:retryFailed'>): Promise<BatchState>;
  keep(req: Req<'batch:keep'>): Promise<BatchState>;
  dispose(): Promise<void>;
}

/** A file name safe to use inside our folders: no path, no odd characters. */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^\w.\- ()]+/g, '_');
  return base && base !== '.' && base !== '..' ? base.slice(0, 120) : 'photo';
}

export class BatchService implements BatchApi {
  private readonly batches = new Map<string, Running>();
  private readonly limiter = new SharedRateLimiter();
  private readonly closing = new AbortController();

  constructor(private readonly o: BatchServiceOptions) {}

  private api(): EditApi {
    const config = editApiConfigFrom(this.o.settings);
    if (!config.apiKey)
      throw new AppError(
        'no-api-key',
        'No Segmind API key is set; add your key in Settings, then run the batch.',
      );
    return this.o.editApiFactory
      ? this.o.editApiFactory(config, this.limiter)
      : createEditApi(config, { trustDownload: this.o.trustDownload, limiter: this.limiter });
  }

  private get(batchId: string): Running {
    const b = this.batches.get(batchId);
    if (!b) throw new AppError('not-found', 'That batch is no longer open; start it again from the edit.');
    return b;
  }

  state(b: Running): BatchState {
    const rows = b.journal.rows;
    const items = rows.map((r) => {
      let status: BatchItemStatus;
      if (r.status === 'done') status = 'done';
      else if (r.status === 'failed') status = 'failed';
      else if (b.started.has(r.name) && b.run) status = r.status === 'accepted' ? 'accepted' : 'running';
      else status = b.stopping || !b.run ? 'cancelled' : 'queued';
      return {
        itemId: b.itemIds.get(r.name)!,
        name: r.name,
        status,
        projectId: path.basename(r.project),
        requestId: r.requestId,
        cost: r.cost,
        error: r.error,
        kept: b.kept.get(r.name) ?? true,
        ...(b.resent.has(r.name) ? { resent: true } : {}),
      };
    });
    const costs = rows.map((r) => r.cost).filter((c): c is number => typeof c === 'number');
    return {
      batchId: b.id,
      prompt: b.journal.spec.prompt,
      total: rows.length,
      done: items.filter((i) => i.status === 'done').length,
      failed: items.filter((i) => i.status === 'failed').length,
      running: items.filter((i) => i.status === 'running' || i.status === 'accepted').length,
      finished: !items.some((i) => ['queued', 'running', 'accepted'].includes(i.status)),
      cost: costs.length ? Math.round(costs.reduce((a, c) => a + c, 0) * 1e6) / 1e6 : null,
      costPerEdit: knownCostPerEdit(rows) ?? b.costPerEdit,
      startedAt: b.startedAt,
      items,
    };
  }

  private emit(b: Running): BatchState {
    const s = this.state(b);
    this.o.events.emit('batch:progress', s);
    return s;
  }

  /** Cost per edit the library's projects recorded (the service's own numbers), or null. */
  private async libraryCost(): Promise<number | null> {
    const lib = this.o.settings.get().libraryDir;
    const names = (await fs.readdir(lib).catch(() => [] as string[])).slice(0, 200);
    const costs: number[] = [];
    for (const n of names) {
      const m = await readManifest(path.join(lib, n)).catch(() => null);
      for (const l of m?.layers ?? []) if (typeof l.cost === 'number') costs.push(l.cost);
    }
    return costs.length ? costs.reduce((a, c) => a + c, 0) / costs.length : null;
  }

  async start(req: Req<'batch:start'>): Promise<BatchState> {
    const api = this.api();
    const lib = this.o.settings.get().libraryDir;
    const id = newId('b');
    const dir = path.join(lib, '.batches', id);
    await fs.mkdir(path.join(dir, 'photos'), { recursive: true });
    await fs.mkdir(path.join(dir, 'masks'), { recursive: true });
    const used = new Set<string>();
    const images: string[] = [];
    const own = req.photos.some((p) => p.mask);
    const shared = req.mask ? await maskPng(req.mask) : null;
    for (const p of req.photos) {
      let name = safeName(p.name);
      for (let k = 2; used.has(name.toLowerCase()); k++)
        name = `${stemOf(safeName(p.name))}-${k}${path.extname(safeName(p.name))}`;
      used.add(name.toLowerCase());
      const file = path.join(dir, 'photos', name);
      await fs.writeFile(file, p.photo);
      images.push(file);
      const m = p.mask ?? shared;
      if (!m)
        throw new AppError(
          'invalid-input',
          `${name} has no mask; use the current mask for all photos or give it its own.`,
        );
      if (own) await fs.writeFile(path.join(dir, 'masks', `${stemOf(name)}.png`), m);
    }
    if (!own) await fs.writeFile(path.join(dir, 'mask.png'), shared!);
    const s = this.o.settings.get();
    const spec: BatchSpec = {
      prompt: req.prompt,
      params: req.params,
      feather: req.feather ?? s.feather,
      colorMatch: s.colorMatch,
      references: [],
      mask: own
        ? { kind: 'folder', dir: path.join(dir, 'masks') }
        : { kind: 'one', file: path.join(dir, 'mask.png') },
      concurrency: req.concurrency,
    };
    const rows = planRows(path.join(dir, 'results'), spec, images).map((r) => ({
      ...r,
      project: path.join(lib, newId('p')),
    }));
    const journal = await BatchJournal.create(dir, spec, rows);
    const b: Running = {
      id,
      journal,
      startedAt: new Date().toISOString(),
      itemIds: new Map(rows.map((r) => [r.name, newId('i')])),
      started: new Set(),
      kept: new Map(),
      resent: new Set(),
      stopping: false,
      run: null,
      costPerEdit: await this.libraryCost(),
    };
    this.batches.set(id, b);
    this.launch(b, api);
    return this.state(b);
  }

  private launch(b: Running, api: EditApi): void {
    b.stopping = false;
    b.started.clear();
    b.run = runBatch(b.journal, {
      pipeline: { api, transport: this.o.settings.get().transport, mode: this.o.settings.get().mode },
      limiter: this.limiter,
      signal: this.closing.signal,
      shouldStop: () => b.stopping,
      exportResults: false,
      libraryIds: true,
      collectHow: 'choose Retry failed in the batch panel to collect it',
      maskWords: () =>
        b.journal.spec.mask.kind === 'one'
          ? {
              mask: 'The current mask',
              perPhotoHint: 'give that photo a mask of its own (A mask file for each photo) in a new batch',
            }
          : { mask: 'Its mask', perPhotoHint: "choose a mask of the photo's size or shape in a new batch" },
      onRow: (row, e) => {
        if (e === 'start') b.started.add(row.name);
        if (e === 'resent') b.resent.add(row.name);
        if (e === 'done' || e === 'failed') b.started.delete(row.name);
        this.emit(b);
      },
    }).then(
      () => {
        b.run = null;
        this.emit(b);
      },
      () => {
        b.run = null;
        this.emit(b);
      },
    );
  }

  async cancel(req: Req<'batch:cancel'>): Promise<BatchState> {
    const b = this.get(req.batchId);
    // Photos already sent finish (they are paid for); nothing new is sent.
    b.stopping = true;
    return this.emit(b);
  }

  async retryFailed(req: Req<'batch:retryFailed'>): Promise<BatchState> {
    const b = this.get(req.batchId);
    if (b.run) {
      // Every photo may be settled while the run is still winding down (its last report is out): wait for it.
      if (!this.state(b).finished)
        throw new AppError(
          'invalid-input',
          'The batch is still running; wait for it to finish, then retry the failed photos.',
        );
      await b.run;
    }
    this.launch(b, this.api());
    return this.emit(b);
  }

  async keep(req: Req<'batch:keep'>): Promise<BatchState> {
    const b = this.get(req.batchId);
    const row = b.journal.rows.find((r) => b.itemIds.get(r.name) === req.itemId);
    if (!row)
      throw new AppError('not-found', 'That photo is not part of this batch; reopen the batch panel.');
    if (!req.keep) {
      if (b.started.has(row.name))
        throw new AppError(
          'invalid-input',
          `${row.name} is still being edited; wait for it to finish, then remove it.`,
        );
      await fs.rm(row.project, { recursive: true, force: true });
    }
    b.kept.set(row.name, req.keep);
    return this.emit(b);
  }

  async dispose(): Promise<void> {
    this.closing.abort(CLOSING);
    await Promise.all([...this.batches.values()].map((b) => b.run));
  }
}

async function maskPng(m: MaskPayload): Promise<Uint8Array> {
  if (m.kind === 'png') return m.data;
  return encodeMaskPng({ width: m.width, height: m.height, data: m.data });
}
