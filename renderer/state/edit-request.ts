/**
 * What the next edit sends (prompt, parameters, feather, variations, reference images) and sending it:
 * run, re-run a request of this session, and the question asked before a re-run would pay again.
 *
 * Rule kept here: a failed edit keeps the mask, prompt and parameters (nothing here clears them).
 */
import type { EditParams } from '../../shared/contract';
import { limits } from '../../shared/limits';
import { lowResolutionWarning, regionFrame } from '../../shared/region-scale';
import type { Ctx } from './core';
import { localError, type ShownError } from './errors';
import { collectableJobs, isCollectable } from './jobs';
import type { PickedFile } from './project';
import {
  clampRound,
  isPhotoFile,
  type EditorState,
  type Patch,
  type Reference,
  type RunRequest,
  type TrackedJob,
} from './model';
import type { CanvasPort } from './ports';

/** The most reference images the service takes. */
export const MAX_REFERENCES = limits.references.max;

// ---- transitions ---------------------------------------------------------------------------------

export const promptSet = (prompt: string): Patch => ({ prompt });
export const paramsSet = (s: EditorState, patch: Partial<EditParams>): Patch => ({
  params: { ...s.params, ...patch },
});
export const featherSet = (feather: number): Patch => ({
  feather: Math.max(limits.feather.min, Math.min(limits.feather.max, feather)),
});
export const variationsSet = (n: number): Patch => ({
  variations: clampRound(n, limits.variations.min, limits.variations.max),
});

/** The request the Run button sends, or the one sentence saying what is missing. */
export function runRequest(s: EditorState, canvas: CanvasPort | null): RunRequest | ShownError {
  if (!s.project)
    return localError('invalid-input', 'Open a photo first, then paint over the part to change.');
  const prompt = s.prompt.trim();
  if (!prompt)
    return localError('invalid-input', 'Describe the change in the prompt box, then run the edit.');
  const data = canvas && !canvas.isMaskEmpty() ? canvas.getMaskBytes() : null;
  if (!data)
    return localError(
      'invalid-input',
      'Paint a mask over the part of the photo to change, then run the edit.',
    );
  return {
    prompt,
    params: { ...s.params },
    feather: s.feather,
    mask: { width: s.project.width, height: s.project.height, data: data.slice() },
    references: s.references.map((r) => r.bytes),
    variations: s.variations,
  };
}

/**
 * Why the Run button is greyed out, or null when an edit can run: the words its tooltip and the line under
 * it show. The conditions are runRequest's, read from the state alone (the mask as the canvas last reported
 * it), named in the order a photographer works: photo, mask, prompt; both when both are missing.
 */
export function runBlocker(s: Pick<EditorState, 'project' | 'opening' | 'mask' | 'prompt'>): string | null {
  if (!s.project) return s.opening ? 'Wait until the photo has opened' : 'Open a photo first';
  const noMask = s.mask.empty;
  const noPrompt = s.prompt.trim().length === 0;
  if (noMask && noPrompt) return 'Paint a mask and describe the change first';
  if (noMask) return 'Paint a mask over the part to change first';
  if (noPrompt) return 'Describe the change in the prompt first';
  return null;
}

/**
 * The warning before a run whose region would come back below half the photo's resolution, or null: the
 * region the core would plan for the current mask's box with the size chosen in Advanced (the rule of
 * shared/region-scale.ts, default context margin), as the prompt panel shows it.
 */
export function resolutionWarning(s: EditorState): string | null {
  const b = s.mask.bounds;
  if (!s.project || s.mask.empty || !b) return null;
  const frame = regionFrame(b, { width: s.project.width, height: s.project.height }, { size: s.params.size });
  return lowResolutionWarning(frame.scale);
}

/**
 * What Re-run of `groupId` sends (the last request when this session did not run that group), and the
 * group it belongs to; null when there is nothing to send again.
 */
export function rerunTarget(
  s: EditorState,
  groupId: string | null,
): { req: RunRequest; group: string | null } | null {
  const own = groupId ? s.runs[groupId] : undefined;
  const req = own ?? s.lastRun;
  if (!req) return null;
  const group = own ? groupId : (Object.entries(s.runs).find(([, r]) => r === req)?.[0] ?? null);
  return { req, group };
}

/**
 * A request is being sent. A new attempt makes earlier failures moot: their rows go, the new job's row takes
 * their place. Rows with a paid result still to collect stay: that result is the user's until dismissed.
 */
export function submitting(s: EditorState, req: RunRequest): Patch {
  return {
    error: null,
    lastRun: req,
    jobs: s.jobs.filter((j) => isCollectable(j) || (j.state !== 'failed' && j.state !== 'cancelled')),
  };
}

/** Main accepted a request: its group is remembered for Re-run, each job gets its row. */
export function submitted(
  s: EditorState,
  req: RunRequest,
  res: { groupId: string; jobIds: string[] },
  projectId: string,
  now: number,
): Patch {
  const rows = res.jobIds
    .filter((id) => !s.jobs.some((j) => j.jobId === id))
    .map((jobId): TrackedJob => ({
      jobId,
      projectId,
      groupId: res.groupId,
      state: 'preparing',
      elapsedSeconds: 0,
      prompt: req.prompt,
      receivedAt: now,
    }));
  return { runs: { ...s.runs, [res.groupId]: req }, jobs: [...s.jobs, ...rows] };
}

// ---- effects -------------------------------------------------------------------------------------

export function createEditRequestActions(ctx: Ctx, deps: { collectGroup(groupId: string): Promise<void> }) {
  const { api, media } = ctx;
  let refSeq = 0;

  const submit = async (req: RunRequest): Promise<void> => {
    const project = ctx.get().project;
    if (!project) return;
    ctx.set((s) => submitting(s, req));
    try {
      const res = await api.invoke('edit:run', {
        projectId: project.id,
        prompt: req.prompt,
        params: req.params,
        feather: req.feather,
        mask: { kind: 'raw', width: req.mask.width, height: req.mask.height, data: req.mask.data },
        references: req.references,
        variations: req.variations,
      });
      ctx.set((s) => submitted(s, req, res, project.id, media.now()));
    } catch (e) {
      ctx.fail(e);
    }
  };

  /**
   * Run a request made earlier again (same mask, prompt and parameters). When the service already
   * accepted (and billed) that request and its result can still be collected, ask first in the confirm
   * dialog; `force` is the dialog's "Run again".
   */
  const rerun = async (groupId: string | null, force = false): Promise<void> => {
    const s = ctx.get();
    const target = rerunTarget(s, groupId);
    if (!target) return;
    if (!force && collectableJobs(s.jobs, target.group).length > 0) {
      ctx.set({ confirmRerun: { groupId: target.group }, dialog: 'confirm-rerun' });
      return;
    }
    await submit(target.req);
  };

  return {
    async run(): Promise<void> {
      await ctx.maskSettled();
      const req = runRequest(ctx.get(), ctx.canvas());
      if ('code' in req) ctx.showError(req);
      else await submit(req);
    },
    rerun,
    /** The confirm dialog's answer about a re-run of a paid, collectable edit. */
    async answerRerun(answer: 'collect' | 'run-again' | 'cancel'): Promise<void> {
      const pending = ctx.get().confirmRerun;
      ctx.set({ confirmRerun: null, dialog: null });
      if (!pending || answer === 'cancel') return;
      if (answer === 'run-again') await rerun(pending.groupId, true);
      else if (pending.groupId) await deps.collectGroup(pending.groupId);
    },
    setPrompt: (prompt: string) => ctx.set(promptSet(prompt)),
    setParams: (patch: Partial<EditParams>) => ctx.set((s) => paramsSet(s, patch)),
    setFeather: (feather: number) => ctx.set(featherSet(feather)),
    setVariations: (n: number) => ctx.set(variationsSet(n)),
    setAdvancedOpen: (advancedOpen: boolean) => ctx.set({ advancedOpen }),
    async addReferences(files: PickedFile[]): Promise<void> {
      const photos = files.filter(isPhotoFile);
      if (photos.length < files.length) {
        const words = 'Reference images must be photos (JPEG, PNG or WebP); the other files were left out.';
        ctx.showError(localError('unsupported-image', words));
      }
      const room = MAX_REFERENCES - ctx.get().references.length;
      if (photos.length > room) {
        const words = `The service takes at most ${MAX_REFERENCES} reference images; remove some before adding more.`;
        ctx.showError(localError('invalid-input', words));
      }
      const added: Reference[] = [];
      for (const f of photos.slice(0, Math.max(0, room))) {
        const bytes = new Uint8Array(await f.arrayBuffer());
        const url = media.objectUrl(bytes, f.type || 'image/png');
        added.push({ id: `ref-${++refSeq}`, name: f.name, bytes, url });
      }
      if (added.length) ctx.set((s) => ({ references: [...s.references, ...added] }));
    },
    removeReference(id: string): void {
      const ref = ctx.get().references.find((r) => r.id === id);
      if (ref) media.revoke(ref.url);
      ctx.set((s) => ({ references: s.references.filter((r) => r.id !== id) }));
    },
  };
}
