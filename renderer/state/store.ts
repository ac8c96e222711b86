/**
 * The editor's state and everything it does through window.maskroom. Components read it with
 * useEditor(selector) and call the actions; nothing else in the renderer talks to the bridge.
 *
 * Rules kept here: a failed open keeps the current photo and mask; a failed edit keeps the mask, prompt
 * and parameters; every job's state and elapsed seconds are tracked, several at a time.
 */
import { useSyncExternalStore } from 'react';
import type {
  AppCommand,
  EditParams,
  ExportFormat,
  JobStatus,
  ProjectState,
  ProjectSummary,
  RenderTarget,
  Settings,
  SettingsPatch,
} from '../../shared/contract';
import { EditParams as EditParamsSchema, isActiveJobState } from '../../shared/contract';
import { describeError, localError, type ShownError } from './errors';
import { cycle, groupLayers } from './history';
import { collectableJobs, isCollectable, layerKey, newLayers } from './jobs';
import { nextBrushSize, nextHardness } from './shortcuts';
import type { Drawable, EditorCanvasHandle, EditorImage, MaskInfo } from '../canvas';

export interface LoadedImage {
  key: string;
  /** A screen-sized copy (the whole image when it is small): what compare and the canvas show fitted. */
  url: string;
  element: HTMLImageElement;
  /** The photo's full size. */
  width: number;
  height: number;
  /** What the canvas takes: the preview now, the full resolution loaded once zoomed past it. */
  spec: EditorImage;
}

export interface Reference {
  id: string;
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  url: string;
}

export interface TrackedJob extends JobStatus {
  /** performance.now() when this state arrived: elapsed = elapsedSeconds + time since. */
  receivedAt: number;
  /**
   * Collect result was asked for this failed job: 'asked' while 'edit:collect' is pending, 'failed-again'
   * when a failure arrived meanwhile, 'started' once it was answered. Cleared by the job's next progress.
   */
  collecting?: 'asked' | 'failed-again' | 'started';
}

export interface RunRequest {
  prompt: string;
  params: EditParams;
  feather: number;
  mask: { width: number; height: number; data: Uint8Array<ArrayBuffer> };
  references: Uint8Array<ArrayBuffer>[];
  variations: number;
}

export type Dialog = null | 'settings' | 'help' | 'export' | 'confirm-rerun';
export type Tool = 'brush' | 'eraser';

export interface EditorState {
  host: 'electron' | 'web';
  version: string;
  settings: Settings | null;
  credits: number | null;
  recent: ProjectSummary[];
  project: ProjectState | null;
  opening: string | null;
  /** What the canvas shows: the current stack, or the stack up to the viewed layer. */
  image: LoadedImage | null;
  original: LoadedImage | null;
  viewing: string | null;
  tool: Tool;
  brushSize: number;
  hardness: number;
  overlayVisible: boolean;
  mask: MaskInfo;
  prompt: string;
  params: EditParams;
  feather: number;
  variations: number;
  references: Reference[];
  advancedOpen: boolean;
  jobs: TrackedJob[];
  error: ShownError | null;
  compare: 'off' | 'split';
  holdOriginal: boolean;
  split: number;
  dialog: Dialog;
  thumbs: Record<string, string>;
  kept: Record<string, true>;
  /** Requests run in this session, by group: what "Re-run" sends again. */
  runs: Record<string, RunRequest>;
  /** The request group each finished layer came from (a single edit's layer may carry no group id). */
  layerGroups: Record<string, string>;
  lastRun: RunRequest | null;
  /**
   * What each edit completed in this session cost (USD, null when the service did not say), by
   * project/layer key; layers that were already in a project when it was opened are not in it.
   */
  sessionCosts: Record<string, number | null>;
  /** The re-run waiting for the user's answer in the confirm dialog (its request group, if known). */
  confirmRerun: { groupId: string | null } | null;
}

export const isActive = (j: JobStatus) => isActiveJobState(j.state);

const PHOTO_EXT = /\.(jpe?g|png|tiff?|webp|heic|heif|avif|gif|bmp)$/i;
const THUMB_SIZE = 160;

function initialState(): EditorState {
  return {
    host: 'web',
    version: '',
    settings: null,
    credits: null,
    recent: [],
    project: null,
    opening: null,
    image: null,
    original: null,
    viewing: null,
    tool: 'brush',
    brushSize: 80,
    hardness: 70,
    overlayVisible: true,
    mask: { empty: true, canUndo: false, canRedo: false },
    prompt: '',
    params: EditParamsSchema.parse({}),
    feather: 4,
    variations: 1,
    references: [],
    advancedOpen: false,
    jobs: [],
    error: null,
    compare: 'off',
    holdOriginal: false,
    split: 0.5,
    dialog: null,
    thumbs: {},
    kept: {},
    runs: {},
    layerGroups: {},
    lastRun: null,
    sessionCosts: {},
    confirmRerun: null,
  };
}

export function isPhotoFile(file: { name: string; type: string }): boolean {
  return file.type.startsWith('image/') || PHOTO_EXT.test(file.name);
}

async function decode(data: Uint8Array, mime: string): Promise<{ url: string; element: HTMLImageElement }> {
  const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: mime }));
  const element = new Image();
  element.src = url;
  try {
    await element.decode();
  } catch {
    URL.revokeObjectURL(url);
    throw localError(
      'unsupported-image',
      'Maskroom could not display the rendered image; reopen the project.',
    );
  }
  return { url, element };
}

/** The long side of the screen-sized copy: the screen in device pixels, within reason. */
function previewSize(): number {
  const dpr = window.devicePixelRatio || 1;
  const side = Math.max(window.screen?.width ?? 1920, window.screen?.height ?? 1080) * dpr;
  return Math.max(1024, Math.min(4096, Math.ceil(side)));
}

export class EditorStore {
  private state: EditorState = initialState();
  private readonly listeners = new Set<() => void>();
  private canvas: EditorCanvasHandle | null = null;
  private renderToken = 0;
  private unsubscribers: Array<() => void> = [];
  private started = false;
  private refSeq = 0;
  /** Every project/layer key seen so far: a layer not in it when a project changes was just completed. */
  private readonly knownLayers = new Set<string>();

  getState = (): EditorState => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(patch: Partial<EditorState> | ((s: EditorState) => Partial<EditorState>)): void {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    for (const l of this.listeners) l();
  }

  private get api() {
    return window.maskroom;
  }

  // ---- start-up and events ------------------------------------------------------------------

  start(): () => void {
    if (this.started) return () => undefined;
    this.started = true;
    const api = this.api;
    this.unsubscribers = [
      api.on('credits:changed', (c) => this.set({ credits: c.remaining })),
      api.on('job:progress', (j) => this.onJob(j)),
      api.on('project:changed', (p) => this.onProjectChanged(p)),
      api.on('app:command', (c) => this.onCommand(c)),
    ];
    api.invoke('app:info', {}).then(
      (i) => this.set({ version: i.version, host: i.host }),
      (e: unknown) => this.fail(e),
    );
    api.invoke('settings:get', {}).then(
      (s) => this.set({ settings: s, params: { ...s.defaults }, feather: s.feather }),
      (e: unknown) => this.fail(e),
    );
    void this.refreshRecent();
    return () => {
      for (const u of this.unsubscribers) u();
      this.unsubscribers = [];
      this.started = false;
    };
  }

  async refreshRecent(): Promise<void> {
    try {
      this.set({ recent: await this.api.invoke('projects:list', {}) });
    } catch {
      // The recent list is a convenience: an unreadable library must not block opening a photo.
    }
  }

  /** What the native menu (Electron) asks for: the same actions as the buttons and keys. */
  onCommand(c: AppCommand): void {
    switch (c.command) {
      case 'open-project':
        if (c.projectId) {
          void this.refreshRecent();
          void this.openProject(c.projectId);
        }
        break;
      case 'undo':
      case 'redo':
      case 'fit':
        this.maskAction(c.command);
        break;
      case 'actual-size':
        this.maskAction('actualSize');
        break;
      case 'invert-mask':
        this.maskAction('invert');
        break;
      case 'clear-mask':
        this.maskAction('clear');
        break;
      case 'brush':
      case 'eraser':
        this.setTool(c.command);
        break;
      case 'toggle-overlay':
        this.toggleOverlay();
        break;
      case 'run-edit':
        void this.run();
        break;
      case 'cancel-edit':
        void this.cancelAll();
        break;
      case 'compare':
        if (this.state.project) this.setCompare(this.state.compare === 'split' ? 'off' : 'split');
        break;
      case 'settings':
      case 'help':
        this.openDialog(c.command);
        break;
    }
  }

  // ---- errors -------------------------------------------------------------------------------

  fail(e: unknown): void {
    this.set({ error: describeError(e) });
  }

  showError(error: ShownError): void {
    this.set({ error });
  }

  dismissError(): void {
    this.set({ error: null });
  }

  // ---- opening -------------------------------------------------------------------------------

  async openFile(file: File): Promise<void> {
    if (!isPhotoFile(file)) {
      this.showError(
        localError(
          'unsupported-image',
          `“${file.name}” is not a photo; open a JPEG, PNG, TIFF, WebP or AVIF file.`,
        ),
      );
      return;
    }
    this.set({ opening: file.name, error: null });
    try {
      const photo = new Uint8Array(await file.arrayBuffer());
      const project = await this.api.invoke('project:create', { name: file.name, photo });
      await this.adopt(project);
      void this.refreshRecent();
    } catch (e) {
      // The photo and mask that were open stay open: only the error is shown.
      this.fail(e);
    } finally {
      this.set({ opening: null });
    }
  }

  openRecent(projectId: string): Promise<void> {
    return this.openProject(projectId);
  }

  async openProject(projectId: string): Promise<void> {
    if (this.state.project?.id === projectId) return;
    const name = this.state.recent.find((p) => p.id === projectId)?.name ?? 'project';
    this.set({ opening: name, error: null });
    try {
      const project = await this.api.invoke('project:open', { projectId });
      await this.adopt(project);
    } catch (e) {
      this.fail(e);
    } finally {
      this.set({ opening: null });
    }
  }

  /** Make a freshly opened project the current one, once its images are ready. */
  private async adopt(project: ProjectState): Promise<void> {
    const token = ++this.renderToken;
    const [current, original] = await Promise.all([
      this.render(project, { kind: 'current' }, `current:${project.revision}`),
      this.render(project, { kind: 'original' }, 'original'),
    ]);
    if (token !== this.renderToken) return;
    const previous = this.state.project;
    for (const l of project.layers) this.knownLayers.add(layerKey(project.id, l.id));
    this.releaseImages();
    this.set({
      project,
      image: current,
      original,
      viewing: null,
      compare: 'off',
      jobs: project.jobs.map((j) => ({ ...j, receivedAt: performance.now() })),
      mask: { empty: true, canUndo: false, canRedo: false },
      thumbs: {},
      kept: {},
      runs: {},
      layerGroups: {},
      lastRun: null,
    });
    if (previous && previous.id !== project.id) {
      this.api.invoke('project:close', { projectId: previous.id }).catch(() => undefined);
    }
    this.loadThumbs(project);
    const credits = [...project.layers].reverse().find((l) => l.creditsLeft !== null)?.creditsLeft;
    if (credits !== undefined && credits !== null && this.state.credits === null) this.set({ credits });
  }

  private releaseImages(): void {
    const { image, original, thumbs } = this.state;
    if (image) URL.revokeObjectURL(image.url);
    if (original && original !== image) URL.revokeObjectURL(original.url);
    for (const url of Object.values(thumbs)) URL.revokeObjectURL(url);
  }

  /**
   * Renders a target as a screen-sized preview; the canvas asks for the full resolution only when the
   * user zooms past the preview, so a 24 MP photo is not decoded until it is needed.
   */
  private async render(
    project: { id: string; width: number; height: number },
    target: RenderTarget,
    key: string,
  ): Promise<LoadedImage> {
    const r = await this.api.invoke('image:render', {
      projectId: project.id,
      target,
      maxSize: previewSize(),
    });
    const { url, element } = await decode(r.data, r.mime);
    const { width, height } = project;
    const api = this.api;
    const spec: EditorImage = {
      width,
      height,
      preview: element,
      full: r.width >= width && r.height >= height ? element : null,
      loadFull: async (): Promise<Drawable> => {
        const full = await api.invoke('image:render', { projectId: project.id, target });
        return createImageBitmap(new Blob([full.data as Uint8Array<ArrayBuffer>], { type: full.mime }));
      },
    };
    return { key, url, element, width, height, spec };
  }

  /** Re-render what the canvas shows (after a change to the stack or to what is viewed). */
  private async refreshImage(): Promise<void> {
    const project = this.state.project;
    if (!project) return;
    const viewing = this.state.viewing;
    const key = viewing ? `layer:${viewing}:${project.revision}` : `current:${project.revision}`;
    if (this.state.image?.key === key) return;
    const token = ++this.renderToken;
    try {
      const target: RenderTarget = viewing ? { kind: 'layer', layerId: viewing } : { kind: 'current' };
      const img = await this.render(project, target, key);
      if (token !== this.renderToken || this.state.project?.id !== project.id) {
        URL.revokeObjectURL(img.url);
        return;
      }
      const old = this.state.image;
      this.set({ image: img });
      if (old && old !== this.state.original) URL.revokeObjectURL(old.url);
    } catch (e) {
      if (token === this.renderToken) this.fail(e);
    }
  }

  private loadThumbs(project: ProjectState): void {
    for (const layer of project.layers) {
      if (this.state.thumbs[layer.id]) continue;
      this.api
        .invoke('image:render', {
          projectId: project.id,
          target: { kind: 'thumbnail', layerId: layer.id },
          maxSize: THUMB_SIZE,
        })
        .then((r) => {
          if (this.state.project?.id !== project.id || this.state.thumbs[layer.id]) return;
          const url = URL.createObjectURL(new Blob([r.data as Uint8Array<ArrayBuffer>], { type: r.mime }));
          this.set((s) => ({ thumbs: { ...s.thumbs, [layer.id]: url } }));
        })
        .catch(() => undefined);
    }
  }

  private onProjectChanged(p: ProjectState): void {
    const cur = this.state.project;
    if (!cur || cur.id !== p.id || p.revision < cur.revision) return;
    const viewing =
      this.state.viewing && p.layers.some((l) => l.id === this.state.viewing) ? this.state.viewing : null;
    const added = newLayers(this.knownLayers, p.id, p.layers);
    for (const a of added) this.knownLayers.add(a.key);
    this.set((s) =>
      added.length
        ? {
            project: p,
            viewing,
            sessionCosts: { ...s.sessionCosts, ...Object.fromEntries(added.map((a) => [a.key, a.cost])) },
          }
        : { project: p, viewing },
    );
    for (const j of p.jobs) this.onJob(j, false);
    this.loadThumbs(p);
    void this.refreshImage();
  }

  private applyProject(p: ProjectState): void {
    this.onProjectChanged(p);
  }

  // ---- jobs ----------------------------------------------------------------------------------

  private onJob(j: JobStatus, announce = true): void {
    if (this.state.project && j.projectId !== this.state.project.id) return;
    const existing = this.state.jobs.find((x) => x.jobId === j.jobId);
    if (existing && existing.state === j.state && existing.elapsedSeconds >= j.elapsedSeconds && !announce)
      return;
    // A finished job never goes back to an earlier state (events may arrive out of order), unless the
    // user asked to collect its result: then it runs again, to done.
    if (existing && !isActive(existing) && isActive(j) && !existing.collecting) return;
    const tracked: TrackedJob = { ...j, receivedAt: performance.now() };
    if (existing?.collecting && j.state === 'failed') {
      // While 'edit:collect' is pending a failure may be the old one re-sent: keep waiting for its answer.
      if (existing.collecting === 'asked') tracked.collecting = 'failed-again';
      else if (existing.collecting === 'failed-again') tracked.collecting = 'failed-again';
    }
    if (j.layerId && !this.state.layerGroups[j.layerId]) {
      const layerId = j.layerId;
      this.set((s) => ({ layerGroups: { ...s.layerGroups, [layerId]: j.groupId } }));
    }
    this.set((s) => ({
      jobs: existing ? s.jobs.map((x) => (x.jobId === j.jobId ? tracked : x)) : [...s.jobs, tracked],
    }));
    const failedAnew = existing?.state !== 'failed' || Boolean(existing.collecting);
    if (announce && j.state === 'failed' && failedAnew && j.error) {
      const shown = describeError(j.error);
      this.set({
        error: shown.collect ? { ...shown, collect: { ...shown.collect, jobId: j.jobId } } : shown,
      });
    }
    // The banner about a result to collect goes once that job runs again.
    const err = this.state.error;
    if (err?.collect?.jobId === j.jobId && j.state !== 'failed') this.set({ error: null });
    if (j.state === 'done' && existing?.state !== 'done') {
      // Clear a finished job from the list after a while; failures stay until dismissed.
      setTimeout(() => this.dismissJob(j.jobId), 6000);
    }
  }

  dismissJob(jobId: string): void {
    this.set((s) => ({ jobs: s.jobs.filter((j) => j.jobId !== jobId || isActive(j)) }));
  }

  async cancelJob(jobId: string): Promise<void> {
    try {
      await this.api.invoke('edit:cancel', { jobId });
    } catch (e) {
      this.fail(e);
    }
  }

  async cancelAll(): Promise<void> {
    await Promise.all(this.state.jobs.filter(isActive).map((j) => this.cancelJob(j.jobId)));
  }

  private markCollecting(jobId: string, collecting: TrackedJob['collecting'] | undefined): void {
    this.set((s) => ({
      jobs: s.jobs.map((j) => {
        if (j.jobId !== jobId) return j;
        const next: TrackedJob = { ...j };
        if (collecting) next.collecting = collecting;
        else delete next.collecting;
        return next;
      }),
    }));
  }

  /**
   * Collect the result of an edit the service accepted but Maskroom did not finish: never submits it
   * again. The job's row follows its progress events to done (or to a new failure).
   */
  async collect(jobId: string): Promise<void> {
    const job = this.state.jobs.find((j) => j.jobId === jobId);
    if (!job || !isCollectable(job) || job.collecting) return;
    this.markCollecting(jobId, 'asked');
    if (this.state.error?.collect?.jobId === jobId) this.set({ error: null });
    try {
      await this.api.invoke('edit:collect', { projectId: job.projectId, jobId });
      const now = this.state.jobs.find((j) => j.jobId === jobId);
      if (now?.collecting === 'failed-again') this.markCollecting(jobId, undefined);
      else if (now?.collecting) this.markCollecting(jobId, 'started');
    } catch (e) {
      this.markCollecting(jobId, undefined);
      this.fail(e);
    }
  }

  /** Collect every collectable job of a request group (a row of variations). */
  async collectGroup(groupId: string): Promise<void> {
    await Promise.all(collectableJobs(this.state.jobs, groupId).map((j) => this.collect(j.jobId)));
  }

  /** Collect the job the shown error is about. */
  async collectFromError(): Promise<void> {
    const c = this.state.error?.collect;
    if (!c) return;
    const jobId =
      c.jobId ?? this.state.jobs.find((j) => j.requestId === c.requestId && isCollectable(j))?.jobId;
    if (jobId) await this.collect(jobId);
  }

  // ---- running edits -------------------------------------------------------------------------

  async run(): Promise<void> {
    const s = this.state;
    if (!s.project) {
      this.showError(localError('invalid-input', 'Open a photo first, then paint over the part to change.'));
      return;
    }
    const prompt = s.prompt.trim();
    if (!prompt) {
      this.showError(
        localError('invalid-input', 'Describe the change in the prompt box, then run the edit.'),
      );
      return;
    }
    const data = this.canvas && !this.canvas.isMaskEmpty() ? this.canvas.getMaskBytes() : null;
    if (!data) {
      this.showError(
        localError('invalid-input', 'Paint a mask over the part of the photo to change, then run the edit.'),
      );
      return;
    }
    await this.submit({
      prompt,
      params: { ...s.params },
      feather: s.feather,
      mask: { width: s.project.width, height: s.project.height, data: data.slice() },
      references: s.references.map((r) => r.bytes),
      variations: s.variations,
    });
  }

  /**
   * Run a request made earlier again (same mask, prompt and parameters). When the service already
   * accepted (and billed) that request and its result can still be collected, ask first in the confirm
   * dialog; `force` is the dialog's "Run again".
   */
  async rerun(groupId: string | null, force = false): Promise<void> {
    const s = this.state;
    const req = (groupId && s.runs[groupId]) || s.lastRun;
    if (!req) return;
    const group =
      groupId && s.runs[groupId] ? groupId : (Object.entries(s.runs).find(([, r]) => r === req)?.[0] ?? null);
    if (!force && collectableJobs(s.jobs, group).length > 0) {
      this.set({ confirmRerun: { groupId: group }, dialog: 'confirm-rerun' });
      return;
    }
    await this.submit(req);
  }

  /** The confirm dialog's answer about a re-run of a paid, collectable edit. */
  async answerRerun(answer: 'collect' | 'run-again' | 'cancel'): Promise<void> {
    const pending = this.state.confirmRerun;
    this.set({ confirmRerun: null, dialog: null });
    if (!pending || answer === 'cancel') return;
    if (answer === 'run-again') await this.rerun(pending.groupId, true);
    else if (pending.groupId) await this.collectGroup(pending.groupId);
  }

  private async submit(req: RunRequest): Promise<void> {
    const project = this.state.project;
    if (!project) return;
    // A new attempt makes earlier failures moot: their rows go, the new job's row takes their place.
    // Rows with a paid result still to collect stay: that result is the user's until dismissed.
    this.set((s) => ({
      error: null,
      lastRun: req,
      jobs: s.jobs.filter((j) => isCollectable(j) || (j.state !== 'failed' && j.state !== 'cancelled')),
    }));
    try {
      const res = await this.api.invoke('edit:run', {
        projectId: project.id,
        prompt: req.prompt,
        params: req.params,
        feather: req.feather,
        mask: { kind: 'raw', width: req.mask.width, height: req.mask.height, data: req.mask.data },
        references: req.references,
        variations: req.variations,
      });
      const now = performance.now();
      this.set((s) => ({
        runs: { ...s.runs, [res.groupId]: req },
        jobs: [
          ...s.jobs,
          ...res.jobIds
            .filter((id) => !s.jobs.some((j) => j.jobId === id))
            .map((jobId): TrackedJob => ({
              jobId,
              projectId: project.id,
              groupId: res.groupId,
              state: 'preparing',
              elapsedSeconds: 0,
              prompt: req.prompt,
              receivedAt: now,
            })),
        ],
      }));
    } catch (e) {
      this.fail(e);
    }
  }

  /** The request group a layer came from, when this session ran it. */
  static groupOf(s: EditorState, layer: { id: string; groupId: string | null }): string | null {
    return layer.groupId ?? s.layerGroups[layer.id] ?? null;
  }

  // ---- layers --------------------------------------------------------------------------------

  private async layerCall(fn: (projectId: string) => Promise<ProjectState>): Promise<void> {
    const project = this.state.project;
    if (!project) return;
    try {
      this.applyProject(await fn(project.id));
    } catch (e) {
      this.fail(e);
    }
  }

  setLayerVisible(layerId: string, visible: boolean): Promise<void> {
    return this.layerCall((projectId) =>
      this.api.invoke('layer:setVisible', { projectId, layerId, visible }),
    );
  }

  revertTo(layerId: string | null): Promise<void> {
    this.set({ viewing: null });
    return this.layerCall((projectId) => this.api.invoke('layer:revertTo', { projectId, layerId }));
  }

  deleteLayer(layerId: string): Promise<void> {
    if (this.state.viewing === layerId) this.set({ viewing: null });
    return this.layerCall((projectId) => this.api.invoke('layer:delete', { projectId, layerId }));
  }

  chooseLayer(layerId: string): Promise<void> {
    return this.layerCall((projectId) => this.api.invoke('layer:choose', { projectId, layerId }));
  }

  keepVariation(groupId: string, layerId: string): Promise<void> {
    this.set((s) => ({ kept: { ...s.kept, [groupId]: true } }));
    return this.chooseLayer(layerId);
  }

  reopenVariations(groupId: string): void {
    this.set((s) => {
      const kept = { ...s.kept };
      delete kept[groupId];
      return { kept };
    });
  }

  /** Left/Right: cycle the variation group being looked at (the viewed layer's, else the newest open one). */
  cycleVariation(step: 1 | -1): void {
    const project = this.state.project;
    if (!project) return;
    const entries = groupLayers(project.layers).filter((e) => e.layers.length > 1);
    const viewing = this.state.viewing;
    const entry =
      (viewing && entries.find((e) => e.layers.some((l) => l.id === viewing))) ||
      entries.find((e) => e.groupId && !this.state.kept[e.groupId]) ||
      entries[0];
    if (!entry) return;
    const next = cycle(entry, step);
    if (viewing) this.set({ viewing: next.id });
    void this.chooseLayer(next.id);
  }

  viewLayer(layerId: string | null): void {
    if (this.state.viewing === layerId) return;
    this.set({ viewing: layerId });
    void this.refreshImage();
  }

  // ---- export and drag-out -------------------------------------------------------------------

  async exportImage(format: ExportFormat, quality?: number, layerId?: string): Promise<void> {
    const project = this.state.project;
    if (!project) return;
    try {
      // Electron: main's save dialog writes the file; web host: a download.
      const { saved } = await this.api.saveAs({ projectId: project.id, format, quality, layerId });
      if (saved) this.set({ dialog: null });
    } catch (e) {
      this.fail(e);
    }
  }

  dragOut(layerId?: string): void {
    const project = this.state.project;
    if (!project) return;
    this.api.dragOut({ projectId: project.id, format: 'png', layerId }).catch((e: unknown) => this.fail(e));
  }

  // ---- settings ------------------------------------------------------------------------------

  async updateSettings(patch: SettingsPatch): Promise<boolean> {
    try {
      const before = this.state.settings;
      const settings = await this.api.invoke('settings:update', patch);
      // Parameters the user had left at the old defaults follow the new defaults.
      const s = this.state;
      const untouched =
        before !== null &&
        s.feather === before.feather &&
        (Object.keys(s.params) as (keyof EditParams)[]).every((k) => s.params[k] === before.defaults[k]);
      this.set(
        untouched ? { settings, params: { ...settings.defaults }, feather: settings.feather } : { settings },
      );
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async setApiKey(key: string | null): Promise<boolean> {
    try {
      const settings = await this.api.invoke('settings:setApiKey', { key });
      this.set({ settings });
      if (this.state.error && ['no-api-key', 'bad-api-key'].includes(this.state.error.code))
        this.set({ error: null });
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  resetParams(): void {
    const s = this.state.settings;
    if (s) this.set({ params: { ...s.defaults }, feather: s.feather });
  }

  // ---- the canvas and tools ------------------------------------------------------------------

  attachCanvas(handle: EditorCanvasHandle | null): void {
    this.canvas = handle;
  }

  maskChanged(change?: Partial<MaskInfo>): void {
    const c = this.canvas;
    this.set((s) => ({
      mask: {
        empty: change?.empty ?? (c ? c.isMaskEmpty() : true),
        canUndo: change?.canUndo ?? s.mask.canUndo,
        canRedo: change?.canRedo ?? s.mask.canRedo,
      },
    }));
  }

  maskAction(
    action: 'undo' | 'redo' | 'invert' | 'clear' | 'grow' | 'shrink' | 'fit' | 'actualSize',
    px = 8,
  ): void {
    const c = this.canvas;
    if (!c || !this.state.project) return;
    if (action === 'grow' || action === 'shrink') c[action](px);
    else c[action]();
  }

  setTool(tool: Tool): void {
    this.set({ tool });
  }

  setBrushSize(brushSize: number): void {
    this.set({ brushSize: Math.max(1, Math.min(1000, Math.round(brushSize))) });
  }

  stepBrushSize(dir: 1 | -1): void {
    this.set((s) => ({ brushSize: nextBrushSize(s.brushSize, dir) }));
  }

  setHardness(hardness: number): void {
    this.set({ hardness: Math.max(0, Math.min(100, Math.round(hardness))) });
  }

  stepHardness(dir: 1 | -1): void {
    this.set((s) => ({ hardness: nextHardness(s.hardness, dir) }));
  }

  toggleOverlay(): void {
    this.set((s) => ({ overlayVisible: !s.overlayVisible }));
  }

  // ---- the prompt panel ----------------------------------------------------------------------

  setPrompt(prompt: string): void {
    this.set({ prompt });
  }

  setParams(patch: Partial<EditParams>): void {
    this.set((s) => ({ params: { ...s.params, ...patch } }));
  }

  setFeather(feather: number): void {
    this.set({ feather: Math.max(0, Math.min(200, feather)) });
  }

  setVariations(variations: number): void {
    this.set({ variations: Math.max(1, Math.min(4, Math.round(variations))) });
  }

  setAdvancedOpen(advancedOpen: boolean): void {
    this.set({ advancedOpen });
  }

  async addReferences(files: File[]): Promise<void> {
    const photos = files.filter(isPhotoFile);
    if (photos.length < files.length) {
      this.showError(
        localError(
          'unsupported-image',
          'Reference images must be photos (JPEG, PNG or WebP); the other files were left out.',
        ),
      );
    }
    const room = 15 - this.state.references.length;
    if (photos.length > room) {
      this.showError(
        localError(
          'invalid-input',
          'The service takes at most 15 reference images; remove some before adding more.',
        ),
      );
    }
    const added: Reference[] = [];
    for (const f of photos.slice(0, Math.max(0, room))) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const url = URL.createObjectURL(new Blob([bytes], { type: f.type || 'image/png' }));
      added.push({ id: `ref-${++this.refSeq}`, name: f.name, bytes, url });
    }
    if (added.length) this.set((s) => ({ references: [...s.references, ...added] }));
  }

  removeReference(id: string): void {
    const ref = this.state.references.find((r) => r.id === id);
    if (ref) URL.revokeObjectURL(ref.url);
    this.set((s) => ({ references: s.references.filter((r) => r.id !== id) }));
  }

  // ---- view ----------------------------------------------------------------------------------

  setCompare(compare: 'off' | 'split'): void {
    this.set({ compare });
  }

  setHoldOriginal(holdOriginal: boolean): void {
    if (this.state.holdOriginal !== holdOriginal) this.set({ holdOriginal });
  }

  setSplit(split: number): void {
    this.set({ split: Math.max(0, Math.min(1, split)) });
  }

  openDialog(dialog: Dialog): void {
    this.set(dialog === 'confirm-rerun' ? { dialog } : { dialog, confirmRerun: null });
  }
}

export const store = new EditorStore();

export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
