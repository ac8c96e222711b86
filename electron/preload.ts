/**
 * The preload bridge: window.maskroom from the shared contract over Electron IPC. The renderer gets only
 * this object (contextIsolation, sandbox): no Node, no ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from '../shared/bridge';
import type { WireResult } from '../shared/contract';
import { CALL_CHANNEL, DRAG_CHANNEL, eventChannel } from '../shared/ipc-channels';

const api = createBridge({
  host: 'electron',
  invoke: (name, request) => ipcRenderer.invoke(CALL_CHANNEL, name, request) as Promise<WireResult<unknown>>,
  subscribe(event, listener) {
    const handler = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(eventChannel(event), handler);
    return () => {
      ipcRenderer.off(eventChannel(event), handler);
    };
  },
  async dragOut(request) {
    const res = (await ipcRenderer.invoke(DRAG_CHANNEL, request)) as WireResult<unknown>;
    if (!res.ok) throw new Error(res.error.message);
  },
});

contextBridge.exposeInMainWorld('maskroom', api);
