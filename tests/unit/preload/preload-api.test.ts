/**
 * window.maskroom as the preload builds it, over a fake ipcRenderer. Errors must survive contextBridge: it
 * copies plain objects but strips an Error's class and custom fields, so failures are plain objects, which
 * structuredClone (the same copy semantics) keeps intact.
 */
import { describe, expect, it } from 'vitest';
import { CALL_CHANNEL, DRAG_CHANNEL, eventChannel } from '../../../shared/ipc-channels';
import { AppError } from '../../../shared/errors';
import { createPreloadApi, type IpcRendererLike } from '../../../electron/preload/preload-api';

type Handler = (event: never, ...args: unknown[]) => void;

function fakeIpc(answer: (channel: string, args: unknown[]) => unknown) {
  const sent: unknown[][] = [];
  const listeners = new Map<string, Set<Handler>>();
  const ipc: IpcRendererLike = {
    async invoke(channel, ...args) {
      sent.push([channel, ...args]);
      return answer(channel, args);
    },
    on(channel, l) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l as Handler);
    },
    off(channel, l) {
      listeners.get(channel)?.delete(l as Handler);
    },
  };
  const emit = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'SECRET-IPC-EVENT' } as never, payload);
  };
  return { ipc, sent, emit, listeners };
}

/** What the page sees after contextBridge: a structured-clone copy of the rejection. */
async function rejectionSeenByPage(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => structuredClone(e),
  );
}

describe('preload api', () => {
  it('sends every call on the one call channel and returns the value', async () => {
    const f = fakeIpc(() => ({ ok: true, value: { version: '1.0.0', host: 'electron', platform: 'linux' } }));
    const api = createPreloadApi(f.ipc);
    expect(api.host).toBe('electron');
    await expect(api.invoke('app:info', {})).resolves.toMatchObject({ version: '1.0.0' });
    expect(f.sent).toEqual([[CALL_CHANNEL, 'app:info', {}]]);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('rejects with the code and the message intact across the bridge', async () => {
    const f = fakeIpc(() => ({
      ok: false,
      error: {
        code: 'no-api-key',
        message: 'Add your Segmind API key in Settings; then run the edit again.',
      },
    }));
    const api = createPreloadApi(f.ipc);
    const seen = await rejectionSeenByPage(api.invoke('edit:cancel', { jobId: 'j' }));
    expect(seen).toEqual({
      name: 'AppError',
      code: 'no-api-key',
      message: 'Add your Segmind API key in Settings; then run the edit again.',
    });
    // The contrast that motivates it: an AppError itself loses its code in the same copy.
    const lost = structuredClone(new AppError('no-api-key', 'x')) as { code?: string };
    expect(lost.code).toBeUndefined();
  });

  it('reports a dead main process or a garbled answer as an internal error, not a crash', async () => {
    const dead = createPreloadApi(
      fakeIpc(() => Promise.reject(new Error('Error invoking remote method'))).ipc,
    );
    expect(await rejectionSeenByPage(dead.invoke('settings:get', {}))).toMatchObject({ code: 'internal' });
    const garbled = createPreloadApi(fakeIpc(() => 'garbage').ipc);
    expect(await rejectionSeenByPage(garbled.invoke('settings:get', {}))).toMatchObject({ code: 'internal' });
  });

  it('delivers event payloads only (never the IPC event) and unsubscribes', () => {
    const f = fakeIpc(() => null);
    const api = createPreloadApi(f.ipc);
    const got: unknown[] = [];
    const off = api.on('credits:changed', (p) => void got.push(p));
    f.emit(eventChannel('credits:changed'), { remaining: 7 });
    off();
    f.emit(eventChannel('credits:changed'), { remaining: 6 });
    expect(got).toEqual([{ remaining: 7 }]);
    expect(f.listeners.get(eventChannel('credits:changed'))?.size).toBe(0);
  });

  it('asks main for drag-out on its own channel and reports failures with their code', async () => {
    const f = fakeIpc((channel) =>
      channel === DRAG_CHANNEL
        ? {
            ok: false,
            error: { code: 'not-found', message: 'That project no longer exists; open it again.' },
          }
        : null,
    );
    const api = createPreloadApi(f.ipc);
    const seen = await rejectionSeenByPage(api.dragOut({ projectId: 'p1', format: 'png' }));
    expect(seen).toEqual({
      name: 'AppError',
      code: 'not-found',
      message: 'That project no longer exists; open it again.',
    });
    expect(f.sent).toEqual([[DRAG_CHANNEL, { projectId: 'p1', format: 'png' }]]);
    const ok = createPreloadApi(fakeIpc(() => ({ ok: true, value: { ok: true } })).ipc);
    await expect(ok.dragOut({ projectId: 'p1', format: 'png' })).resolves.toBeUndefined();
  });
});
