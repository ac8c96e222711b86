/**
 * A scripted MaskroomApi and Media for the editor store in plain Node: every call is recorded and answered
 * from a table the test may change; events are emitted by the test; images "decode" to their bytes.
 */
import {
  EditParams,
  type CallName,
  type CallRequest,
  type CallResponse,
  type EventName,
  type EventPayload,
  type JobStatus,
  type Layer,
  type MaskroomApi,
  type ProjectState,
  type Settings,
} from '../../../../shared/contract';
import type { CanvasPort, Media } from '../../../../renderer/state/ports';

export type Answers = {
  [K in CallName]?: (req: CallRequest<K>) => CallResponse<K> | Promise<CallResponse<K>>;
};

export interface Call {
  name: string;
  request: unknown;
}

export const params = EditParams.parse({});

export function layer(id: string, cost: number | null = null, extra: Partial<Layer> = {}): Layer {
  return {
    id,
    prompt: `prompt ${id}`,
    visible: true,
    rect: { x: 0, y: 0, width: 4, height: 4 },
    createdAt: '2024-03-05T14:07:00.000Z',
    requestId: null,
    groupId: null,
    model: 'gpt-image-1.5-edit',
    params,
    feather: 2,
    creditsLeft: null,
    cost,
    damaged: null,
    generatedScale: null,
    timings: {},
    ...extra,
  };
}

export function project(revision: number, layers: Layer[], jobs: JobStatus[] = [], id = 'p1'): ProjectState {
  return { id, name: `${id}.png`, width: 8, height: 8, revision, layers, jobs };
}

export function settings(extra: Partial<Settings> = {}): Settings {
  return {
    apiKeySet: true,
    keyStorage: 'memory',
    keyStorageWarning: null,
    apiBase: 'http://127.0.0.1:1/',
    storageBase: 'http://127.0.0.1:1/',
    transport: 'upload',
    mode: 'async',
    timeoutSeconds: 60,
    defaults: params,
    feather: 2,
    colorMatch: true,
    libraryDir: 'library',
    ...extra,
  };
}

export function status(
  jobId: string,
  groupId: string,
  state: JobStatus['state'],
  extra: Partial<JobStatus> = {},
): JobStatus {
  return { jobId, projectId: 'p1', groupId, state, elapsedSeconds: 1, prompt: 'a spoon', ...extra };
}

export function fakeApi(overrides: Answers = {}) {
  const calls: Call[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let runs = 0;
  const answers: Answers = {
    'app:info': () => ({ version: '0.0.0', host: 'web', platform: 'linux' }),
    'settings:get': () => settings(),
    'projects:list': () => [],
    'project:open': () => project(1, [layer('old', 0.5)]),
    'image:render': () => ({ data: new Uint8Array([1]), mime: 'image/png', width: 8, height: 8 }),
    'edit:run': () => ({ groupId: `g${++runs}`, jobIds: [`j${runs}`] }),
    'edit:collect': () => ({ ok: true }),
    ...overrides,
  };
  const api: MaskroomApi = {
    host: 'web',
    invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<CallResponse<K>> {
      calls.push({ name, request });
      const answer = answers[name] as ((req: CallRequest<K>) => CallResponse<K>) | undefined;
      if (!answer) return Promise.reject(new Error(`unexpected call ${name}`));
      try {
        return Promise.resolve(answer(request));
      } catch (e) {
        return Promise.reject(e instanceof Error || typeof e === 'object' ? e : new Error(String(e)));
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      const l = listener as (p: unknown) => void;
      set.add(l);
      listeners.set(event, set);
      return () => set.delete(l);
    },
    dragOut: () => Promise.resolve(),
    saveAs: () => Promise.resolve({ saved: false }),
  };
  return {
    api,
    answers,
    calls,
    count: (name: CallName) => calls.filter((c) => c.name === name).length,
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
}

/** Media without a DOM: a "decoded" image is its bytes; URLs are counted so that leaks would show. */
export function fakeMedia() {
  let seq = 0;
  let clock = 0;
  const live = new Set<string>();
  const media: Media = {
    decode: (data) => {
      const url = `blob:${++seq}`;
      live.add(url);
      return Promise.resolve({ url, drawable: data });
    },
    bitmap: (data) => Promise.resolve(data),
    objectUrl: () => {
      const url = `blob:${++seq}`;
      live.add(url);
      return url;
    },
    revoke: (url) => void live.delete(url),
    previewSize: () => 1024,
    now: () => ++clock,
  };
  return { media, live };
}

/** Lets every settled promise's callbacks run (bounded: a fixed number of turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** A mask canvas holding `mask` (null: nothing painted); records the actions asked of it. */
export function fakeCanvas(mask: Uint8Array<ArrayBuffer> | null = new Uint8Array(64).fill(255)) {
  const actions: string[] = [];
  const record = (name: string) => () => void actions.push(name);
  const canvas: CanvasPort & { actions: string[] } = {
    actions,
    undo: record('undo'),
    redo: record('redo'),
    invert: record('invert'),
    grow: (px) => void actions.push(`grow ${px}`),
    shrink: (px) => void actions.push(`shrink ${px}`),
    clear: record('clear'),
    fit: record('fit'),
    actualSize: record('actualSize'),
    getMaskBytes: () => mask,
    isMaskEmpty: () => mask === null || mask.every((b) => b === 0),
    loadMaskFile: async (file) => void actions.push(`loadMaskFile ${file.size}`),
    maskPng: async () => (mask ? new Blob([mask], { type: 'image/png' }) : null),
  };
  return canvas;
}

/** The seeded generator of every property run, so a failure can be replayed. */
export { pick, rng } from '../../../support/prng';
