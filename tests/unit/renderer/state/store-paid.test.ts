/**
 * The editor store against a scripted bridge: what it does with a paid, collectable failure (Collect
 * result calls 'edit:collect' and the job may run again to done; a re-run asks first and submits only on
 * "Run again") and which layers count towards the session's cost (not those loaded with the project).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionCost } from '../../../../renderer/state/jobs';
import { createEditorStore } from '../../../../renderer/state/store';
import { fakeApi, fakeCanvas, fakeMedia, layer, project, status } from './fake-api';

const flush = () => new Promise((r) => setImmediate(r));

const paidFailure = {
  code: 'server-error' as const,
  message: 'The edit service failed while Maskroom waited; run the edit again.',
  collect: { requestId: 'r-1' },
};

let bridge: ReturnType<typeof fakeApi>;
let stop: () => void;

async function openedStore() {
  const store = createEditorStore(bridge.api, fakeMedia().media);
  stop = store.start();
  await store.openProject('p1');
  store.attachCanvas(fakeCanvas());
  store.setPrompt('a spoon');
  return store;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  bridge = fakeApi();
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
