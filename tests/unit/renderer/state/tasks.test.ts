/**
 * Long work's progress in the store: main's task:progress events add and update a task, its last event
 * removes it, and the window shows only its own project's tasks (and 'open' tasks while it is opening).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskProgress } from '../../../../shared/contract';
import { createEditorStore, type EditorStore } from '../../../../renderer/state/store';
import { shownTasks, taskFraction, taskLine, taskProgressed } from '../../../../renderer/state/tasks';
import { rng } from '../../../support/prng';
import { fakeApi, fakeMedia, settle } from './fake-api';

let bridge: ReturnType<typeof fakeApi>;
let store: EditorStore;
let stop: () => void;

const task = (taskId: string, extra: Partial<TaskProgress> = {}): TaskProgress => ({
  taskId,
  projectId: 'p1',
  task: 'export',
  stage: 'flatten',
  status: 'running',
  done: 1,
  total: 10,
  label: 'Applying the layers: 1 of 8',
  ...extra,
});

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  bridge = fakeApi();
  store = createEditorStore(bridge.api, fakeMedia().media);
  stop = store.start();
  await store.openProject('p1');
  await settle();
});
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

describe('tasks', () => {
  it('an export task shows from its first event, follows its steps and goes with its last event', () => {
    expect(shownTasks(store.getState())).toEqual([]);
    bridge.emit('task:progress', task('t1'));
    expect(shownTasks(store.getState()).map((t) => t.done)).toEqual([1]);
    bridge.emit('task:progress', task('t1', { stage: 'encode', done: 9, label: 'Encoding the JPEG' }));
    const [shown] = shownTasks(store.getState(), 'export');
    expect(taskLine(shown!)).toBe('Exporting: Encoding the JPEG');
    expect(taskFraction(shown!)).toBeCloseTo(0.9);
    bridge.emit('task:progress', task('t1', { stage: 'write', status: 'done', done: 10 }));
    expect(store.getState().tasks).toEqual([]);
  });

  it("another project's tasks are not shown; an open task is while this window opens a project", () => {
    bridge.emit('task:progress', task('t2', { projectId: 'p9' }));
    bridge.emit('task:progress', task('t3', { projectId: 'p9', task: 'open' }));
    expect(shownTasks(store.getState())).toEqual([]);
    expect(shownTasks({ ...store.getState(), opening: 'p9.png' }).map((t) => t.taskId)).toEqual(['t3']);
  });

  it('over random event orders, the tasks are exactly those whose latest event is running, each with its latest event', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(seed);
      let tasks: TaskProgress[] = [];
      const latest = new Map<string, TaskProgress>();
      for (let i = 0; i < 40; i++) {
        const id = `t${Math.floor(rand() * 5)}`;
        const status = rand() < 0.2 ? (rand() < 0.5 ? 'done' : 'failed') : 'running';
        const p = task(id, { status, done: i % 10 });
        tasks = taskProgressed(tasks, p);
        latest.set(id, p);
      }
      const expected = [...latest.values()].filter((p) => p.status === 'running').map((p) => p.taskId);
      expect(tasks.map((t) => t.taskId).sort(), `seed ${seed}`).toEqual(expected.sort());
      for (const t of tasks) expect(t).toBe(latest.get(t.taskId));
    }
  });
});
