/**
 * The open project: opening a photo or a project, what the canvas shows of it (the current stack or the
 * stack up to a viewed layer), thumbnails, changes main reports, the recent list, export and drag-out.
 *
 * Rule kept here: a failed open keeps the current photo and mask (only the error is shown).
 */
import type { ExportFormat, JobStatus, Layer, ProjectState, RenderTarget } from '../../shared/contract';
import { openLabels } from '../../shared/formats';
import { attempt, type Ctx } from './core';
import { localError } from './errors';
import { layerKey, newLayers } from './jobs';
import { layerOnTop, pasteLayer } from './layer-paste';
import { emptyMask, isPhotoFile, type EditorState, type LoadedImage, type Patch } from './model';

const THUMB_SIZE = 160;

/** A file the user picked or dropped (the DOM's File has this and more). */
export interface PickedFile {
  name: string;
  type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

// ---- transitions ---------------------------------------------------------------------------------

/**
 * The layers with every `groupId` main left null filled in from where this session learnt it: the same
 * layer as it was before (`previous`), or a job that made it.
 */
export function withGroups(
  layers: readonly Layer[],
  previous: readonly Pick<Layer, 'id' | 'groupId'>[],
  jobs: readonly Pick<JobStatus, 'layerId' | 'groupId'>[],
): Layer[] {
  return layers.map((l) => {
    if (l.groupId !== null) return l;
    const groupId =
      previous.find((p) => p.id === l.id)?.groupId ?? jobs.find((j) => j.layerId === l.id)?.groupId ?? null;
    return groupId === null ? l : { ...l, groupId };
  });
}

/** The key of what the canvas shows: the current stack or a viewed layer, at a revision. */
export function imageKey(project: Pick<ProjectState, 'revision'>, viewing: string | null): string {
  return viewing ? `layer:${viewing}:${project.revision}` : `current:${project.revision}`;
}

/** A freshly opened project becomes the current one: everything of the previous one goes. */
export function adopted(
  s: EditorState,
  project: ProjectState,
  images: { current: LoadedImage; original: LoadedImage },
  now: number,
): Patch {
  const credits = [...project.layers].reverse().find((l) => l.creditsLeft !== null)?.creditsLeft ?? null;
  return {
    project,
    image: images.current,
    original: images.original,
    viewing: null,
    compare: 'off',
    jobs: project.jobs.map((j) => ({ ...j, receivedAt: now })),
    mask: emptyMask,
    thumbs: {},
    kept: {},
    runs: {},
    lastRun: null,
    ...(s.credits === null && credits !== null ? { credits } : {}),
  };
}

/**
 * A change main reported to the open project, or null when it is not about the open one or older than
 * it. `added` are the layers not seen before: they count towards the session's cost.
 */
export function projectChanged(
  s: EditorState,
  p: ProjectState,
  added: readonly { key: string; cost: number | null }[],
): Patch | null {
  const cur = s.project;
  if (!cur || cur.id !== p.id || p.revision < cur.revision) return null;
  const layers = withGroups(p.layers, cur.layers, [...s.jobs, ...p.jobs]);
  const viewing = s.viewing && layers.some((l) => l.id === s.viewing) ? s.viewing : null;
  const patch: Patch = { project: { ...p, layers }, viewing };
  if (added.length)
    patch.sessionCosts = { ...s.sessionCosts, ...Object.fromEntries(added.map((a) => [a.key, a.cost])) };
  return patch;
}

// ---- effects -------------------------------------------------------------------------------------

export function createProjectActions(ctx: Ctx, deps: { onJob(j: JobStatus, announce: boolean): void }) {
  const { api, media } = ctx;
  let renderToken = 0;
  /** Every project/layer key seen so far: a layer not in it when a project changes was just completed. */
  const knownLayers = new Set<string>();

  const refreshRecent = async (): Promise<void> => {
    try {
      ctx.set({ recent: await api.invoke('projects:list', {}) });
    } catch {
      // The recent list is a convenience: an unreadable library must not block opening a photo.
    }
  };

  /**
   * Renders a target as a screen-sized preview; the canvas asks for the full resolution only when the
   * user zooms past the preview, so a 24 MP photo is not decoded until it is needed.
   */
  const render = async (project: ProjectState, target: RenderTarget, key: string): Promise<LoadedImage> => {
    const r = await api.invoke('image:render', {
      projectId: project.id,
      target,
      maxSize: media.previewSize(),
    });
    const { url, drawable } = await media.decode(r.data, r.mime);
    const { width, height } = project;
    const loadFull = async () => {
      const full = await api.invoke('image:render', { projectId: project.id, target });
      return media.bitmap(full.data, full.mime);
    };
    const full = r.width >= width && r.height >= height ? drawable : null;
    return { key, url, width, height, spec: { width, height, preview: drawable, full, loadFull } };
  };

  const releaseImages = (): void => {
    const { image, original, thumbs } = ctx.get();
    if (image) media.revoke(image.url);
    if (original && original !== image) media.revoke(original.url);
    for (const url of Object.values(thumbs)) media.revoke(url);
  };

  const loadThumbs = (project: ProjectState): void => {
    for (const layer of project.layers) {
      if (ctx.get().thumbs[layer.id]) continue;
      const target = { kind: 'thumbnail' as const, layerId: layer.id };
      api
        .invoke('image:render', { projectId: project.id, target, maxSize: THUMB_SIZE })
        .then((r) => {
          const s = ctx.get();
          if (s.project?.id !== project.id || s.thumbs[layer.id]) return;
          const url = media.objectUrl(r.data, r.mime);
          ctx.set((st) => ({ thumbs: { ...st.thumbs, [layer.id]: url } }));
        })
        .catch(() => undefined);
    }
  };

  /**
   * Re-render what the canvas shows (after a change to the stack or to what is viewed). `added`: the one
   * layer the change put on top of the image shown, pasted over it first.
   */
  const refreshImage = async (added?: Layer): Promise<void> => {
    const { project, viewing } = ctx.get();
    if (!project) return;
    const key = imageKey(project, viewing);
    if (ctx.get().image?.key === key) return;
    const token = ++renderToken;
    try {
      const target: RenderTarget = viewing ? { kind: 'layer', layerId: viewing } : { kind: 'current' };
      const shown = ctx.get().image;
      if (added && !viewing && shown) {
        // The layer's own pixels first (a small render), then the whole image: asked for together, the two
        // renders share main's few cores and the small one comes no sooner than the whole one.
        const quick = await pasteLayer(ctx, project, added, shown).catch(() => null);
        // The pasted image shares the shown one's URL (compare shows it until the whole image is there).
        if (quick && token === renderToken && ctx.get().project?.id === project.id) ctx.set({ image: quick });
      }
      const img = await render(project, target, key);
      if (token !== renderToken || ctx.get().project?.id !== project.id) {
        media.revoke(img.url);
        return;
      }
      const old = ctx.get().image;
      ctx.set({ image: img });
      if (old && old !== ctx.get().original) media.revoke(old.url);
    } catch (e) {
      if (token === renderToken) ctx.fail(e);
    }
  };

  /** Make a freshly opened project the current one, once its images are ready. */
  const adopt = async (project: ProjectState): Promise<void> => {
    const token = ++renderToken;
    const [current, original] = await Promise.all([
      render(project, { kind: 'current' }, imageKey(project, null)),
      render(project, { kind: 'original' }, 'original'),
    ]);
    if (token !== renderToken) return;
    const previous = ctx.get().project;
    for (const l of project.layers) knownLayers.add(layerKey(project.id, l.id));
    releaseImages();
    ctx.set((s) => adopted(s, project, { current, original }, media.now()));
    if (previous && previous.id !== project.id) {
      api.invoke('project:close', { projectId: previous.id }).catch(() => undefined);
    }
    loadThumbs(project);
  };

  /** Opens something as the current project; on failure the one that was open stays, with the error shown. */
  const open = async (name: string, load: () => Promise<ProjectState>): Promise<boolean> => {
    ctx.set({ opening: name, error: null });
    try {
      await adopt(await load());
      return true;
    } catch (e) {
      ctx.fail(e);
      return false;
    } finally {
      ctx.set({ opening: null });
    }
  };

  const openProject = async (projectId: string): Promise<void> => {
    const s = ctx.get();
    if (s.project?.id === projectId) return;
    const name = s.recent.find((p) => p.id === projectId)?.name ?? 'project';
    await open(name, () => api.invoke('project:open', { projectId }));
  };

  const onProjectChanged = (p: ProjectState): void => {
    const s = ctx.get();
    if (!s.project || s.project.id !== p.id || p.revision < s.project.revision) return;
    const added = newLayers(knownLayers, p.id, p.layers);
    for (const a of added) knownLayers.add(a.key);
    const patch = projectChanged(s, p, added);
    if (!patch) return;
    const onTop =
      s.viewing === null && s.image?.key === imageKey(s.project!, null) ? layerOnTop(s.project!, p) : null;
    ctx.set(patch);
    for (const j of p.jobs) deps.onJob(j, false);
    loadThumbs(p);
    void refreshImage(onTop ?? undefined);
  };

  return {
    refreshRecent,
    refreshImage,
    onProjectChanged,
    openProject,
    openRecent: openProject,
    async openFile(file: PickedFile): Promise<void> {
      if (!isPhotoFile(file)) {
        const words = `“${file.name}” is not a photo; open a ${openLabels()} file.`;
        ctx.showError(localError('unsupported-image', words));
        return;
      }
      const photo = async () => new Uint8Array(await file.arrayBuffer());
      const ok = await open(file.name, async () =>
        api.invoke('project:create', { name: file.name, photo: await photo() }),
      );
      if (ok) void refreshRecent();
    },
    /** Applies a project a layer call answered with (the same as a change main reports). */
    applyProject: onProjectChanged,
    async exportImage(format: ExportFormat, quality?: number, layerId?: string): Promise<void> {
      const project = ctx.get().project;
      if (!project) return;
      // Electron: main's save dialog writes the file; web host: a download.
      const res = await attempt(ctx, () => api.saveAs({ projectId: project.id, format, quality, layerId }));
      if (res?.saved) ctx.set({ dialog: null });
    },
    dragOut(layerId?: string): void {
      const project = ctx.get().project;
      if (!project) return;
      api.dragOut({ projectId: project.id, format: 'png', layerId }).catch((e: unknown) => ctx.fail(e));
    },
  };
}
