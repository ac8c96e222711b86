/**
 * The workspace behind the app: projects in the library folder (settings.libraryDir/<projectId>/), edits
 * through the pipeline as jobs with progress events, layers, rendering and export. One method per project
 * call in shared/contract.ts (the handler table delegates to it).
 *
 * - Jobs: each edit:run starts `variations` jobs with one groupId; each reports job:progress on every state
 *   change and ends done / failed / cancelled. Every finished result becomes a layer (a paid result is
 *   never thrown away); within a group only one layer is visible at a time (layer:choose picks it).
 * - Opening a project resumes the edits it journaled (a crash or a quit during the wait). A job whose result
 *   could not be collected fails with `error.collect` set; 'edit:collect' tries it again (never re-submits).
 * - A project on a read-only disk or folder opens read-only: it can be viewed and exported, not changed.
 * - A new project is made only from a photo that decodes: a damaged photo leaves nothing in the library.
 * - Closing or disposing aborts the waits with reason 'closing': their journal entries stay, for next time.
 * - Long work reports 'task:progress' (task-progress.ts): the first image of an opened project that has to
 *   apply its layers ('open'; later ones 'render'), export ('export': read, flatten, encode, write) and save
 *   back ('save-back'); every task ends with a 'done' or 'failed' event.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type {
  CallRequestParsed as Req,
  CallResponse,
  DroppedEdit,
  JobState,
  JobStatus,
  ProjectState,
  ProjectSummary,
  RenderedImage,
  TaskKind,
} from '../../shared/contract';
import { AppError, isAppError, toWireError } from '../../shared/errors';
import { damagedLayerFix } from './damaged-layer-fix';
import type { EditApi, EditApiConfig } from './edit-api/types';
import { createEditApi } from './edit-api';
import {
  exportImage,
  exportImageToFile,
  loadPhoto,
  maskFromPayload,
  renderPreview,
  writeStreamedFile,
  type Photo,
} from './imaging';
import { maskFromFile } from './imaging/mask';
import {
  ProjectStore,
  readManifest,
  newId,
  referenceFilesOf,
  type DroppedEntry,
  type JournalEntry,
} from './project';
import {
  CLOSING,
  ProjectSession,
  isCollectableError,
  resumeJob,
  runEdit,
  type PipelineDeps,
} from './pipeline';
import type { SettingsService } from './settings';
import type { WorkspaceApi, WorkspaceEvents } from './workspace-types';
import { extensionOf, formatById, mimeOf } from '../../shared/formats';
import {
  checkSaveBack,
  readSource,
  recordSource,
  saveBack,
  sourceAt,
  sourceChanged,
  writeOverSource,
} from './save-back';
import { exportLayeredPsd, writeLayeredPsdOf } from './export-layered';
import { exportFileError, type ExportFileOptions } from './export-file';
import { projectFileOwner } from './inside-project';
import { TaskReporter, flattenProgress, flattening, type FlattenListener } from './task-progress';

export interface WorkspaceOptions {
  settings: SettingsService;
  events: WorkspaceEvents;
  /** Builds the edit client from the current settings (tests inject a fake). */
  editApiFactory?: (config: EditApiConfig) => EditApi;
  /** Clock for elapsed seconds (tests). */
  now?: () => number;
  /** Resume journaled edits when a project is opened (default true). */
  resumeOnOpen?: boolean;
  /** The host's network guard grants one result download through this (see electron/core/network-guard.ts). */
  trustDownload?: (url: string) => () => void;
}

interface Job {
  status: JobStatus;
  controller: AbortController;
  started: number;
  done: Promise<void>;
}

export function editApiConfigFrom(settings: SettingsService): EditApiConfig {
  const s = settings.get();
  return {
    apiKey: settings.apiKey(),
    apiBase: s.apiBase,
    storageBase: s.storageBase,
    transport: s.transport,
    mode: s.mode,
    deadlineMs: s.timeoutSeconds * 1000,
  };
}

export function createWorkspace(opts: WorkspaceOptions): WorkspaceApi {
  return new Workspace(opts);
}

class Workspace implements WorkspaceApi {
  private readonly sessions = new Map<string, Promise<ProjectSession>>();
  private readonly jobs = new Map<string, Job>();
  private readonly now: () => number;
  private readonly factory: (config: EditApiConfig) => EditApi;
  /** Runs again of edits cut off while being sent that are starting, by project/job. */
  private readonly retrying = new Map<string, Promise<CallResponse<'edit:retryDropped'>>>();
  /** Sessions that have rendered an image: their first render is reported as the 'open' task. */
  private readonly shown = new WeakSet<ProjectSession>();

  constructor(private readonly o: WorkspaceOptions) {
    this.now = o.now ?? (() => Date.now());
    this.factory = o.editApiFactory ?? ((c) => createEditApi(c, { trustDownload: o.trustDownload }));
  }

  private get libraryDir(): string {
    return this.o.settings.get().libraryDir;
  }

  private dirOf(projectId: string): string {
    return path.join(this.libraryDir, projectId);
  }

  /** One edit client per distinct configuration (it pools connections and remembers uploads). */
  private client: { sig: string; api: EditApi } | null = null;

  private deps(): PipelineDeps {
    const config = editApiConfigFrom(this.o.settings);
    const sig = JSON.stringify(config);
    if (!this.client || this.client.sig !== sig) this.client = { sig, api: this.factory(config) };
    return { api: this.client.api, transport: config.transport, mode: config.mode };
  }

  private async session(projectId: string): Promise<ProjectSession> {
    const s = this.sessions.get(projectId);
    if (!s) throw new AppError('not-found', 'That project is not open; open it from the library first.');
    return s;
  }

  private stateOf(session: ProjectSession): ProjectState {
    const jobs = [...this.jobs.values()]
      .filter((j) => j.status.projectId === session.store.id)
      .map((j) => ({ ...j.status }));
    const state = session.store.state(jobs);
    // An edit cut off while being sent is told until it is run again or dismissed (not while it runs again).
    const dropped = session.store.droppedJobs().filter((d) => d.retriedAs === null);
    return dropped.length > 0 ? { ...state, droppedEdits: dropped.map(droppedEditOf) } : state;
  }

  private changed(session: ProjectSession): ProjectState {
    const state = this.stateOf(session);
    this.o.events.emit('project:changed', state);
    return state;
  }

  async listProjects(): Promise<ProjectSummary[]> {
    const names = await fs.readdir(this.libraryDir).catch(() => [] as string[]);
    const out: ProjectSummary[] = [];
    for (const n of names) {
      try {
        const m = await readManifest(path.join(this.libraryDir, n));
        if (m.id !== n) continue;
        out.push({
          id: m.id,
          name: m.name,
          width: m.original.width,
          height: m.original.height,
          layerCount: m.layers.length,
          updatedAt: m.updatedAt,
        });
      } catch {
        // Not a project (or a damaged one): opening it says why; the list just leaves it out.
      }
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async createProject(req: Req<'project:create'>): Promise<ProjectState> {
    // Decode the whole photo first (a truncated file passes a header check): nothing is made from a bad one.
    const info = await loadPhoto(req.photo, undefined, req.name);
    const id = newId('p');
    await fs.mkdir(this.libraryDir, { recursive: true });
    let store: ProjectStore;
    try {
      store = await ProjectStore.create(this.dirOf(id), {
        photo: req.photo,
        name: req.name,
        width: info.width,
        height: info.height,
        format: info.format,
        id,
      });
    } catch (e) {
      // The store took back its files; the project's own folder goes too (only if it is empty).
      await fs.rmdir(this.dirOf(id)).catch(() => undefined);
      throw e;
    }
    const session = newSession(store);
    this.sessions.set(id, Promise.resolve(session));
    return this.stateOf(session);
  }

  async openProject(req: Req<'project:open'>): Promise<ProjectState> {
    let p = this.sessions.get(req.projectId);
    if (!p) {
      p = openStore(this.dirOf(req.projectId)).then(newSession);
      this.sessions.set(req.projectId, p);
      p.catch(() => this.sessions.delete(req.projectId));
      const session = await p;
      // Without a key there is nothing to resume with yet: the journal waits for the next open.
      if (this.o.resumeOnOpen !== false && this.o.settings.apiKey() && !session.store.readOnly) {
        for (const entry of await session.store.pendingJobs()) this.startResume(session, entry);
      }
    }
    return this.stateOf(await p);
  }

  async closeProject(req: Req<'project:close'>): Promise<{ ok: true }> {
    const p = this.sessions.get(req.projectId);
    if (!p) return { ok: true };
    const session = await p;
    const mine = [...this.jobs.values()].filter((j) => j.status.projectId === req.projectId);
    for (const j of mine) j.controller.abort(CLOSING);
    await Promise.all(mine.map((j) => j.done));
    this.sessions.delete(req.projectId);
    await session.persistCache().catch(() => false);
    await session.close();
    return { ok: true };
  }

  async render(req: Req<'image:render'>): Promise<RenderedImage> {
    const session = await this.session(req.projectId);
    const t = req.target;
    if (t.kind === 'thumbnail') {
      const damaged = session.store.damaged(t.layerId);
      if (damaged)
        throw new AppError(
          'damaged-layer',
          `This layer cannot be shown because ${damaged}; ${damagedLayerFix(damaged)}.`,
        );
      const data = asBytes(await session.store.readLayerFile(t.layerId, 'thumb'));
      const meta = await sharp(data).metadata();
      return {
        data,
        mime: `image/${meta.format === 'jpeg' ? 'jpeg' : (meta.format ?? 'webp')}`,
        width: meta.width ?? 1,
        height: meta.height ?? 1,
      };
    }
    if (t.kind === 'patch') return this.renderPatch(session, t.layerId, req.maxSize);
    // Shown as a task only once it applies layers (a preview from cache/ is quick and says nothing).
    const kind: TaskKind = this.shown.has(session) ? 'render' : 'open';
    const task = this.task(session, kind, 1, { silentUntilStep: true });
    const onFlatten: FlattenListener = (applied, total) => {
      task.setTotal(total + 1);
      if (applied < total) task.step('flatten', applied, appliedLabel(applied, total));
      else task.step('encode', total, 'Drawing the image');
    };
    const image = await this.asTask(task, onFlatten, async (): Promise<RenderedImage> => {
      if (req.maxSize) {
        // A screen-sized preview, from cache/ when this state was shown before: no full decode on open.
        const p = await session.preview(t, req.maxSize);
        return { data: asBytes(p.data), mime: 'image/jpeg', width: p.width, height: p.height };
      }
      const photo =
        t.kind === 'original'
          ? await session.originalPhoto()
          : t.kind === 'layer'
            ? await session.upTo(t.layerId)
            : await session.current();
      const data = asBytes(await renderPreview(photo));
      return { data, mime: 'image/jpeg', width: photo.width, height: photo.height };
    });
    this.shown.add(session);
    return image;
  }

  /**
   * A layer's own pixels over its rect, in sRGB with its mask as alpha (PNG): the canvas pastes it over the
   * image it shows as soon as the layer lands, instead of waiting for the whole image to be rendered again.
   */
  private async renderPatch(
    session: ProjectSession,
    layerId: string,
    maxSize?: number,
  ): Promise<RenderedImage> {
    const layer = session.store.layer(layerId);
    const damaged = session.store.damaged(layerId);
    if (damaged)
      throw new AppError(
        'damaged-layer',
        `This layer cannot be shown because ${damaged}; ${damagedLayerFix(damaged)}.`,
      );
    const [patch, original] = await Promise.all([session.patchOf(layer), session.originalPhoto()]);
    const photo: Photo = {
      width: patch.rect.width,
      height: patch.rect.height,
      channels: 4,
      depth: patch.depth,
      pixels: patch.rgba,
      icc: original.icc,
      exif: null,
      format: 'patch',
    };
    const data = asBytes(await renderPreview(photo, maxSize, 'png'));
    const k = Math.min(1, (maxSize ?? Infinity) / Math.max(photo.width, photo.height));
    return {
      data,
      mime: 'image/png',
      width: Math.max(1, Math.round(photo.width * k)),
      height: Math.max(1, Math.round(photo.height * k)),
    };
  }

  private task(
    session: ProjectSession,
    task: TaskKind,
    total: number,
    o: { silentUntilStep?: boolean } = {},
  ): TaskReporter {
    return new TaskReporter({
      taskId: newId('t'),
      projectId: session.store.id,
      task,
      total,
      emit: (p) => this.o.events.emit('task:progress', p),
      now: this.now,
      ...o,
    });
  }

  /**
   * Runs work as a task: the flattens it starts report to `onFlatten`, and its last event ('done', or
   * 'failed' when the work throws) always goes out.
   */
  private async asTask<T>(
    task: TaskReporter,
    onFlatten: FlattenListener,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      const value = await flattening.run(onFlatten, work);
      task.finish('done', 'Done');
      return value;
    } catch (e) {
      task.finish('failed', 'Stopped');
      throw e;
    }
  }

  /**
   * The steps of an export or save back over `layers` layers: reading (1), applying each layer (a prefix
   * the session already holds counts as applied at once), then the stages after the flatten. Returns the
   * flatten listener and the step number the flatten ends at.
   */
  private flattenSteps(task: TaskReporter, layers: number, after?: { stage: 'encode'; label: string }) {
    const onFlatten: FlattenListener = (applied, total) => {
      const done = 1 + Math.max(0, layers - total) + applied;
      if (applied < total || !after) task.step('flatten', done, appliedLabel(applied, total));
      else task.step(after.stage, done, after.label);
    };
    return { onFlatten, flattened: 1 + layers };
  }

  async runEdit(req: Req<'edit:run'>): Promise<CallResponse<'edit:run'>> {
    const session = await this.session(req.projectId);
    const store = session.store;
    const mask = await maskFromPayload(req.mask, store.width, store.height);
    const s = this.o.settings.get();
    const deps = this.deps();
    const groupId = newId('g');
    const jobIds: string[] = [];
    for (let i = 0; i < req.variations; i++) {
      const jobId = newId('j');
      jobIds.push(jobId);
      this.startJob(session, jobId, groupId, req.prompt, undefined, (signal, onState) =>
        runEdit(
          session,
          {
            prompt: req.prompt,
            params: req.params,
            feather: req.feather ?? s.feather,
            colorMatch: s.colorMatch,
            mask,
            references: req.references,
            jobId,
            groupId: req.variations > 1 ? groupId : null,
            signal,
          },
          deps,
          { onState, onCredits: (remaining) => this.o.events.emit('credits:changed', { remaining }) },
        ),
      );
    }
    return { groupId, jobIds };
  }

  private startResume(session: ProjectSession, entry: JournalEntry): void {
    const deps = this.deps();
    this.startJob(
      session,
      entry.jobId,
      entry.groupId ?? newId('g'),
      entry.prompt,
      entry.requestId ?? undefined,
      (signal, onState) =>
        resumeJob(session, entry, deps, {
          signal,
          onState,
          onCredits: (remaining) => this.o.events.emit('credits:changed', { remaining }),
        }),
    );
  }

  private startJob(
    session: ProjectSession,
    jobId: string,
    groupId: string,
    prompt: string,
    requestId: string | undefined,
    work: (
      signal: AbortSignal,
      onState: (state: JobState, info: { requestId?: string }) => void,
    ) => Promise<{ id: string }>,
  ): void {
    const controller = new AbortController();
    const started = this.now();
    const status: JobStatus = {
      jobId,
      projectId: session.store.id,
      groupId,
      state: 'preparing',
      elapsedSeconds: 0,
      prompt,
      ...(requestId ? { requestId } : {}),
    };
    const emit = (state: JobState, extra: Partial<JobStatus> = {}) => {
      Object.assign(status, extra, { state, elapsedSeconds: Math.max(0, (this.now() - started) / 1000) });
      this.o.events.emit('job:progress', { ...status });
    };
    const job: Job = { status, controller, started, done: Promise.resolve() };
    this.jobs.set(jobId, job);
    job.done = (async () => {
      try {
        const layer = await work(controller.signal, (state, info) => {
          // 'done' is reported below, once the layer is in the project state.
          if (state !== 'done') emit(state, info.requestId ? { requestId: info.requestId } : {});
        });
        this.jobs.delete(jobId);
        emit('done', { layerId: layer.id });
        this.changed(session);
      } catch (e) {
        this.jobs.delete(jobId);
        const error = toWireError(e);
        emit(error.code === 'cancelled' || controller.signal.aborted ? 'cancelled' : 'failed', { error });
        this.changed(session);
      }
    })();
    emit('preparing');
  }

  /**
   * Runs an edit that was cut off while being sent (dropped/: journaled, never answered) again, as a new job
   * with its prompt, parameters, feather, colour match, mask and reference images (kept with it; none when
   * they were not, which its notice says). The
   * record stays, marked with the new job, until the service answers that job (then the job is the edit and
   * the record goes) or the job fails before that (the record is offered again). If the app stops while the
   * new job is being sent, the next open keeps the one record (ProjectStore's tidyJournal).
   */
  async retryDropped(req: Req<'edit:retryDropped'>): Promise<CallResponse<'edit:retryDropped'>> {
    // A second click while the first is still starting gets the same job, not a second paid edit.
    const key = `${req.projectId}/${req.jobId}`;
    const starting = this.retrying.get(key);
    if (starting) return starting;
    const p = this.startRetry(req).finally(() => this.retrying.delete(key));
    this.retrying.set(key, p);
    return p;
  }

  private async startRetry(req: Req<'edit:retryDropped'>): Promise<CallResponse<'edit:retryDropped'>> {
    const session = await this.session(req.projectId);
    const store = session.store;
    store.checkWritable();
    const d = store.droppedJob(req.jobId);
    const running = d.retriedAs ? this.jobs.get(d.retriedAs) : undefined;
    if (running) return { groupId: running.status.groupId, jobIds: [running.status.jobId] };
    const mask = await maskFromFile(await store.readDroppedMask(d.jobId), store.width, store.height);
    const references = await store.readDroppedReferences(d.jobId);
    const deps = this.deps();
    const jobId = newId('j');
    const groupId = d.groupId ?? newId('g');
    await store.setDroppedRetry(d.jobId, jobId);
    let answered = false;
    const forget = () => {
      answered = true;
      return store.removeDropped(d.jobId).catch(() => undefined);
    };
    this.startJob(session, jobId, groupId, d.prompt, undefined, (signal, onState) =>
      runEdit(
        session,
        {
          prompt: d.prompt,
          params: d.params,
          feather: d.feather,
          colorMatch: d.colorMatch,
          mask,
          references,
          jobId,
          groupId,
          signal,
        },
        deps,
        {
          onState: (state, info) => {
            // Taken by the service: it named a request id, or (a service naming none) the result is saved in
            // the journal by the time compositing starts. Either way that job is the edit now.
            if ((info.requestId || state === 'compositing') && !answered) void forget();
            onState(state, info);
          },
          onCredits: (remaining) => this.o.events.emit('credits:changed', { remaining }),
        },
      ).then(
        async (layer) => {
          if (!answered) await forget();
          return layer;
        },
        async (e: unknown) => {
          // Kept for collecting (the service took it: a request id, or a result saved in the journal, which
          // a service naming no request id gives only with the result): that job is the edit now, and the
          // record goes. Never answered: nothing more is known than before, and the notice comes back.
          if (!answered) {
            if (isCollectableError(e)) await forget();
            else await store.setDroppedRetry(d.jobId, null).catch(() => undefined);
          }
          throw e;
        },
      ),
    );
    this.changed(session);
    return { groupId, jobIds: [jobId] };
  }

  /** Forgets an edit that was cut off while being sent (its record and mask); one already gone is fine. */
  async dismissDropped(req: Req<'edit:dismissDropped'>): Promise<ProjectState> {
    const session = await this.session(req.projectId);
    session.store.checkWritable();
    await session.store.removeDropped(req.jobId);
    return this.changed(session);
  }

  /** Collects the result of a journaled edit (from the saved bytes when present); never submits it again. */
  async collectEdit(req: Req<'edit:collect'>): Promise<{ ok: true }> {
    const session = await this.session(req.projectId);
    if (this.jobs.has(req.jobId)) return { ok: true }; // already being collected: its events will tell
    const entry = await session.store.job(req.jobId);
    if (!entry || session.store.hasLayer(entry.layerId)) {
      throw new AppError(
        'not-found',
        'There is no result left to collect for that edit (it may already be in the history); refresh the history.',
      );
    }
    session.store.checkWritable();
    this.startResume(session, entry);
    return { ok: true };
  }

  async cancelEdit(req: Req<'edit:cancel'>): Promise<{ ok: true }> {
    const job = this.jobs.get(req.jobId);
    if (!job) throw new AppError('not-found', 'That edit is no longer running; it may have just finished.');
    job.controller.abort('cancel');
    return { ok: true };
  }

  async setLayerVisible(req: Req<'layer:setVisible'>): Promise<ProjectState> {
    const session = await this.session(req.projectId);
    await session.store.setVisible(req.layerId, req.visible);
    return this.changed(session);
  }

  async revertTo(req: Req<'layer:revertTo'>): Promise<ProjectState> {
    const session = await this.session(req.projectId);
    await session.store.revertTo(req.layerId);
    return this.changed(session);
  }

  async deleteLayer(req: Req<'layer:delete'>): Promise<ProjectState> {
    const session = await this.session(req.projectId);
    await session.store.deleteLayer(req.layerId);
    return this.changed(session);
  }

  async chooseLayer(req: Req<'layer:choose'>): Promise<ProjectState> {
    const session = await this.session(req.projectId);
    await session.store.choose(req.layerId);
    return this.changed(session);
  }

  async exportImage(req: Req<'export:image'>): Promise<CallResponse<'export:image'>> {
    const { session, fileName } = await this.exportable(req);
    const data = await this.exportTask(session, req, fileName, false, async (photo, onProgress) => {
      // Layered: the original, one layer per visible edit with its mask, the flattened composite.
      if (!photo) {
        const opts = { ...(req.layerId ? { upTo: req.layerId } : {}), onProgress };
        return asBytes((await exportLayeredPsd(session, opts)).data);
      }
      return asBytes(
        await exportImage(photo, {
          format: req.format,
          ...(req.quality ? { quality: req.quality } : {}),
          onProgress,
        }),
      );
    });
    return { fileName, mime: mimeOf(req.format), data };
  }

  async exportImageToFile(
    req: Req<'export:image'>,
    target: string | ((fileName: string) => string),
    o: ExportFileOptions = {},
  ): Promise<{ file: string; bytes: number }> {
    const { session, fileName } = await this.exportable(req);
    const file = typeof target === 'string' ? target : target(fileName);
    const owner = await projectFileOwner(file);
    if (owner)
      throw new AppError(
        'invalid-input',
        `${path.basename(file)} is one of the own files of the project in ${owner} (its original photo, manifest, layers or history), so Maskroom did not write it; choose another name or folder.`,
      );
    const upTo = req.layerId ? { upTo: req.layerId } : {};
    try {
      // Saved over the photo the project was made from (the user chose it in the dialog, which asked before
      // replacing it): the project's record of that file follows, so Save back does not take Maskroom's own
      // export for a change made by another program.
      const onto = await sourceAt(session.store.dir, file);
      const source = onto?.replaced ? onto.source : null;
      // Encoded straight into a temporary file beside `file`, flushed, renamed over it: the encoded file is
      // never in memory, and a failure leaves the old file (or none), never a torn one.
      const encode =
        (photo: Photo | null, onProgress: (done: number, total: number) => void) =>
        (beforeRename?: (tmp: string) => Promise<void>) =>
          photo
            ? exportImageToFile(
                photo,
                { format: req.format, ...(req.quality ? { quality: req.quality } : {}), onProgress },
                file,
                beforeRename ? { beforeRename } : {},
              )
            : writeStreamedFile(
                file,
                (sink) => writeLayeredPsdOf(session, sink, { ...upTo, onProgress }),
                undefined,
                (sink) => writeLayeredPsdOf(session, sink, upTo),
                beforeRename,
              );
      const bytes = await this.exportTask(session, req, path.basename(file), true, (photo, onProgress) =>
        source
          ? // A record that cannot be written leaves Save As a plain export, as onto any other file.
            writeOverSource(session.store.dir, source, { format: req.format }, encode(photo, onProgress), {
              unrecorded: () => undefined,
            })
          : encode(photo, onProgress)(),
      );
      return { file, bytes };
    } catch (e) {
      throw exportFileError(e, file, o) ?? e;
    }
  }

  /** The session of an export's project, once its visible layers can all be read, and the file's name. */
  private async exportable(req: Req<'export:image'>): Promise<{ session: ProjectSession; fileName: string }> {
    // Only the JPEG and WebP encoders take a quality; PNG, TIFF and PSD are written losslessly. A quality
    // for them is refused, as the CLI's --quality is, rather than ignored without a word.
    if (req.quality !== undefined && req.format !== 'jpeg' && req.format !== 'webp')
      throw new AppError(
        'invalid-input',
        `A quality applies to JPEG and WebP exports only; export the ${formatById(req.format)?.label ?? req.format} without one (it is written losslessly).`,
      );
    const session = await this.session(req.projectId);
    const [bad] = session.damagedVisible();
    if (bad) {
      throw new AppError(
        'damaged-layer',
        `Layer ${bad.position} ("${bad.layer.prompt}") cannot be exported because ${bad.reason}; ${damagedLayerFix(bad.reason)}, or hide that layer to export without it.`,
      );
    }
    const base =
      session.store.name
        .replace(/\.[A-Za-z0-9]{1,5}$/, '')
        .replace(/[^\w .-]+/g, '_')
        .trim() || 'maskroom';
    return { session, fileName: `${base}-edited.${extensionOf(req.format)}` };
  }

  /**
   * An export as a task: reads the image (none for the layered PSD, which gathers its stack itself) and runs
   * `encode` with the encoder's progress. Steps: read, one per layer to apply, ENCODE_STEPS for the encode
   * (moved by the encoder's own progress), write: handing the file to the host, or, `toFile`, flushing and
   * renaming the file the encoder wrote as it went (from the moment the encoder reports it complete).
   */
  private exportTask<T>(
    session: ProjectSession,
    req: Req<'export:image'>,
    fileName: string,
    toFile: boolean,
    encode: (photo: Photo | null, onProgress: (done: number, total: number) => void) => Promise<T>,
  ): Promise<T> {
    const layers = req.layerId ? stackSize(session, req.layerId) : session.usableVisible().length;
    const task = this.task(session, 'export', layers + ENCODE_STEPS + 2);
    const psd = req.format === 'psd';
    const encodeLabel = psd
      ? 'Encoding the layered PSD'
      : `Encoding the ${formatById(req.format)?.label ?? req.format}`;
    // The layered PSD flattens inside its encoder: the end of the flatten is the start of the encode.
    const { onFlatten, flattened } = this.flattenSteps(
      task,
      layers,
      psd ? { stage: 'encode', label: encodeLabel } : undefined,
    );
    const writing = () => task.step('write', flattened + ENCODE_STEPS, `Writing ${fileName}`);
    const onProgress = (done: number, total: number) => {
      if (toFile && done >= total) return writing();
      task.step('encode', flattened + Math.floor((ENCODE_STEPS * done) / Math.max(1, total)), encodeLabel);
    };
    return this.asTask(task, onFlatten, async () => {
      task.step('read', 0, 'Reading the photo and its layers');
      let photo: Photo | null = null;
      if (!psd) {
        photo = req.layerId ? await session.upTo(req.layerId) : await session.current();
        task.step('encode', flattened, encodeLabel);
      }
      const value = await encode(photo, onProgress);
      writing();
      return value;
    });
  }

  async saveBack(req: Req<'export:saveBack'>): Promise<CallResponse<'export:saveBack'>> {
    const session = await this.session(req.projectId);
    const dir = session.store.dir;
    const check = await checkSaveBack(dir);
    if (check.status === 'changed-on-disk' && !req.overwriteChanged)
      return { status: 'changed-on-disk', fileName: path.basename(check.source.path) };
    // A changed file the user agreed to replace needs no second, first-time question.
    if (check.status === 'confirm-first' && !req.confirmed)
      return { status: 'confirm-first', fileName: path.basename(check.source.path) };
    const [bad] = session.damagedVisible();
    if (bad) {
      throw new AppError(
        'damaged-layer',
        `Layer ${bad.position} ("${bad.layer.prompt}") cannot be saved back because ${bad.reason}; ${damagedLayerFix(bad.reason)}, or hide that layer to save back without it.`,
      );
    }
    // Steps: read, one per layer to apply, then encoding and writing into the file as one.
    const layers = session.usableVisible().length;
    const task = this.task(session, 'save-back', layers + 2);
    const { onFlatten, flattened } = this.flattenSteps(task, layers);
    const fileName = 'source' in check ? path.basename(check.source.path) : 'the photo';
    const saved = await this.asTask(task, onFlatten, async () => {
      task.step('read', 0, 'Reading the photo and its layers');
      const image = await session.current();
      task.step('write', flattened, `Saving into ${fileName}`);
      return saveBack(dir, image, {
        confirmed: req.confirmed || req.overwriteChanged,
        overwriteChanged: req.overwriteChanged,
      });
    });
    return { status: 'saved', fileName: path.basename(saved.file), format: saved.format };
  }

  async projectForSource(file: string): Promise<string | null> {
    const target = path.resolve(file);
    // Newest first: the project the user worked on last wins when several came from the same file.
    for (const p of await this.listProjects()) {
      const rec = await readSource(this.dirOf(p.id));
      if (rec && rec.path === target && !(await sourceChanged(rec))) return p.id;
    }
    return null;
  }

  async recordSource(projectId: string, file: string): Promise<void> {
    const session = await this.session(projectId);
    const format = (await session.originalPhoto()).format;
    await recordSource(session.store.dir, file, format).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    const all = [...this.jobs.values()];
    for (const j of all) j.controller.abort(CLOSING);
    await Promise.all(all.map((j) => j.done));
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of sessions) {
      const s = await p.catch(() => null);
      await s?.persistCache().catch(() => false);
      await s?.close();
    }
  }
}

/**
 * Opens a project for changes; on a read-only disk or a folder this user may not write, opens it read-only
 * instead (view, compare, export), saying why a change is refused.
 */
async function openStore(dir: string): Promise<ProjectStore> {
  try {
    // Edits cut off while being sent are kept (dropped/) for the photographer to run again or dismiss.
    return await ProjectStore.open(dir, { keepDropped: true });
  } catch (e) {
    if (isAppError(e) && (e.code === 'read-only' || e.code === 'permission-denied')) {
      return ProjectStore.open(dir, {
        readOnly: true,
        readOnlyReason:
          e.code === 'read-only'
            ? 'This project is on a read-only disk, so it cannot be changed; copy its folder to a writable disk to edit it.'
            : 'This project folder cannot be written by you, so it cannot be changed; copy it to a folder of yours to edit it.',
      });
    }
    throw e;
  }
}

/** What the renderer is told of an edit cut off while being sent. */
function droppedEditOf(d: DroppedEntry): DroppedEdit {
  return {
    jobId: d.jobId,
    prompt: d.prompt,
    params: d.params,
    feather: d.feather,
    references: d.sent.references,
    referencesKept: referenceFilesOf(d).length === d.sent.references,
    createdAt: d.createdAt,
  };
}

/** A session whose flattens report to the task that started them (task-progress.ts). */
function newSession(store: ProjectStore): ProjectSession {
  return new ProjectSession(store, { onFlattenProgress: flattenProgress });
}

/** How many layers the image right after this layer applies (ProjectSession.upTo's stack); 0 if unknown. */
function stackSize(session: ProjectSession, layerId: string): number {
  const all = session.store.layers();
  const at = all.findIndex((l) => l.id === layerId);
  return all.slice(0, at + 1).filter((l, i) => i === at || (l.visible && !session.store.damaged(l.id)))
    .length;
}

/** How many steps of an export's progress the encode takes (the encoder reports its own fraction). */
const ENCODE_STEPS = 20;

function appliedLabel(applied: number, total: number): string {
  return `Applying the layers: ${applied} of ${total}`;
}

/** The contract's byte fields want an ArrayBuffer-backed array; copy only when it is not. */
function asBytes(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}
