/**
 * The edit pipeline: "this photo, this mask, this prompt" -> a new layer.
 *
 *   preparing    flatten the current image (cached), plan the region around the mask, build the API inputs
 *                journal the job (parameters + edit mask) before anything is sent
 *   uploading / queued / processing / downloading      the edit client; its request id is journaled the
 *                moment the service returns it, so a crash during the wait can be resumed within the hour
 *                the result image is saved into the journal the moment it arrives (it is paid for)
 *   compositing  scale back, colour-match, feathered blend inside the mask only -> a patch
 *                write patch + mask + thumbnail, then the manifest (the commit), then drop the journal entry
 *
 * A failed edit leaves the layers unchanged. Before the service accepted it, its journal entry is dropped.
 * Once the service has accepted it, only a definitive answer of the service (blocked, expired) or a user's
 * cancel drops the entry: any other failure (the wait, the download, a full disk, a composite error) keeps
 * it, and is raised as a CollectableError whose message leads to collecting the result (`maskroom resume`,
 * the app's Collect result), never to running the edit again, which would pay twice. Resuming an entry
 * whose result is saved composites it from disk without contacting the service.
 *
 * ProjectSession is one open project in memory: the store plus the decoded original and a cache of the
 * current flattened image, so a second edit neither re-decodes the photo nor re-applies every layer.
 */
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { EditParams, JobState, Rect } from '../../shared/contract';
import { AppError, environmentError, isAppError, type ErrorCode } from '../../shared/errors';
import { isEditApiError } from './edit-api/errors';
import type { EditApi, EditProgress, EditResult } from './edit-api/types';
import { MODEL } from './edit-api/types';
import {
  applyPatches,
  assertMaskFits,
  buildApiInputs,
  compositeResult,
  decodePatch,
  encodeMaskPng,
  encodePatch,
  loadPhoto,
  makeThumbnail,
  maskFromFile,
  planRegion,
  renderPreview,
  type ImagingLimits,
  type Mask,
  type Patch,
  type Photo,
} from './imaging';
// Not re-exported by the imaging index; used on a private copy only (see applyInBatches).
import { applyPatchInPlace } from './imaging/patch';
import { crashPoint } from './project/crash';
import type { ProjectStore } from './project';
import { CACHE_DIR, newId, type JournalEntry, type StoredLayer } from './project';
import { PreviewCache, previewKey } from './project/preview-cache';
import { generatedScale } from '../../shared/region-scale';

export interface SessionOptions {
  limits?: Partial<ImagingLimits>;
  /** Keep the flattened image on disk (cache/current.bin) once at least this many layers are visible. Default 8. */
  diskCacheMinLayers?: number;
  /**
   * Rewrite cache/current.bin only once the stack has grown this many layers past the one it holds (a
   * prefix of the stack is applied from in a moment), so an edit rarely pays for a full-frame write. Default 8.
   */
  diskCacheRefreshLayers?: number;
  /** Told how many of the layers being applied are applied, after each batch (0 first): long flattens show it. */
  onFlattenProgress?: (applied: number, total: number) => void;
}

/** What a preview shows: the original, the current image, or the image right after a layer. */
export type PreviewTarget = { kind: 'original' } | { kind: 'current' } | { kind: 'layer'; layerId: string };

export interface RenderedPreview {
  data: Uint8Array;
  width: number;
  height: number;
  /** Whether it came from cache/ (no pixel of the photo was decoded). */
  cached: boolean;
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
  private readonly previews: PreviewCache;
  /** Preview files being written; close() waits for them. */
  private readonly writes = new Set<Promise<void>>();
  /** The full-frame edit mask encoded once, for every variation that shares it. */
  private readonly maskPngs = new WeakMap<Mask, Promise<Uint8Array>>();

  constructor(
    readonly store: ProjectStore,
    private readonly opts: SessionOptions = {},
  ) {
    this.previews = new PreviewCache(path.join(store.dir, CACHE_DIR), () => !store.readOnly);
  }

  /** The edit mask as PNG, encoded once per mask (the variations of one edit share theirs). */
  maskPng(mask: Mask): Promise<Uint8Array> {
    let p = this.maskPngs.get(mask);
    if (!p) {
      p = encodeMaskPng(mask);
      this.maskPngs.set(mask, p);
      p.catch(() => this.maskPngs.delete(mask));
    }
    return p;
  }

  /**
   * A screen-sized preview (sRGB JPEG, longest side maxSize) of a target. It is kept in cache/ by the stack
   * it shows, so reopening a deep project, or going back to a state the history shows, reads one small file
   * instead of decoding the original and applying every layer; full resolution is decoded only when asked
   * for (zoom, export, an edit).
   */
  async preview(target: PreviewTarget, maxSize: number): Promise<RenderedPreview> {
    const stack =
      target.kind === 'original'
        ? []
        : target.kind === 'current'
          ? this.usableVisible()
          : this.stackUpTo(target.layerId);
    const key = previewKey(
      stack.map((l) => l.id),
      maxSize,
    );
    const k = Math.min(1, maxSize / Math.max(this.store.width, this.store.height));
    const width = Math.max(1, Math.round(this.store.width * k));
    const height = Math.max(1, Math.round(this.store.height * k));
    // A layer whose files are gone is said so (as rendering it from its files would), not shown from cache.
    const usable = target.kind !== 'layer' || !this.store.damaged(target.layerId);
    const hit = usable ? await this.previews.get(key) : null;
    if (hit) return { data: hit, width, height, cached: true };
    const photo =
      target.kind === 'original'
        ? await this.originalPhoto()
        : target.kind === 'current'
          ? await this.current()
          : await this.flatten(stack);
    const data = await renderPreview(photo, maxSize);
    // Written behind the answer: the preview is on screen before its file is on disk.
    const w = this.previews.put(key, data).catch(() => undefined);
    this.writes.add(w);
    void w.then(() => this.writes.delete(w));
    return { data, width, height, cached: false };
  }

  /** Waits for preview files still being written (tests, close). */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  /** The original photo, decoded once per session. */
  originalPhoto(): Promise<Photo> {
    if (!this.original) {
      this.original = this.store.readOriginal().then((b) => loadPhoto(b, this.opts.limits));
      this.original.catch(() => (this.original = null));
    }
    return this.original;
  }

  async patchOf(layer: StoredLayer): Promise<Patch> {
    const damaged = this.store.damaged(layer.id);
    if (damaged) throw damagedLayerError(this.store, layer, damaged);
    try {
      const bytes = await this.store.readLayerFile(layer.id, 'patch');
      return await decodePatch(bytes, layer.rect);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `layers/${layer.files.patch} is missing`
          : `layers/${layer.files.patch} cannot be read (${code ?? 'it does not decode'})`;
      this.store.markDamaged(layer.id, reason);
      throw damagedLayerError(this.store, layer, reason);
    }
  }

  /** The visible layers that can be applied (a damaged layer is left out of the image, never dropped). */
  usableVisible(): StoredLayer[] {
    return this.store.visibleLayers().filter((l) => !this.store.damaged(l.id));
  }

  /** Visible layers whose files are damaged, with their 1-based position in the stack (for messages). */
  damagedVisible(): Array<{ position: number; layer: StoredLayer; reason: string }> {
    return this.store
      .layers()
      .map((layer, i) => ({ position: i + 1, layer, reason: this.store.damaged(layer.id) }))
      .filter(
        (x): x is { position: number; layer: StoredLayer; reason: string } =>
          x.layer.visible && x.reason !== null,
      );
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
    const progress = this.opts.onFlattenProgress;
    if (progress && layers.length > 0) progress(0, layers.length);
    for (let i = 0; i < layers.length; i += BATCH) {
      const batch = await next!;
      next = i + BATCH < layers.length ? this.patches(layers.slice(i + BATCH, i + 2 * BATCH)) : null;
      // One copy (applyPatches never modifies its input, which may be the shared original or the cached
      // image), then in place: a 24 MP copy per batch would cost more than the patches themselves.
      if (img === base) img = applyPatches(base, batch);
      else for (const p of batch) applyPatchInPlace(img, p);
      progress?.(Math.min(layers.length, i + BATCH), layers.length);
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
    const visible = this.usableVisible().map((l) => l.id);
    if (this.store.readOnly || visible.length < (this.opts.diskCacheMinLayers ?? 8)) return false;
    if (this.diskKey === undefined) await this.diskCache();
    if (this.diskKey && sameIds(this.diskKey, visible)) return false;
    // A prefix a few layers short is nearly as good: rewriting the full frame after every edit is not.
    const refresh = this.opts.diskCacheRefreshLayers ?? 8;
    if (this.diskKey && this.diskKey.length > 0 && isPrefix(this.diskKey, visible)) {
      if (visible.length - this.diskKey.length < refresh) return false;
    }
    const photo = await this.current();
    if (
      !sameIds(
        this.usableVisible().map((l) => l.id),
        visible,
      )
    )
      return false;
    await this.store.writeCache(await encodeFlat(visible, photo));
    this.diskKey = visible;
    this.disk = Promise.resolve({ key: visible, photo });
    return true;
  }

  /** The current image: the original with the visible (undamaged) layers applied. Cached. */
  current(): Promise<Photo> {
    const visible = this.usableVisible();
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
    return this.flatten(this.stackUpTo(layerId));
  }

  private stackUpTo(layerId: string): StoredLayer[] {
    const layers = this.store.layers();
    const idx = layers.findIndex((l) => l.id === layerId);
    if (idx < 0) this.store.layer(layerId); // throws not-found
    return layers.slice(0, idx + 1).filter((l, i) => i === idx || (l.visible && !this.store.damaged(l.id)));
  }

  /**
   * Lets go of the decoded photo and the flattened image (they are decoded again when next needed): a batch
   * calls it while an edit waits on the service, so waiting photos hold no pixels.
   */
  forgetDecoded(): void {
    this.flat = null;
    this.original = null;
    this.disk = null;
    this.diskKey = undefined;
  }

  async close(): Promise<void> {
    await this.settled();
    this.flat = null;
    this.disk = null;
    this.original = null;
    await this.store.close();
  }
}

/** The one-sentence error for a layer whose files cannot be used. */
function damagedLayerError(store: ProjectStore, layer: StoredLayer, reason: string): AppError {
  const n = store.layers().findIndex((l) => l.id === layer.id) + 1;
  return new AppError(
    'damaged-layer',
    `Layer ${n} ("${layer.prompt}", ${layer.id}) cannot be used because ${reason}; put the file back (for example, let the cloud folder finish syncing) or hide that layer.`,
  );
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

/** Answers of the service that settle an accepted job for good: its journal entry is dropped. */
const DEFINITIVE = new Set<ErrorCode>(['expired', 'blocked']);
/** Also definitive when the service itself says so about the request (not when our own code fails). */
const DEFINITIVE_FROM_SERVICE = new Set<ErrorCode>(['invalid-input', 'unsupported-image']);

function definitive(e: unknown): boolean {
  if (!isAppError(e)) return false;
  return DEFINITIVE.has(e.code) || (isEditApiError(e) && DEFINITIVE_FROM_SERVICE.has(e.code));
}

const COLLECT_TAIL = '(it is paid for; running the edit again would pay twice)';

/**
 * Raised when the service accepted (and charged) an edit that Maskroom did not finish; its journal entry is
 * kept. `situation` says what happened (no advice); `before` is what must be done before collecting (e.g.
 * free some space). Hosts complete the sentence with how to collect: the app's message says "collect the
 * result", the CLI's `collectSentence(e, "run `maskroom resume ...` to collect it")`.
 */
export class CollectableError extends AppError {
  constructor(
    code: ErrorCode,
    readonly situation: string,
    readonly before: string,
    readonly requestId: string,
    cause: unknown,
  ) {
    super(code, `${situation}; ${before}collect the result ${COLLECT_TAIL}.`, {
      cause,
      collect: { requestId },
    });
    this.name = 'CollectableError';
  }
}

export function isCollectableError(e: unknown): e is CollectableError {
  return e instanceof CollectableError;
}

/** The error's sentence with another way of collecting: `how` e.g. "run `maskroom resume --project D` to collect it". */
export function collectSentence(e: CollectableError, how: string): string {
  return `${e.situation}; ${e.before}${how} ${COLLECT_TAIL}.`;
}

function firstClause(message: string): string {
  return (message.split('\n')[0] ?? '').split('; ')[0]!.replace(/[.\s]+$/, '');
}

const lowerFirst = (s: string) => (s ? s[0]!.toLowerCase() + s.slice(1) : s);

/** Wraps a failure after acceptance into the error that leads to collecting the result. */
function collectable(
  raw: unknown,
  requestId: string | null,
  jobId: string,
  saved: boolean,
): CollectableError {
  if (isCollectableError(raw)) return raw;
  // A fault of the machine not yet put in words (ENOSPC from anywhere): put it in words first.
  const e = isAppError(raw) ? raw : (environmentError(raw, 'Saving the edit') ?? raw);
  const code: ErrorCode = isAppError(e) ? e.code : 'internal';
  const kept = saved ? "; the result is saved in the project's journal" : '';
  // The request id is named once, in the opening clause; the rest speaks of "the result".
  let what: string;
  let before = '';
  switch (code) {
    case 'server-error':
      what = 'the edit service had a server error while Maskroom waited for the result';
      break;
    case 'rate-limited':
      what = 'the edit service rate-limited Maskroom while it waited for the result';
      break;
    case 'timeout':
      what =
        'the result was not ready within the time Maskroom waits (the service keeps results for one hour)';
      break;
    case 'offline':
    case 'outcome-unknown':
      what = 'the connection to the edit service was lost before the result arrived';
      break;
    case 'bad-response':
    case 'too-large':
      what = "the edit service's answer with the result could not be read";
      break;
    case 'no-api-key':
    case 'bad-api-key':
      what = 'Maskroom could not fetch the result without a valid API key';
      before = 'set the key, then ';
      break;
    case 'forbidden':
      what = `Maskroom did not download the result (${firstClause((e as Error).message)})`;
      before = 'check the service address (or the hosts allowed for results), then ';
      break;
    case 'cancelled':
      what = 'Maskroom stopped waiting for the result';
      break;
    case 'disk-full':
      what = `${lowerFirst(firstClause((e as Error).message))}`;
      before = 'free some space there, then ';
      break;
    case 'read-only':
    case 'permission-denied':
      what = `${lowerFirst(firstClause((e as Error).message))}`;
      before = 'make the project folder writable, then ';
      break;
    default:
      what = `Maskroom could not finish it (${firstClause(e instanceof Error ? e.message : String(e))})`;
  }
  const situation = `The edit service accepted this edit${requestId ? ` (request ${requestId})` : ''}, but ${what}${kept}`;
  return new CollectableError(code, situation, before, requestId ?? jobId, e);
}

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
  let saved = false;
  cb.onState?.('preparing', {});
  try {
    assertMaskFits(job.mask, store);
    // The current image is used only here: once this returns it is out of scope, so an edit waiting on the
    // service holds no decoded pixels (a batch has several waiting at once).
    const { plan, inputs } = await prepareInputs(session, job);
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
      await session.maskPng(job.mask),
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
    // Paid for: on disk before anything else is done with it.
    const entry = await store.saveJobResult(jobId, {
      image: result.image,
      mime: result.mime,
      requestId: result.requestId,
      creditsLeft: result.creditsLeft,
      cost: result.cost ?? null,
      timings: result.timings,
    });
    saved = true;
    requestId ??= result.requestId;
    crashPoint('after-result');
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
    const accepted = requestId !== null || saved;
    const keep = accepted && keepAfterAcceptance(e, job.signal);
    if (!keep) {
      if (journaled) await store.removeJob(jobId).catch(() => undefined);
      throw normaliseAbort(e, job.signal);
    }
    throw collectable(normaliseAbort(e, job.signal), requestId, jobId, saved);
  }
}

/** Plans the region around the mask and builds the API inputs from the current image. */
async function prepareInputs(
  session: ProjectSession,
  job: EditJob,
): Promise<{ plan: ReturnType<typeof planRegion>; inputs: Awaited<ReturnType<typeof buildApiInputs>> }> {
  const base = await session.current();
  const plan = planRegion(job.mask, base, { size: job.params.size });
  return { plan, inputs: await buildApiInputs(base, job.mask, plan) };
}

/** Finishes a journaled job whose request id the service returned (after a crash or a lost connection). */
export async function resumeJob(
  session: ProjectSession,
  entry: JournalEntry,
  deps: PipelineDeps,
  cb: JobCallbacks & { signal?: AbortSignal } = {},
): Promise<StoredLayer> {
  const store = session.store;
  // Already committed (a crash after the manifest, or a second collect): done, never a second layer.
  if (store.hasLayer(entry.layerId)) {
    await store.removeJob(entry.jobId).catch(() => undefined);
    cb.onState?.('done', entry.requestId ? { requestId: entry.requestId } : {});
    return store.layer(entry.layerId);
  }
  const requestId = entry.requestId ?? entry.result?.requestId ?? null;
  if (!requestId && !entry.result)
    throw new AppError(
      'invalid-input',
      'This edit never reached the service, so there is nothing to resume; run it again.',
    );
  cb.onState?.('preparing', requestId ? { requestId } : {});
  let saved = entry.result !== null;
  try {
    const mask = await maskFromFile(await store.readJobMask(entry), store.width, store.height);
    const bytes = await store.readJobResult(entry);
    let result: EditResult;
    if (bytes && entry.result) {
      // The result was saved when it arrived: finish from disk, without the service.
      result = {
        image: bytes,
        mime: entry.result.mime,
        requestId: entry.result.requestId ?? requestId,
        creditsLeft: entry.result.creditsLeft,
        cost: entry.result.cost,
        timings: entry.result.timings,
      };
    } else {
      saved = false;
      if (!requestId)
        throw new AppError(
          'corrupt-project',
          `The saved result of "${entry.prompt}" is missing from the journal and the edit has no request id to fetch it again; run the edit again.`,
        );
      result = await deps.api.resume(requestId, {
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
      await store.saveJobResult(entry.jobId, {
        image: result.image,
        mime: result.mime,
        requestId: result.requestId ?? requestId,
        creditsLeft: result.creditsLeft,
        cost: result.cost ?? null,
        timings: result.timings,
      });
      saved = true;
      crashPoint('after-result');
    }
    return await finish(session, entry, mask, result, cb);
  } catch (e) {
    // Only a definitive answer (or a user's cancel) drops the entry: anything else may succeed later.
    if (!keepAfterAcceptance(e, cb.signal)) {
      await store.removeJob(entry.jobId).catch(() => undefined);
      throw normaliseAbort(e, cb.signal);
    }
    throw collectable(normaliseAbort(e, cb.signal), requestId, entry.jobId, saved);
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
  if (store.hasLayer(job.layerId)) {
    // Another collect of the same job committed it meanwhile.
    await store.removeJob(job.jobId);
    cb.onState?.('done', result.requestId ? { requestId: result.requestId } : {});
    return store.layer(job.layerId);
  }
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
      cost: result.cost ?? null,
      // API pixels per photo pixel, capped at 1: what the history shows as the edit's resolution.
      generatedScale: generatedScale(job.sent.plan.scale),
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

/**
 * Whether to keep the journal entry of an accepted edit after this failure: always, except for a definitive
 * answer of the service or a user's cancel (the app or CLI closing mid-wait aborts with reason 'closing':
 * that one is finished next time).
 */
function keepAfterAcceptance(e: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return signal.reason === CLOSING;
  return !definitive(e);
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
