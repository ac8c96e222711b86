/**
 * The edit pipeline: "this photo, this mask, this prompt" -> a new layer.
 *
 *   preparing    flatten the current image (cached), plan the region around the mask, build the API inputs
 *                journal the job (parameters + edit mask) before anything is sent
 *   uploading / queued / processing / downloading      the edit client; its request id is journaled the
 *                moment the service returns it, so a crash during the wait can be resumed within the hour
 *   compositing  scale back, colour-match, feathered blend inside the mask only -> a patch
 *                write patch + mask + thumbnail, then the manifest (the commit), then drop the journal entry
 *
 * A failed edit leaves the layers unchanged. Its journal entry is dropped, except when the service has the
 * request and the failure was on our side of the wait (timeout, offline, server error, app closing): then
 * the entry stays, so `maskroom resume` (or opening the project in the app) collects the paid result.
 *
 * ProjectSession is one open project in memory: the store plus the decoded original and a cache of the
 * current flattened image, so a second edit neither re-decodes the photo nor re-applies every layer.
 */
import type { EditParams, JobState, Rect } from '../../shared/contract';
import { AppError, isAppError } from '../../shared/errors';
import type { EditApi, EditProgress, EditResult } from './edit-api/types';
import { MODEL } from './edit-api/types';
import {
  applyPatches,
  buildApiInputs,
  compositeResult,
  decodePatch,
  encodeMaskPng,
  encodePatch,
  loadPhoto,
  makeThumbnail,
  maskFromFile,
  planRegion,
  type ImagingLimits,
  type Mask,
  type Patch,
  type Photo,
} from './imaging';
import { crashPoint } from './history/crash';
import type { ProjectStore} from './history';
import { newId, type JournalEntry, type StoredLayer } from './history';

export interface SessionOptions {
  limits?: Partial<ImagingLimits>;
}

/** One open project: the store, the decoded original, the current image cached by its visible stack. */
export class ProjectSession {
  private original: Promise<Photo> | null = null;
  private flat: { key: string[]; photo: Promise<Photo> } | null = null;

  constructor(
    readonly store: ProjectStore,
    private readonly opts: SessionOptions = {},
  ) {}

  /** The original photo, decoded once per session. */
  originalPhoto(): Promise<Photo> {
    if (!this.original) {
      this.original = this.store.readOriginal().then((b) => loadPhoto(b, this.opts.limits));
      this.original.catch(() => (this.original = null));
    }
    return this.original;
  }

  async patchOf(layer: StoredLayer): Promise<Patch> {
    const bytes = await this.store.readLayerFile(layer.id, 'patch');
    return decodePatch(bytes, layer.rect);
  }

  /** The original with the given layers applied in order. */
  async flatten(layers: StoredLayer[]): Promise<Photo> {
    const ids = layers.map((l) => l.id);
    const cached = this.flat;
    // Reuse the cached image when its stack is a prefix of the wanted one: apply only the new layers.
    if (cached && cached.key.length <= ids.length && cached.key.every((id, i) => ids[i] === id)) {
      const rest = layers.slice(cached.key.length);
      if (rest.length === 0) return cached.photo;
      const base = await cached.photo;
      return applyPatches(base, await this.patches(rest));
    }
    return applyPatches(await this.originalPhoto(), await this.patches(layers));
  }

  private async patches(layers: StoredLayer[]): Promise<Patch[]> {
    const out: Patch[] = [];
    for (const l of layers) out.push(await this.patchOf(l));
    return out;
  }

  /** The current image: the original with the visible layers applied. Cached. */
  current(): Promise<Photo> {
    const visible = this.store.visibleLayers();
    const key = visible.map((l) => l.id);
    if (this.flat && sameIds(this.flat.key, key)) return this.flat.photo;
    const photo = this.flatten(visible);
    const entry = { key, photo };
    this.flat = entry;
    photo.catch(() => {
      if (this.flat === entry) this.flat = null;
    });
    return photo;
  }

  /** The image right after this layer: the visible stack before it, plus the layer itself. */
  async upTo(layerId: string): Promise<Photo> {
    const layers = this.store.layers();
    const idx = layers.findIndex((l) => l.id === layerId);
    if (idx < 0) this.store.layer(layerId); // throws not-found
    const stack = layers.slice(0, idx + 1).filter((l, i) => l.visible || i === idx);
    return this.flatten(stack);
  }

  async close(): Promise<void> {
    this.flat = null;
    this.original = null;
    await this.store.close();
  }
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface JobCallbacks {
  /** Every state change, with the request id once known. */
  onState?: (state: JobState, info: { requestId?: string }) => void;
  onCredits?: (remaining: number) => void;
}

export interface EditJob {
  prompt: string;
  params: EditParams;
  feather: number;
  colorMatch: boolean;
  mask: Mask;
  references: Uint8Array[];
  jobId?: string;
  layerId?: string;
  groupId?: string | null;
  signal?: AbortSignal;
}

export interface PipelineDeps {
  api: EditApi;
  /** Recorded with each layer: how the inputs reached the service. */
  transport: 'upload' | 'inline';
  mode: 'async' | 'sync';
}

/** Errors after which the service may still deliver the result: keep the journal entry for `resume`. */
const RESUMABLE = new Set(['timeout', 'offline', 'server-error', 'rate-limited', 'outcome-unknown']);

function stateOf(p: EditProgress): JobState | null {
  switch (p.stage) {
    case 'uploading':
    case 'queued':
    case 'processing':
    case 'downloading':
      return p.stage;
    default:
      return null;
  }
}

function crashOnStage(state: JobState): void {
  if (state === 'uploading') crashPoint('uploading');
  else if (state === 'queued' || state === 'processing') crashPoint('polling');
  else if (state === 'downloading') crashPoint('downloading');
}

/** Runs one edit to a committed layer. */
export async function runEdit(
  session: ProjectSession,
  job: EditJob,
  deps: PipelineDeps,
  cb: JobCallbacks = {},
): Promise<StoredLayer> {
  const store = session.store;
  const jobId = job.jobId ?? newId('j');
  const layerId = job.layerId ?? newId('l');
  let requestId: string | null = null;
  let journaled = false;
  cb.onState?.('preparing', {});
  try {
    if (job.mask.width !== store.width || job.mask.height !== store.height) {
      throw new AppError(
        'invalid-input',
        `The mask is ${job.mask.width}x${job.mask.height} but the photo is ${store.width}x${store.height}; paint the mask on this photo again.`,
      );
    }
    const base = await session.current();
    const plan = planRegion(job.mask, base, { size: job.params.size });
    const inputs = await buildApiInputs(base, job.mask, plan);
    throwIfAborted(job.signal);
    await store.addJob(
      {
        jobId,
        layerId,
        groupId: job.groupId ?? null,
        prompt: job.prompt,
        params: job.params,
        sent: {
          apiSize: plan.apiSize,
          plan,
          references: job.references.length,
          transport: deps.transport,
          mode: deps.mode,
        },
        feather: job.feather,
        colorMatch: job.colorMatch,
        model: MODEL,
      },
      await encodeMaskPng(job.mask),
    );
    journaled = true;
    crashPoint('after-journal');
    const result = await deps.api.edit(
      {
        prompt: job.prompt,
        image: inputs.image,
        mask: inputs.mask,
        references: job.references,
        params: { ...job.params, size: plan.apiSize },
      },
      {
        signal: job.signal,
        onProgress: (p) => {
          const s = stateOf(p);
          if (s) {
            cb.onState?.(s, requestId ? { requestId } : {});
            crashOnStage(s);
          }
        },
        onRequestId: async (id) => {
          requestId = id;
          await store.setJobRequestId(jobId, id);
          crashPoint('after-request-id');
        },
        onCredits: cb.onCredits,
      },
    );
    const entry = (await store.pendingJobs()).find((e) => e.jobId === jobId);
    const sent = entry?.sent ?? {
      apiSize: plan.apiSize,
      plan,
      references: job.references.length,
      transport: deps.transport,
      mode: deps.mode,
    };
    return await finish(
      session,
      {
        jobId,
        layerId,
        groupId: job.groupId ?? null,
        prompt: job.prompt,
        params: job.params,
        feather: job.feather,
        colorMatch: job.colorMatch,
        sent,
      },
      job.mask,
      result,
      cb,
    );
  } catch (e) {
    if (!(requestId !== null && resumable(e, job.signal)) && journaled)
      await store.removeJob(jobId).catch(() => undefined);
    throw normaliseAbort(e, job.signal);
  }
}

/** Finishes a journaled job whose request id the service returned (after a crash or a lost connection). */
export async function resumeJob(
  session: ProjectSession,
  entry: JournalEntry,
  deps: PipelineDeps,
  cb: JobCallbacks & { signal?: AbortSignal } = {},
): Promise<StoredLayer> {
  const store = session.store;
  if (!entry.requestId)
    throw new AppError(
      'invalid-input',
      'This edit never reached the service, so there is nothing to resume; run it again.',
    );
  const requestId = entry.requestId;
  cb.onState?.('preparing', { requestId });
  try {
    const mask = await maskFromFile(await store.readJobMask(entry), store.width, store.height);
    const result = await deps.api.resume(requestId, {
      signal: cb.signal,
      onProgress: (p) => {
        const s = stateOf(p);
        if (s) {
          cb.onState?.(s, { requestId });
          crashOnStage(s);
        }
      },
      onCredits: cb.onCredits,
    });
    return await finish(session, entry, mask, result, cb);
  } catch (e) {
    if (!resumable(e, cb.signal)) await store.removeJob(entry.jobId).catch(() => undefined);
    throw normaliseAbort(e, cb.signal);
  }
}

type JobRecord = Pick<
  JournalEntry,
  'jobId' | 'layerId' | 'groupId' | 'prompt' | 'params' | 'feather' | 'colorMatch' | 'sent'
>;

async function finish(
  session: ProjectSession,
  job: JobRecord,
  mask: Mask,
  result: EditResult,
  cb: JobCallbacks,
): Promise<StoredLayer> {
  const store = session.store;
  cb.onState?.('compositing', result.requestId ? { requestId: result.requestId } : {});
  // Composite over the image as it is now (another edit may have landed meanwhile).
  const base = await session.current();
  const patch = await compositeResult(base, result.image, mask, job.sent.plan, {
    feather: job.feather,
    colorMatch: job.colorMatch,
  });
  // Past this point the result is paid for: a cancel no longer throws it away.
  const [patchPng, maskPng, thumb] = await Promise.all([
    encodePatch(patch),
    encodeMaskPng(cropMask(mask, patch.rect)),
    makeThumbnail(patch, { icc: base.icc, format: 'webp' }),
  ]);
  const layer = await store.appendLayer(
    {
      id: job.layerId,
      prompt: job.prompt,
      params: job.params,
      sent: job.sent,
      rect: patch.rect,
      feather: job.feather,
      colorMatch: job.colorMatch,
      requestId: result.requestId,
      model: MODEL,
      timings: result.timings,
      creditsLeft: result.creditsLeft,
      groupId: job.groupId,
    },
    { patch: patchPng, mask: maskPng, thumb, thumbExt: 'webp' },
  );
  crashPoint('after-manifest');
  await store.removeJob(job.jobId);
  cb.onState?.('done', result.requestId ? { requestId: result.requestId } : {});
  return layer;
}

function cropMask(mask: Mask, r: Rect): Mask {
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const s = (r.y + y) * mask.width + r.x;
    data.set(mask.data.subarray(s, s + r.width), y * r.width);
  }
  return { width: r.width, height: r.height, data };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new AppError('cancelled', 'The edit was cancelled; nothing was sent and no credits were used.');
}

/** Whether to keep the journal entry after this failure (the service still has the request). */
function resumable(e: unknown, signal: AbortSignal | undefined): boolean {
  // The app or CLI closing mid-wait aborts with reason 'closing': finish it next time.
  if (signal?.aborted) return signal.reason === CLOSING;
  return isAppError(e) && RESUMABLE.has(e.code);
}

/** Abort reason used when the app is closing (the job is kept for resume), as opposed to a user cancel. */
export const CLOSING = 'closing';

function normaliseAbort(e: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && !(isAppError(e) && e.code === 'cancelled')) {
    if (isAppError(e)) return e;
    return new AppError('cancelled', 'The edit was cancelled; the project is unchanged.', { cause: e });
  }
  return e;
}
