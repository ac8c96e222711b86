/**
 * The editor store against a scripted bridge: what it does with a paid, collectable failure (Collect
 * result calls 'edit:collect' and the job may run again to done; a re-run asks first and submits only on
 * "Run again") and which layers count towards the session's cost (not those loaded with the project).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EditParams,
  type EventName,
  type EventPayload,
  type JobStatus,
  type Layer,
  type ProjectState,
} from '../../../shared/contract';
import type { ShownError } from '../../../renderer/state/errors';
import { sessionCost } from '../../../renderer/state/jobs';

/**
 * What this test uses of renderer/state/store.ts. The store is loaded by a computed path: it reaches the
 * canvas module, which needs the DOM library the Node typecheck of the unit tests does not have.
 */
interface StoreUnderTest {
  start(): () => void;
  openProject(projectId: string): Promise<void>;
  attachCanvas(handle: { isMaskEmpty(): boolean; getMaskBytes(): Uint8Array }): void;
  setPrompt(prompt: string): void;
  run(): Promise<void>;
  rerun(groupId: string | null): Promise<void>;
  answerRerun(answer: 'collect' | 'run-again' | 'cancel'): Promise<void>;
  collectFromError(): Promise<void>;
  getState(): {
    error: ShownError | null;
    jobs: JobStatus[];
    dialog: string | null;
    sessionCosts: Record<string, number | null>;
  };
}
const STORE = '../../../renderer/state/store';

interface Call {
  name: string;
  request: unknown;
}

const params = EditParams.parse({});

function layer(id: string, cost: number | null): Layer {
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
    timings: {},
  };
}

function project(revision: number, layers: Layer[], jobs: JobStatus[] = []): ProjectState {
  return { id: 'p1', name: 'photo.png', width: 8, height: 8, revision, layers, jobs };
}

/** A scripted window.maskroom: records every call, answers from a table, lets the test emit events. */
function installBridge() {
  const calls: Call[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let runs = 0;
  const answers: Record<string, (req: unknown) => unknown> = {
    'app:info': () => ({ version: '0.0.0', host: 'web', platform: 'linux' }),
    'settings:get': () => ({ defaults: params, feather: 2, apiKeySet: true }),
    'projects:list': () => [],
    'project:open': () => project(1, [layer('old', 0.5)]),
    'image:render': () => ({ data: new Uint8Array([1]), mime: 'image/png', width: 8, height: 8 }),
    'edit:run': () => ({ groupId: `g${++runs}`, jobIds: [`j${runs}`] }),
    'edit:collect': () => ({ ok: true }),
  };
  const maskroom = {
    host: 'web',
    invoke: (name: string, request: unknown) => {
      calls.push({ name, request });
      const a = answers[name];
      return a ? Promise.resolve(a(request)) : Promise.reject(new Error(`unexpected call ${name}`));
    },
    on: (event: string, l: (p: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      set.add(l);
      listeners.set(event, set);
      return () => set.delete(l);
    },
    dragOut: () => Promise.resolve(),
    saveAs: () => Promise.resolve({ saved: false }),
  };
  Object.assign(globalThis, {
    window: { maskroom, devicePixelRatio: 1, screen: { width: 1024, height: 768 } },
    Image: class {
      src = '';
      decode() {
        return Promise.resolve();
      }
    },
  });
  return {
    calls,
    count: (name: string) => calls.filter((c) => c.name === name).length,
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

function status(jobId: string, groupId: string, state: JobStatus['state'], extra: Partial<JobStatus> = {}) {
  return { jobId, projectId: 'p1', groupId, state, elapsedSeconds: 1, prompt: 'a spoon', ...extra };
}
const paidFailure = {
  code: 'server-error' as const,
  message: 'The edit service failed while Maskroom waited; run the edit again.',
  collect: { requestId: 'r-1' },
};

let bridge: ReturnType<typeof installBridge>;
let stop: () => void;

async function openedStore() {
  const { EditorStore } = (await import(/* @vite-ignore */ STORE)) as {
    EditorStore: new () => StoreUnderTest;
  };
  const store = new EditorStore();
  stop = store.start();
  await store.openProject('p1');
  store.attachCanvas({ isMaskEmpty: () => false, getMaskBytes: () => new Uint8Array(64).fill(255) });
  store.setPrompt('a spoon');
  return store;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  bridge = installBridge();
});
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

describe('a paid, collectable failure', () => {
  it('offers collecting; Collect result calls edit:collect and the job may then run again to done', async () => {
    const store = await openedStore();
    await store.run();
    expect(bridge.count('edit:run')).toBe(1);
    bridge.emit('job:progress', status('j1', 'g1', 'processing', { requestId: 'r-1' }));
    bridge.emit('job:progress', status('j1', 'g1', 'failed', { requestId: 'r-1', error: paidFailure }));
    expect(store.getState().error?.collect).toEqual({ requestId: 'r-1', jobId: 'j1' });
    expect(store.getState().error?.message).not.toMatch(/run the edit again/);

    await store.collectFromError();
    expect(bridge.calls.filter((c) => c.name === 'edit:collect')).toEqual([
      { name: 'edit:collect', request: { projectId: 'p1', jobId: 'j1' } },
    ]);
    expect(store.getState().error).toBeNull();
    bridge.emit('job:progress', status('j1', 'g1', 'downloading', { requestId: 'r-1' }));
    expect(store.getState().jobs.find((j) => j.jobId === 'j1')?.state).toBe('downloading');
    bridge.emit('job:progress', status('j1', 'g1', 'done', { requestId: 'r-1', layerId: 'new' }));
    expect(store.getState().jobs.find((j) => j.jobId === 'j1')?.state).toBe('done');
    expect(bridge.count('edit:run')).toBe(1);

    // A failure with nothing to collect never goes back to running (a late event), and re-runs unasked.
    await store.run();
    const offline = { code: 'offline' as const, message: 'Offline.' };
    bridge.emit('job:progress', status('j2', 'g2', 'failed', { error: offline }));
    bridge.emit('job:progress', status('j2', 'g2', 'processing'));
    expect(store.getState().jobs.find((j) => j.jobId === 'j2')?.state).toBe('failed');
    await store.rerun('g2');
    expect(store.getState().dialog).toBeNull();
    expect(bridge.count('edit:run')).toBe(3);
  });

  it('asks before a re-run pays again: Cancel and Collect submit nothing, Run again submits once', async () => {
    const store = await openedStore();
    await store.run();
    bridge.emit('job:progress', status('j1', 'g1', 'failed', { error: paidFailure }));

    for (const from of ['g1', null] as const) {
      await store.rerun(from);
      expect(store.getState().dialog).toBe('confirm-rerun');
      expect(bridge.count('edit:run')).toBe(1);
      await store.answerRerun('cancel');
      expect(store.getState().dialog).toBeNull();
      expect(bridge.count('edit:run')).toBe(1);
    }

    await store.rerun('g1');
    await store.answerRerun('collect');
    expect(bridge.count('edit:collect')).toBe(1);
    expect(bridge.count('edit:run')).toBe(1);

    // A new failure of the collect, still collectable: Run again is the user's explicit choice.
    bridge.emit('job:progress', status('j1', 'g1', 'processing'));
    bridge.emit('job:progress', status('j1', 'g1', 'failed', { error: paidFailure }));
    await store.rerun('g1');
    expect(store.getState().dialog).toBe('confirm-rerun');
    await store.answerRerun('run-again');
    expect(bridge.count('edit:run')).toBe(2);
    const [first, second] = bridge.calls.filter((c) => c.name === 'edit:run');
    expect(second?.request).toEqual(first?.request);
  });
});

describe('the session cost', () => {
  it('counts the layers completed since the project was opened, not those loaded with it', async () => {
    const store = await openedStore();
    expect(sessionCost(store.getState().sessionCosts)).toEqual({ total: 0, counted: 0, unknown: 0 });
    bridge.emit('project:changed', project(2, [layer('old', 0.5), layer('a', 0.24)]));
    bridge.emit('project:changed', project(3, [layer('old', 0.5), layer('a', 0.24), layer('b', null)]));
    // The same layers again (another change) are not counted twice; a deleted layer stays paid.
    bridge.emit('project:changed', project(4, [layer('old', 0.5), layer('b', null)]));
    await flush();
    expect(sessionCost(store.getState().sessionCosts)).toEqual({ total: 0.24, counted: 1, unknown: 1 });
  });
});
