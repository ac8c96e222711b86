/**
 * Every event the contract declares reaches the page through the preload on its own channel, as main sends
 * it (electron/main/main.ts sends each bus event on eventChannel(name)): task:progress needs no code of its
 * own in the Electron shell.
 */
import { describe, expect, it } from 'vitest';
import { eventChannel } from '../../../shared/ipc-channels';
import { eventNames, type TaskProgress } from '../../../shared/contract';
import { createPreloadApi, type IpcRendererLike } from '../../../electron/preload/preload-api';

type Handler = (event: never, payload: unknown) => void;

describe('preload events', () => {
  it('delivers task:progress, and every other contract event, from its channel', () => {
    const listeners = new Map<string, Set<Handler>>();
    const ipc: IpcRendererLike = {
      invoke: () => Promise.resolve(null),
      on: (channel, l) =>
        void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(l as Handler),
      off: (channel, l) => void listeners.get(channel)?.delete(l as Handler),
    };
    const api = createPreloadApi(ipc);
    const progress: TaskProgress = {
      taskId: 't1',
      projectId: 'p1',
      task: 'export',
      stage: 'encode',
      status: 'running',
      done: 3,
      total: 5,
      label: 'Encoding the PNG',
    };
    expect(eventNames).toContain('task:progress');
    for (const name of eventNames) {
      const got: unknown[] = [];
      const off = api.on(name, (p) => void got.push(p));
      const payload = name === 'task:progress' ? progress : { name };
      for (const l of listeners.get(eventChannel(name)) ?? []) l({} as never, payload);
      off();
      expect(got, name).toEqual([payload]);
    }
  });
});
