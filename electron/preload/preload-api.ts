/**
 * What the preload exposes as window.maskroom, built from ipcRenderer (passed in: no Electron import, so
 * the tests drive it with a fake). The object is the shared bridge (shared/bridge.ts) with one difference
 * for contextBridge: an Error thrown in the preload's world loses its class and its `code` on the way to
 * the page, so failures are rejected as plain objects { name: 'AppError', code, message }, which cross
 * intact. The renderer reads `code` and `message` the same way on the web host (where they are AppErrors).
 */
import type { IpcRendererEvent } from 'electron';
import { createBridge } from '../../shared/bridge';
import type { MaskroomApi, WireResult } from '../../shared/contract';
import { AppError, toWireError, type WireError } from '../../shared/errors';
import { CALL_CHANNEL, DRAG_CHANNEL, SAVE_CHANNEL, eventChannel } from '../../shared/ipc-channels';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  off(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
}

export interface CrossableError extends WireError {
  name: 'AppError';
}

/** Any failure as a plain object that survives contextBridge with its code. */
export function crossableError(e: unknown): CrossableError {
  return { name: 'AppError', ...toWireError(e) };
}

function asWireResult(v: unknown): WireResult<unknown> {
  if (v && typeof v === 'object' && 'ok' in v) return v as WireResult<unknown>;
  return {
    ok: false,
    error: {
      code: 'internal',
      message: 'Maskroom got an unreadable answer from its main process; restart Maskroom.',
    },
  };
}

const lostMain = (): WireResult<never> => ({
  ok: false,
  error: { code: 'internal', message: 'Maskroom lost contact with its main process; restart Maskroom.' },
});

export function createPreloadApi(ipc: IpcRendererLike): MaskroomApi {
  const bridge = createBridge({
    host: 'electron',
    invoke: (name, request) => ipc.invoke(CALL_CHANNEL, name, request).then(asWireResult, lostMain),
    subscribe(event, listener) {
      // The IpcRendererEvent (sender, ports) never reaches the page: only the payload does.
      const handler = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
      ipc.on(eventChannel(event), handler);
      return () => {
        ipc.off(eventChannel(event), handler);
      };
    },
    async dragOut(request) {
      const res = await ipc.invoke(DRAG_CHANNEL, request).then(asWireResult, lostMain);
      if (!res.ok) throw new AppError(res.error.code, res.error.message);
    },
    async saveAs(request) {
      const res = await ipc.invoke(SAVE_CHANNEL, request).then(asWireResult, lostMain);
      if (!res.ok) throw new AppError(res.error.code, res.error.message);
      return { saved: (res.value as { saved?: unknown } | null)?.saved === true };
    },
  });
  const api: MaskroomApi = {
    host: 'electron',
    invoke: (name, request) =>
      bridge.invoke(name, request).catch((e: unknown) => {
        throw crossableError(e);
      }),
    on: (event, listener) => bridge.on(event, listener),
    dragOut: (request) =>
      bridge.dragOut(request).catch((e: unknown) => {
        throw crossableError(e);
      }),
    saveAs: (request) =>
      bridge.saveAs(request).catch((e: unknown) => {
        throw crossableError(e);
      }),
  };
  return Object.freeze(api);
}
