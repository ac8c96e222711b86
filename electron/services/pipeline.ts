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
import { promisify } from 'node:util';
import zlib from 'node:zlib';
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
// Not re-exported by the imaging index; used on a private copy only (see applyInBatches).
import { applyPatchInPlace } from './imaging/patch';
import { crashPoint } from './history/crash';
import type { ProjectStore } from './history';
import { newId, type JournalEntry, type StoredLayer } from './history';

export interface SessionOptions {
  limits?: Partial<ImagingLimits>;
  /** Keep the flattened image on disk (cache/current.bin) once at least this many layers are visible. Default 8. */
  diskCacheMinLayers?: number;
}

const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);
const CACHE_MAGIC = 'MRFLAT1\n';

interface CacheHeader {
  key: string[];
  width: number;
  height: number;
  channels: 3 | 4;
  depth: 8 | 16;
  format: string;
  icc: string | null;
  exif: string | null;
}

/** The flattened image as a cache file: magic, header length, JSON header, deflated pixels (little-endian). */
async function encodeFlat(key: string[], p: Photo): Promise<Uint8Array> {
  const header: CacheHeader = {
    key,
    width: p.width,
    height: p.height,
    channels: p.channels,
    depth: p.depth,
    format: p.format,
    icc: p.icc ? Buffer.from(p.icc).toString('base64') : null,
    exif: p.exif ? Buffer.from(p.exif).toString('base64') : null,
  };
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length);
  const px = await deflate(Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength), {
    level: 1,
  });
  return new Uint8Array(Buffer.concat([Buffer.from(CACHE_MAGIC), len, h, px]));
}

async function decodeFlat(bytes: Uint8Array): Promise<{ key: string[]; photo: Photo } | null> {
  try {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (b.subarray(0, CACHE_MAGIC.length).toString() !== CACHE_MAGIC) return null;
    const hl = b.readUInt32LE(CACHE_MAGIC.length);
    const start = CACHE_MAGIC.length + 4;
    const h = JSON.parse(b.subarray(start, start + hl).toString()) as CacheHeader;
    const raw = await inflate(b.subarray(start + hl));
    if (raw.length !== h.width * h.height * h.channels * (h.depth / 8)) return null;
    const pixels =
      h.depth === 16
        ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
        : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    const photo: Photo = {
      width: h.width,
      height: h.height,
      channels: h.channels,
      depth: h.depth,
      pixels,
      format: h.format,
      icc: h.icc ? new Uint8Array(Buffer.from(h.icc, 'base64')) : null,
      exif: h.exif ? new Uint8Array(Buffer.from(h.exif, 'base64')) : null,
    };
    return { key: h.key, photo };
  } catch {
    return null;
  }
}

function isPrefix(prefix: string[], of: string[]): boolean {
  return prefix.length <= of.length && prefix.every((id, i) => of[i] === id);
}

/** One open project: the store, the decoded original, the current image cached by its visible stack. */
export class ProjectSession {
  private original: Promise<Photo> | null = null;
  private flat: { key: string[]; photo: Promise<Photo> } | null = null;
  /** The stack the on-disk cache holds (undefined: not read yet). */
  private diskKey: string[] | null | undefined = undefined;
  private disk: Promise<{ key: string[]; photo: Photo } | null> | null = null;

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
    if (cached && isPrefix(cached.key, ids)) {
      const rest = layers.slice(cached.key.length);
      if (rest.length === 0) return cached.photo;
      return this.applyInBatches(await cached.photo, rest);
    }
    // The flattened image a previous session left on disk, when it is a prefix of this stack.
    const disk = await this.diskCache();
    if (disk && disk.key.length > 0 && isPrefix(disk.key, ids)) {
      return this.applyInBatches(disk.photo, layers.slice(disk.key.length));
    }
    return this.applyInBatches(await this.originalPhoto(), layers);
  }

  /**
   * Decodes and applies patches a batch at a time: memory holds one batch of patches, not all of them, and
   * the next batch decodes (on sharp's threads) while this one is applied.
   */
  private async applyInBatches(base: Photo, layers: StoredLayer[]): Promise<Photo> {
    const BATCH = 8;
    let img = base;
    let next = layers.length > 0 ? this.patches(layers.slice(0, BATCH)) : null;
    for (let i = 0; i < layers.length; i += BATCH) {
      const batch = await next!;
      next = i + BATCH < layers.length ? this.patches(layers.slice(i + BATCH, i + 2 * BATCH)) : null;
      // One copy (applyPatches never modifies its input, which may be the shared original or the cached
      // image), then in place: a 24 MP copy per batch would cost more than the patches themselves.
      if (img === base) img = applyPatches(base, batch);
      else for (const p of batch) applyPatchInPlace(img, p);
    }
    return img;
  }

  /** Decodes patches a few at a time (sharp decodes on its thread pool), keeping their order. */
  private async patches(layers: StoredLayer[]): Promise<Patch[]> {
    const out: Patch[] = new Array<Patch>(layers.length);
    let next = 0;
    const worker = async () => {
      while (next < layers.length) {
        const i = next++;
        out[i] = await this.patchOf(layers[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, layers.length) }, worker));
    return out;
  }

  private diskCache(): Promise<{ key: string[]; photo: Photo } | null> {
    if (!this.disk) {
      this.disk = this.store.readCache().then((b) => (b ? decodeFlat(b) : null));
      void this.disk.then((d) => (this.diskKey = d?.key ?? null));
    }
    return this.disk;
  }

  /**
   * Writes the current flattened image to the project's cache when the stack is deep enough for that to pay
   * off and the cache holds another stack. Derived data: a crash while writing it loses nothing.
   */
  async persistCache(): Promise<boolean> {
    const visible = this.store.visibleLayers().map((l) => l.id);
    if (this.store.readOnly || visible.length < (this.opts.diskCacheMinLayers ?? 8)) return false;
    if (this.diskKey === undefined) await this.diskCache();
    if (this.diskKey && sameIds(this.diskKey, visible)) return false;
    const photo = await this.current();
    if (
      !sameIds(
        this.store.visibleLayers().map((l) => l.id),
        visible,
      )
    )
      return false;
    await this.store.writeCache(await encodeFlat(visible, photo));
    this.diskKey = visible;
    this.disk = Promise.resolve({ key: visible, photo });
    return true;
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
    this.disk = null;
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

/** Resume failures that settle the job for good: its journal entry is dropped. */
const DEFINITIVE = new Set(['expired', 'blocked', 'invalid-input', 'unsupported-image', 'corrupt-project']);

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
    // Only a definitive answer drops the entry: anything else (no key yet, offline...) may succeed later.
    const final = cb.signal?.aborted ? cb.signal.reason !== CLOSING : isAppError(e) && DEFINITIVE.has(e.code);
    if (final) await store.removeJob(entry.jobId).catch(() => undefined);
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
