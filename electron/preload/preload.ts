/**
 * The preload: window.maskroom over Electron IPC, and nothing else. The renderer gets only this object
 * (contextIsolation, sandbox): no Node, no ipcRenderer, no file paths. Photos reach main as bytes the
 * page read itself (file input, drop); paths are only ever chosen in main (dialogs, the OS).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api';

contextBridge.exposeInMainWorld('maskroom', createPreloadApi(ipcRenderer));
