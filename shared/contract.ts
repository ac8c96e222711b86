/**
 * The IPC contract: every call (renderer -> main, request/response) and every event (main -> renderer),
 * declared once with a runtime schema. Main validates each payload against it; the Electron IPC binding,
 * the web host and the tests all dispatch through the same handler table (electron/core/handlers.ts).
 *
 * Binary payloads (photos, masks, rendered images) travel as Uint8Array: structured clone over Electron
 * IPC, a framed binary body over the web host (shared/wire.ts). Never as data URLs.
 */
import { z } from 'zod';
import { menuCommandIds } from './commands';
import { errorCodes } from './errors';
import { EXPORT_FORMAT_IDS } from './formats';
import { limits } from './limits';

export const Bytes = z.instanceof(Uint8Array, { message: 'expected binary data (Uint8Array)' });

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, - and _');

export const Rect = z.object({
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type Rect = z.infer<typeof Rect>;

export const apiSizes = ['1024x1024', '1536x1024', '1024x1536'] as const;
export const ApiSize = z.enum(apiSizes);
export type ApiSize = z.infer<typeof ApiSize>;

/**
 * The service's parameters (docs/edit-service.md). `size: 'auto'` means Maskroom picks the best-fitting API size.
 * The option lists and defaults are declared only here: the UI's fields, the CLI's checks and its help read
 * them from this schema (shared/edit-params.ts).
 */
export const EditParams = z.object({
  size: z.enum(['auto', ...apiSizes]).default('auto'),
  quality: z.enum(['low', 'medium', 'high', 'auto']).default('high'),
  background: z.enum(['opaque', 'transparent']).default('opaque'),
  outputFormat: z.enum(['png', 'jpeg', 'webp']).default('png'),
  outputCompression: z
    .number()
    .int()
    .min(limits.outputCompression.min)
    .max(limits.outputCompression.max)
    .default(95),
  moderation: z.enum(['auto', 'low']).default('auto'),
});
export type EditParams = z.output<typeof EditParams>;
export type EditParamsInput = z.input<typeof EditParams>;

/** The edit mask: 8-bit, the photo's size, 255 = change, 0 = keep. Raw bytes, or a PNG (luminance). */
export const MaskPayload = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('raw'),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    data: Bytes,
  }),
  z.object({ kind: z.literal('png'), data: Bytes }),
]);
export type MaskPayload = z.infer<typeof MaskPayload>;

/** The states of a job still in flight, in the order a job passes through them. */
export const activeJobStates = [
  'preparing',
  'uploading',
  'queued',
  'processing',
  'downloading',
  'compositing',
] as const;
export const jobStates = [...activeJobStates, 'done', 'failed', 'cancelled'] as const;
export const JobState = z.enum(jobStates);
export type JobState = z.infer<typeof JobState>;
export type ActiveJobState = (typeof activeJobStates)[number];

const activeJobStateSet: ReadonlySet<JobState> = new Set(activeJobStates);
/** True while a job is still in flight (not done, failed or cancelled). */
export function isActiveJobState(state: JobState): state is ActiveJobState {
  return activeJobStateSet.has(state);
}

export const WireErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  /** Present when the service accepted the edit and its result can still be collected (never re-run it). */
  collect: z.object({ requestId: z.string() }).optional(),
});

export const JobStatus = z.object({
  jobId: Id,
  projectId: Id,
  groupId: Id,
  state: JobState,
  elapsedSeconds: z.number().nonnegative(),
  prompt: z.string(),
  requestId: z.string().optional(),
  layerId: Id.optional(),
  error: WireErrorSchema.optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const Layer = z.object({
  id: Id,
  prompt: z.string(),
  visible: z.boolean(),
  rect: Rect,
  createdAt: z.string(),
  requestId: z.string().nullable(),
  groupId: Id.nullable(),
  model: z.string(),
  params: EditParams,
  feather: z.number().nonnegative(),
  creditsLeft: z.number().nullable(),
  /** What the service reported this edit cost (USD), or null when it did not say. */
  cost: z.number().nullable(),
  /** Why this layer's files cannot be read (missing or damaged), or null when it is whole. */
  damaged: z.string().nullable(),
  /**
   * At what scale the layer's pixels were generated: API pixels per photo pixel, capped at 1 (1 = the
   * photo's own resolution); null when not known.
   */
  generatedScale: z.number().positive().max(1).nullable(),
  timings: z.record(z.string(), z.number()),
});
export type Layer = z.infer<typeof Layer>;

/**
 * An edit that was cut off while being sent (the app closed or crashed after it was journaled, before the
 * service answered): the service may have charged for it, but without a request id its result cannot be
 * collected. Kept with its prompt, parameters and mask until the photographer runs it again or dismisses it.
 */
export const DroppedEdit = z.object({
  jobId: Id,
  prompt: z.string(),
  params: EditParams,
  feather: z.number().nonnegative(),
  /** How many reference images it sent. */
  references: z.number().int().nonnegative(),
  /**
   * Whether they are kept with it (and sent again when it is run again): false only for an edit journaled
   * by an older Maskroom, or whose reference files are gone from the project folder; running it again then
   * sends none.
   */
  referencesKept: z.boolean(),
  /** When it was journaled (sent), ISO 8601. */
  createdAt: z.string(),
});
export type DroppedEdit = z.infer<typeof DroppedEdit>;

export const ProjectState = z.object({
  id: Id,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  revision: z.number().int().nonnegative(),
  layers: z.array(Layer),
  jobs: z.array(JobStatus),
  /** Edits cut off while being sent, oldest first (absent: none). */
  droppedEdits: z.array(DroppedEdit).optional(),
});
export type ProjectState = z.infer<typeof ProjectState>;

export const ProjectSummary = z.object({
  id: Id,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layerCount: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const Settings = z.object({
  apiKeySet: z.boolean(),
  /** Where the key lives: encrypted by the OS, in plain text (OS offers no secret store), the environment, nowhere. */
  keyStorage: z.enum(['encrypted', 'plaintext', 'environment', 'memory', 'none']),
  keyStorageWarning: z.string().nullable(),
  apiBase: z.string().url(),
  storageBase: z.string().url(),
  transport: z.enum(['upload', 'inline']),
  mode: z.enum(['async', 'sync']),
  timeoutSeconds: z.number().int().min(limits.timeoutSeconds.min).max(limits.timeoutSeconds.max),
  defaults: EditParams,
  feather: z.number().min(limits.feather.min).max(limits.feather.max),
  colorMatch: z.boolean(),
  libraryDir: z.string(),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.omit({ apiKeySet: true, keyStorage: true, keyStorageWarning: true })
  .extend({ defaults: EditParams.partial() })
  .partial();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const RenderTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('original') }),
  z.object({ kind: z.literal('current') }),
  /** The image as it was right after this layer: the visible stack up to and including it. */
  z.object({ kind: z.literal('layer'), layerId: Id }),
  z.object({ kind: z.literal('thumbnail'), layerId: Id }),
  /**
   * Only this layer's own pixels, over its rect (Layer.rect), transparent where its mask is 0, in sRGB as a
   * PNG: what the canvas pastes over the image it shows when the layer lands on top of it, before the whole
   * image is rendered again. maxSize: longest side.
   */
  z.object({ kind: z.literal('patch'), layerId: Id }),
]);
export type RenderTarget = z.infer<typeof RenderTarget>;

export const RenderedImage = z.object({
  data: Bytes,
  mime: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type RenderedImage = z.infer<typeof RenderedImage>;

/** The formats the image exports as: the export rows of shared/formats.ts. */
export const ExportFormat = z.enum(EXPORT_FORMAT_IDS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** One photo of a batch (the same edit across a set of photos: docs/user-guide.md, "Apply to other photos"). */
export const BatchItemStatus = z.enum(['queued', 'running', 'accepted', 'done', 'failed', 'cancelled']);
export type BatchItemStatus = z.infer<typeof BatchItemStatus>;
export const BatchItem = z.object({
  itemId: Id,
  name: z.string(),
  status: BatchItemStatus,
  /** The photo's own project in the library (open it with project:open once the item is done). */
  projectId: Id,
  requestId: z.string().nullable(),
  /** What the service reported the edit cost (USD), or null. */
  cost: z.number().nullable(),
  error: z.string().nullable(),
  /** Kept in the library (the default); a result not kept is removed with its project. */
  kept: z.boolean(),
  /**
   * Sent again: its edit was being sent when an earlier run stopped, before the service answered, so the
   * service may charge for it twice (absent: false).
   */
  resent: z.boolean().optional(),
});
export type BatchItem = z.infer<typeof BatchItem>;
export const BatchState = z.object({
  batchId: Id,
  prompt: z.string(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  running: z.number().int(),
  /** True once no photo is queued or running (all done, failed or cancelled). */
  finished: z.boolean(),
  /** Sum of the costs the service reported so far, or null when it reported none. */
  cost: z.number().nullable(),
  /** Cost per edit as the service reported it so far (this batch, else the library's layers), or null. */
  costPerEdit: z.number().nullable(),
  startedAt: z.string(),
  items: z.array(BatchItem),
});
export type BatchState = z.infer<typeof BatchState>;

const empty = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });

function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const calls = {
  'app:info': call(
    empty,
    z.object({ version: z.string(), host: z.enum(['electron', 'web']), platform: z.string() }),
  ),
  'settings:get': call(empty, Settings),
  'settings:update': call(SettingsPatch, Settings),
  /** Write-only: the renderer can set or clear the key, never read it back. */
  'settings:setApiKey': call(z.object({ key: z.string().trim().min(1).max(1000).nullable() }), Settings),
  'projects:list': call(empty, z.array(ProjectSummary)),
  'project:create': call(z.object({ name: z.string().min(1).max(255), photo: Bytes }), ProjectState),
  'project:open': call(z.object({ projectId: Id }), ProjectState),
  'project:close': call(z.object({ projectId: Id }), ok),
  'image:render': call(
    z.object({
      projectId: Id,
      target: RenderTarget,
      /** Longest side in pixels; omitted = full resolution. */
      maxSize: z.number().int().min(16).max(65535).optional(),
    }),
    RenderedImage,
  ),
  'edit:run': call(
    z.object({
      projectId: Id,
      prompt: z.string().trim().min(1, 'describe the change in the prompt').max(limits.prompt.max),
      params: EditParams,
      feather: z.number().min(limits.feather.min).max(limits.feather.max).optional(),
      mask: MaskPayload,
      references: z.array(Bytes).max(limits.references.max).default([]),
      variations: z.number().int().min(limits.variations.min).max(limits.variations.max).default(1),
    }),
    z.object({ groupId: Id, jobIds: z.array(Id) }),
  ),
  'edit:cancel': call(z.object({ jobId: Id }), ok),
  /** Collect the result of an edit the service accepted but Maskroom did not finish (never submits again). */
  'edit:collect': call(z.object({ projectId: Id, jobId: Id }), ok),
  /**
   * Run an edit that was cut off while being sent (ProjectState.droppedEdits) again, with its prompt,
   * parameters, feather and mask; the service may charge for it a second time.
   */
  'edit:retryDropped': call(
    z.object({ projectId: Id, jobId: Id }),
    z.object({ groupId: Id, jobIds: z.array(Id) }),
  ),
  /** Forget an edit that was cut off while being sent (its notice, prompt and mask). */
  'edit:dismissDropped': call(z.object({ projectId: Id, jobId: Id }), ProjectState),
  'layer:setVisible': call(z.object({ projectId: Id, layerId: Id, visible: z.boolean() }), ProjectState),
  /** Non-destructive: hides every layer after this one (null = back to the original). */
  'layer:revertTo': call(z.object({ projectId: Id, layerId: Id.nullable() }), ProjectState),
  'layer:delete': call(z.object({ projectId: Id, layerId: Id }), ProjectState),
  /** Variations: show this layer of its group and hide its siblings. */
  'layer:choose': call(z.object({ projectId: Id, layerId: Id }), ProjectState),
  'export:image': call(
    z.object({
      projectId: Id,
      format: ExportFormat,
      quality: z.number().int().min(limits.exportQuality.min).max(limits.exportQuality.max).optional(),
      /** Export the stack up to this layer instead of the current image. */
      layerId: Id.optional(),
    }),
    z.object({ fileName: z.string(), mime: z.string(), data: Bytes }),
  ),
  /**
   * Save back: write the current image into the photo file the project was made from (main knows the
   * path; the renderer never names it). Without the needed yes it writes nothing and answers what to ask:
   * 'confirm-first' (the project's first save back) or 'changed-on-disk' (the file changed since opened).
   */
  'export:saveBack': call(
    z.object({
      projectId: Id,
      /** The user agreed to replace the file (asked once per project). */
      confirmed: z.boolean().default(false),
      /** The user agreed to replace a file that changed on disk since it was opened. */
      overwriteChanged: z.boolean().default(false),
    }),
    z.discriminatedUnion('status', [
      z.object({ status: z.literal('saved'), fileName: z.string(), format: ExportFormat }),
      z.object({ status: z.enum(['confirm-first', 'changed-on-disk']), fileName: z.string() }),
    ]),
  ),
  /**
   * Apply the edit to other photos: each photo becomes its own project in the library, edited with the same
   * prompt and parameters and either `mask` (one for all, scaled when the shape matches) or its own `mask`.
   */
  'batch:start': call(
    z.object({
      prompt: z.string().trim().min(1, 'describe the change in the prompt').max(limits.prompt.max),
      params: EditParams,
      feather: z.number().min(limits.feather.min).max(limits.feather.max).optional(),
      mask: MaskPayload.optional(),
      photos: z
        .array(z.object({ name: z.string().min(1).max(255), photo: Bytes, mask: Bytes.optional() }))
        .min(1)
        .max(500),
      concurrency: z.number().int().min(1).max(16).default(4),
    }),
    BatchState,
  ),
  /** Stops sending photos; accepted edits are still collected (they are paid for). */
  'batch:cancel': call(z.object({ batchId: Id }), BatchState),
  /** Runs the failed and cancelled photos again (accepted ones are collected, never sent twice). */
  'batch:retryFailed': call(z.object({ batchId: Id }), BatchState),
  /** Keep a result in the library, or remove it with its project (keep: false). */
  'batch:keep': call(z.object({ batchId: Id, itemId: Id, keep: z.boolean() }), BatchState),
} as const;

/**
 * What the native menu (or the OS: a file opened with Maskroom, a second launch) asks the renderer to do.
 * Electron only; the web host never sends it. 'open-project' carries the project main just created or chose.
 * The editor's own keys stay with the renderer: the menu shows them but does not capture them. The editor's
 * commands are the ones the command table (shared/commands.ts) places in the native menu.
 */
export const appCommands = ['open-project', ...menuCommandIds] as const;
export const AppCommand = z.object({ command: z.enum(appCommands), projectId: Id.optional() });
export type AppCommand = z.infer<typeof AppCommand>;

/**
 * Long work the photographer waits on (opening a deep project, rendering it, exporting, saving back) reports
 * its progress as 'task:progress' events: every event of one task carries its `taskId`; `done` of `total`
 * steps (steps differ per task: a layer applied, the file encoded, the file written), the `stage` it is in and
 * a one-line `label` for the screen. A task's last event has status 'done' or 'failed' (main always sends it,
 * also when the call fails): the renderer stops showing the task then. At most about ten events a second
 * per task, besides the first, a change of stage and the last.
 */
export const taskKinds = ['open', 'render', 'export', 'save-back'] as const;
export const taskStages = ['read', 'flatten', 'encode', 'write'] as const;
export const TaskProgress = z.object({
  taskId: Id,
  projectId: Id,
  task: z.enum(taskKinds),
  stage: z.enum(taskStages),
  status: z.enum(['running', 'done', 'failed']),
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  label: z.string(),
});
export type TaskProgress = z.infer<typeof TaskProgress>;
export type TaskKind = (typeof taskKinds)[number];
export type TaskStage = (typeof taskStages)[number];

export const events = {
  'app:command': AppCommand,
  'job:progress': JobStatus,
  'project:changed': ProjectState,
  'credits:changed': z.object({ remaining: z.number() }),
  'batch:progress': BatchState,
  'task:progress': TaskProgress,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type EventName = keyof typeof events;
export type CallRequest<K extends CallName> = z.input<Calls[K]['request']>;
export type CallRequestParsed<K extends CallName> = z.output<Calls[K]['request']>;
export type CallResponse<K extends CallName> = z.output<Calls[K]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(s: string): s is CallName {
  return Object.prototype.hasOwnProperty.call(calls, s);
}

export type WireResult<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof WireErrorSchema> };

/** What the renderer sees as window.maskroom, identical in Electron (preload) and the web host. */
export interface MaskroomApi {
  readonly host: 'electron' | 'web';
  invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<CallResponse<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * Drag the image out of the window as a full-resolution file. Electron: a native drag of a file main
   * exported. Web host: a download of the same file.
   */
  dragOut(request: { projectId: string; format: ExportFormat; layerId?: string }): Promise<void>;
  /**
   * Export the image to a file the user chooses. Electron: main's save dialog, then main writes the file
   * (saved: false when the user cancels). Web host: a download of the same file.
   */
  saveAs(request: SaveAsRequest): Promise<{ saved: boolean }>;
}

export type SaveAsRequest = { projectId: string; format: ExportFormat; quality?: number; layerId?: string };
