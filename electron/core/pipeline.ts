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
 * The open project (ProjectSession) lives in project-session.ts; this module re-exports it.
 */
import { trace } from './trace';
import type { EditParams, JobState, Rect } from '../../shared/contract';
import { AppError, environmentError, isAppError, type ErrorCode } from '../../shared/errors';
import { isEditApiError } from './edit-api/errors';
import type { EditApi, EditProgress, EditResult } from './edit-api/types';
import { MODEL } from './edit-api/types';
import {
  assertMaskFits,
  buildApiInputs,
  buildApiMask,
  compositeResult,
  encodeMaskPng,
  encodePatch,
  makeThumbnail,
  maskFromFile,
  planRegion,
  type ApiInputs,
  type Mask,
  type Patch,
  type Photo,
  type PhotoInfo,
  type RegionPlan,
} from './imaging';
import {
  compositePrepared,
  prepareComposite,
  rehearseComposite,
  type CompositePrep,
} from './imaging/composite';
import { loadPhotoRegion } from './imaging/load';
import { sameRect, type PhotoRegion } from './imaging/region';
import { crashPoint } from './project/crash';
import { newId, type JournalEntry, type StoredLayer } from './project';
import { generatedScale } from '../../shared/region-scale';
import type { ProjectSession } from './project-session';

export {
  ProjectSession,
  type SessionOptions,
  type PreviewTarget,
  type RenderedPreview,
} from './project-session';

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
  /** Inputs built ahead (prepareEdit), used when they fit this job and the session's stack. */
  prepared?: PreparedEdit;
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
    // The plan needs only the mask and the photo's size. The region's pixels are decoded and the inputs
    // built while the journal entry is written (nothing is sent before both are done); the region is held
    // only until the composite's preparation below has taken what it needs, a moment into the wait: an edit
    // waiting on the service holds no decoded pixels (a batch has several waiting at once).
    const stack = visibleStack(session);
    const ahead = job.prepared && preparedFits(job.prepared, job, stack) ? job.prepared : null;
    const plan = ahead?.plan ?? planRegion(job.mask, store, { size: job.params.size });
    const building = ahead?.built ?? buildInputs(session, job.mask, plan);
    building.then(() => trace('inputs-built')).catch(() => undefined);
    // Everything of the composite that needs no result, made while the service works (tens of seconds). It
    // starts once the service has the request (queued or processing), not before: its CPU work would
    // otherwise hold up the upload and the submit, and the service's wait starts only with the submit.
    const prepared: { base: Photo | PhotoRegion | null } = { base: null };
    let ready: Promise<FinishPrep | null> | null = null;
    // Set once the service has answered (result or failure): a rehearsal still under way stops there.
    let answered = false;
    const startPrep = (): Promise<FinishPrep | null> => {
      if (!ready) {
        ready = prepareFinish(prepared.base, job, plan, stack);
        prepared.base = null;
        // Then, while the service still works, the composite and the layer's files are rehearsed.
        ready
          .then((prep) => (prep && !answered ? rehearseFinish(prep.composite, () => !answered) : undefined))
          .catch(() => undefined);
      }
      return ready;
    };
    throwIfAborted(job.signal);
    const journaling = session.maskPng(job.mask).then((maskPng) =>
      store.addJob(
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
        maskPng,
        // Kept with the mask, so an edit cut off while being sent can be run again with them.
        job.references,
      ),
    );
    // Both settle before anything goes on: a failed build after a written entry drops the entry (below).
    journaling.then(() => trace('journal-written')).catch(() => undefined);
    const [journal, built] = await Promise.allSettled([journaling, building]);
    if (journal.status === 'rejected') throw journal.reason;
    journaled = true;
    if (built.status === 'rejected') throw built.reason;
    const { inputs } = built.value;
    prepared.base = built.value.base;
    crashPoint('after-journal');
    throwIfAborted(job.signal);
    const editing = deps.api.edit(
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
          // After the request is on its way: the client sends it before it looks at the event loop again.
          if ((p.stage === 'queued' || p.stage === 'processing') && !ready) setImmediate(startPrep);
        },
        onRequestId: async (id) => {
          requestId = id;
          await store.setJobRequestId(jobId, id);
          crashPoint('after-request-id');
        },
        onCredits: cb.onCredits,
      },
    );
    const result = await editing.catch((e: unknown) => {
      // No preparation for an edit that failed (nor one started later by a pending setImmediate).
      answered = true;
      ready ??= Promise.resolve(null);
      prepared.base = null;
      throw e;
    });
    answered = true;
    trace('result-downloaded');
    // Paid for: on disk before anything that depends on it is written. The patch is computed meanwhile (no
    // file is touched by that); finish() takes it only when its preparation still fits the image then.
    const composing = startPrep().then(async (prep) =>
      prep ? { prep, patch: await compositePrepared(prep.composite, result.image) } : null,
    );
    composing.catch(() => undefined);
    const entry = await store.saveJobResult(jobId, {
      image: result.image,
      mime: result.mime,
      requestId: result.requestId,
      creditsLeft: result.creditsLeft,
      cost: result.cost ?? null,
      timings: result.timings,
    });
    saved = true;
    trace('result-saved');
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
      composing,
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

/** The API inputs and the pixels they were made from (the current image, whole or the crop's region). */
interface BuiltInputs {
  inputs: ApiInputs;
  base: Photo | PhotoRegion;
}

/**
 * Builds the API inputs from the current image's pixels in the crop (ProjectSession.editSource: for the
 * CLI only that region is decoded and flattened, the app uses its whole current image). The stack must have
 * been read by the caller in the same synchronous run: editSource reads it again at once.
 */
function buildInputs(session: ProjectSession, mask: Mask, plan: RegionPlan): Promise<BuiltInputs> {
  const region = session.editSource(plan.crop);
  const apiMask = apiMaskAhead(mask, plan);
  return region.then(async (base) => {
    trace('region-ready');
    return { base, inputs: await buildApiInputs(base, mask, plan, apiMask) };
  });
}

/**
 * The API mask (buildApiMask), made while the region decodes: called just after that decode has started, so
 * that its JavaScript runs while libvips works instead of after the region is there. A failure is the
 * inputs' (buildApiInputs awaits it).
 */
function apiMaskAhead(mask: Mask, plan: RegionPlan): Promise<Uint8Array> {
  const made = buildApiMask(mask, plan);
  made.catch(() => undefined);
  return made;
}

/**
 * An edit's plan and API inputs made before its project is at hand, while the project is written: from a
 * new project's photo decoded whole, in a format without a cheaper check than its whole decode (prepareEdit;
 * a photo that does not decode creates nothing), or from a JPEG's region alone, decoded while the photo is
 * checked (prepareRegionEdit). runEdit uses them when they fit the job (the same mask and size option, an
 * empty stack, a photo of the project's size); otherwise it builds its own.
 */
export interface PreparedEdit {
  plan: RegionPlan;
  mask: Mask;
  size: EditParams['size'];
  stack: string[];
  width: number;
  height: number;
  built: Promise<BuiltInputs>;
}

/** Plans the region (synchronously) and starts building the inputs from `photo`, the project's original. */
export function prepareEdit(photo: Photo, mask: Mask, params: Pick<EditParams, 'size'>): PreparedEdit {
  const plan = planRegion(mask, photo, { size: params.size });
  const built = buildApiInputs(photo, mask, plan).then((inputs) => ({ inputs, base: photo }));
  built.catch(() => undefined);
  return {
    plan,
    mask,
    size: params.size,
    stack: [],
    width: photo.width,
    height: photo.height,
    built,
  };
}

/**
 * prepareEdit for a new project's JPEG (`bytes`, width x height upright), which is checked to decode
 * completely (verifyPhoto) rather than decoded: the region the plan sends is decoded from the file now, as
 * the edit would decode it from the project's copy of the same bytes once the project is made
 * (ProjectSession.currentRegion over an empty stack), so that its decode and the inputs overlap the check
 * and the project's writes instead of waiting for them. `decoding` as for loadPhotoRegion.
 */
export function prepareRegionEdit(
  bytes: Uint8Array,
  width: number,
  height: number,
  mask: Mask,
  params: Pick<EditParams, 'size'>,
  decoding?: () => void,
): PreparedEdit {
  const { plan, region } = originalRegionAhead(bytes, width, height, mask, params, decoding);
  const apiMask = apiMaskAhead(mask, plan);
  const built = region.then(async (base) => {
    trace('region-ready');
    return { base, inputs: await buildApiInputs(base, mask, plan, apiMask) };
  });
  built.catch(() => undefined);
  return { plan, mask, size: params.size, stack: [], width, height, built };
}

/**
 * The original's region an edit of `mask` (with the size option `params.size`) decodes, on a photo of
 * width x height, started from `bytes` (the original's file, or its read) before the project is at hand, with
 * the plan it comes from (the region is the plan's crop): given to the session as
 * SessionOptions.originalRegion, an existing project's edit starts from it; prepareRegionEdit builds a new
 * project's inputs from it. `decoding` and `info` (the bytes' probePhoto, started before the mask was read)
 * as for loadPhotoRegion.
 */
export function originalRegionAhead(
  bytes: Uint8Array | Promise<Uint8Array>,
  width: number,
  height: number,
  mask: Mask,
  params: Pick<EditParams, 'size'>,
  decoding?: () => void,
  info?: Promise<PhotoInfo>,
): { plan: RegionPlan; region: Promise<PhotoRegion> } {
  const plan = planRegion(mask, { width, height }, { size: params.size });
  const region = Promise.resolve(bytes).then((b) => loadPhotoRegion(b, plan.crop, undefined, decoding, info));
  region.catch(() => undefined);
  return { plan, region };
}

function preparedFits(p: PreparedEdit, job: EditJob, stack: string[]): boolean {
  return p.mask === job.mask && p.size === job.params.size && sameIds(p.stack, stack);
}

/** The ids of the layers the current image shows. */
function visibleStack(session: ProjectSession): string[] {
  return session.usableVisible().map((l) => l.id);
}

/**
 * The composite's result-independent part (the blend weight, the seam field's sent image and samples, the
 * layer's mask file), made while the service works, with what it was made from: finish() uses it only when
 * the image is still that one.
 */
interface FinishPrep {
  stack: string[];
  mask: Mask;
  composite: CompositePrep;
  maskPng: Uint8Array;
}

/**
 * The composite's result-dependent code (rehearseComposite) and the layer's files' encoders (the patch PNG,
 * the thumbnail) run once on made-up pixels while the edit waits on the service (`waiting`: checked before
 * each step, so a result that arrives meanwhile is not held up by more than the step under way), so that
 * the result's composite runs compiled code from its start rather than in V8's interpreter (on a 2-core
 * machine about 60 ms less from the result to the layer). Nothing of it is kept or written.
 *
 * First it detaches one throw-away ArrayBuffer. V8 optimizes typed-array code on the promise that no buffer
 * in the process has ever been detached, and drops all of that code, at once, the first time one is: undici
 * does it when the result is downloaded (its WebAssembly parser's memory grows), which would throw the
 * rehearsal away just before it is needed. Detached here, that has happened before anything is rehearsed;
 * the code compiled from then on checks for detached buffers itself, at no measurable cost.
 */
async function rehearseFinish(prep: CompositePrep, waiting: () => boolean): Promise<void> {
  detachOnce();
  // A turn of the event loop before each step: status polls and the result are not kept waiting.
  const goOn = () => new Promise<boolean>((r) => setImmediate(() => r(waiting())));
  if (!(await goOn())) return;
  const patch = rehearseComposite(prep);
  if (!(await goOn())) return;
  await encodePatch(patch);
  if (!(await goOn())) return;
  await makeThumbnail(patch, { icc: prep.icc, format: 'webp' });
}

let detached = false;

function detachOnce(): void {
  if (detached) return;
  detached = true;
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
}

/** Prepares the composite from `base`; null when that fails (finish() then does it all from the image). */
async function prepareFinish(
  base: Photo | PhotoRegion | null,
  job: EditJob,
  plan: ReturnType<typeof planRegion>,
  stack: string[],
): Promise<FinishPrep | null> {
  if (!base) return null;
  try {
    const composite = await prepareComposite(base, job.mask, plan, {
      feather: job.feather,
      colorMatch: job.colorMatch,
    });
    const maskPng = await encodeMaskPng(cropMask(job.mask, composite.rect));
    return { stack, mask: job.mask, composite, maskPng };
  } catch {
    return null;
  }
}

/** Whether a preparation still fits this job: same mask, plan and options, and the image it was made from. */
function prepFits(prep: FinishPrep, job: JobRecord, mask: Mask, stack: string[]): boolean {
  const c = prep.composite;
  return (
    prep.mask === mask &&
    c.feather === job.feather &&
    c.colorMatch === job.colorMatch &&
    samePlan(c.plan, job.sent.plan) &&
    sameIds(prep.stack, stack)
  );
}

/** The same region plan, field by field (the journal may hold the keys in another order). */
function samePlan(a: RegionPlan, b: RegionPlan): boolean {
  return (
    sameRect(a.crop, b.crop) &&
    a.pad.left === b.pad.left &&
    a.pad.right === b.pad.right &&
    a.pad.top === b.pad.top &&
    a.pad.bottom === b.pad.bottom &&
    a.apiSize === b.apiSize &&
    a.scale === b.scale
  );
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
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
  composing: Promise<{ prep: FinishPrep; patch: Patch } | null> | null = null,
): Promise<StoredLayer> {
  const store = session.store;
  cb.onState?.('compositing', result.requestId ? { requestId: result.requestId } : {});
  // Composite over the image as it is now: the patch made from the preparation of the wait (begun while
  // the result was saved) when the image is still the one it was made from, else everything from the
  // current image (another edit may have landed).
  const made = composing ? await composing : null;
  let patch: Patch;
  let icc: Uint8Array | null;
  let maskPng: Uint8Array | null = null;
  if (made && prepFits(made.prep, job, mask, visibleStack(session))) {
    patch = made.patch;
    icc = made.prep.composite.icc;
    maskPng = made.prep.maskPng;
  } else {
    const base = await session.current();
    patch = await compositeResult(base, result.image, mask, job.sent.plan, {
      feather: job.feather,
      colorMatch: job.colorMatch,
    });
    icc = base.icc;
  }
  trace('composite-done');
  // Past this point the result is paid for: a cancel no longer throws it away.
  const [patchPng, maskFile, thumb] = await Promise.all([
    encodePatch(patch),
    maskPng ?? encodeMaskPng(cropMask(mask, patch.rect)),
    makeThumbnail(patch, { icc, format: 'webp' }),
  ]);
  trace('layer-encoded');
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
    { patch: patchPng, mask: maskFile, thumb, thumbExt: 'webp' },
  );
  crashPoint('after-manifest');
  await store.removeJob(job.jobId);
  trace('journal-removed');
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
