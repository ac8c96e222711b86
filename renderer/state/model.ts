/**
 * The editor's state: one plain object, made of what each slice owns (the slice files say what they do
 * with their part). Nothing here does anything; it is read by the slices, the store and the components.
 */
import type {
  EditParams,
  JobStatus,
  ProjectState,
  ProjectSummary,
  Settings,
  TaskProgress,
} from '../../shared/contract';
import { EditParams as EditParamsSchema, isActiveJobState } from '../../shared/contract';
import type { ShownError } from './errors';
import type { SaveBackQuestion } from './save-back';
import { formatOfName } from '../../shared/formats';
import type { CanvasImage, MaskInfo, SelectMode, Tool } from './ports';

export type { CanvasImage, MaskInfo, SelectMode, Tool } from './ports';

export interface LoadedImage {
  key: string;
  /** A screen-sized copy (the whole image when it is small): what compare and the canvas show fitted. */
  url: string;
  /** The photo's full size. */
  width: number;
  height: number;
  /** What the canvas takes: the preview now, the full resolution loaded once zoomed past it. */
  spec: CanvasImage;
}

export interface Reference {
  id: string;
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  url: string;
}

export interface TrackedJob extends JobStatus {
  /** The media clock when this state arrived: elapsed = elapsedSeconds + time since. */
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

export type Dialog = null | 'settings' | 'help' | 'export' | 'confirm-rerun' | 'save-back';

export interface EditorState {
  // settings.ts: the host, the preferences and the account
  host: 'electron' | 'web';
  version: string;
  settings: Settings | null;
  credits: number | null;
  // project.ts: the open project and what the canvas shows of it
  recent: ProjectSummary[];
  /**
   * The open project. Every layer carries the request group it came from: main leaves `groupId` null on a
   * single edit's layer, and the store fills it in from the job that made the layer (what Re-run needs).
   */
  project: ProjectState | null;
  opening: string | null;
  /** What the canvas shows: the current stack, or the stack up to the viewed layer. */
  image: LoadedImage | null;
  original: LoadedImage | null;
  viewing: string | null;
  thumbs: Record<string, string>;
  /**
   * What each edit completed in this session cost (USD, null when the service did not say), by
   * project/layer key; layers that were already in a project when it was opened are not in it.
   */
  sessionCosts: Record<string, number | null>;
  // tools-view.ts: the brush, the mask, compare, dialogs and the error banner
  tool: Tool;
  brushSize: number;
  hardness: number;
  /** Selection tools: the mode without a modifier, the wand's tolerance (0..255) and contiguity. */
  selectMode: SelectMode;
  wandTolerance: number;
  wandContiguous: boolean;
  /** The overlay shows the feathered blend weight instead of the painted mask. */
  featherPreview: boolean;
  overlayVisible: boolean;
  mask: MaskInfo;
  compare: 'off' | 'split';
  holdOriginal: boolean;
  split: number;
  dialog: Dialog;
  error: ShownError | null;
  // edit-request.ts: what the next edit sends, and the requests sent in this session
  prompt: string;
  params: EditParams;
  feather: number;
  variations: number;
  references: Reference[];
  advancedOpen: boolean;
  /** Requests run in this session, by group: what "Re-run" sends again. */
  runs: Record<string, RunRequest>;
  lastRun: RunRequest | null;
  /** The re-run waiting for the user's answer in the confirm dialog (its request group, if known). */
  confirmRerun: { groupId: string | null } | null;
  // job-tracking.ts: every job of the open project, several at a time
  jobs: TrackedJob[];
  // tasks.ts: long work main reports (opening, rendering, exporting, saving back), while it runs
  tasks: TaskProgress[];
  // layers.ts: variation groups the user has settled on
  kept: Record<string, true>;
  // save-back.ts: the question a save back waits on, and the file last saved back into
  saveBack: SaveBackQuestion | null;
  savedBack: string | null;
}

/** A change to the state: what a transition returns, merged over the state by the store. */
export type Patch = Partial<EditorState>;

export const isActive = (j: Pick<JobStatus, 'state'>) => isActiveJobState(j.state);

export const emptyMask: MaskInfo = { empty: true, canUndo: false, canRedo: false, bounds: null };

export function initialState(): EditorState {
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
    thumbs: {},
    sessionCosts: {},
    tool: 'brush',
    brushSize: 80,
    hardness: 70,
    selectMode: 'add',
    wandTolerance: 32,
    wandContiguous: true,
    featherPreview: false,
    overlayVisible: true,
    mask: emptyMask,
    compare: 'off',
    holdOriginal: false,
    split: 0.5,
    dialog: null,
    error: null,
    prompt: '',
    params: EditParamsSchema.parse({}),
    feather: 4,
    variations: 1,
    references: [],
    advancedOpen: false,
    runs: {},
    lastRun: null,
    confirmRerun: null,
    jobs: [],
    tasks: [],
    kept: {},
    saveBack: null,
    savedBack: null,
  };
}

export function isPhotoFile(file: { name: string; type: string }): boolean {
  return file.type.startsWith('image/') || formatOfName(file.name)?.opens === true;
}

/** A number rounded and held within [min, max]. */
export function clampRound(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}
