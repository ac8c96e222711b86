/**
 * The Electron main process: the window, the IPC binding of the shared handler table, and the OS services
 * only Electron has. Everything else lives in plain-Node services (electron/services) shared with the CLI
 * and the web host.
 */
import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore } from './app';
import { dispatch } from './dispatch';
import { JsonFilePrefsStore, MemorySecretStore } from './services/settings';
import { CALL_CHANNEL, eventChannel } from '../shared/ipc-channels';

const here = path.dirname(fileURLToPath(import.meta.url));

async function start(): Promise<void> {
  await app.whenReady();
  const core = createAppCore({
    host: 'electron',
    prefs: new JsonFilePrefsStore(path.join(app.getPath('userData'), 'preferences.json')),
    secrets: new MemorySecretStore(),
  });
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#141414',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  ipcMain.handle(CALL_CHANNEL, (event, name: unknown, request: unknown) => {
    if (event.sender !== win.webContents) return { ok: false, error: { code: 'forbidden', message: 'Unknown sender.' } };
    return dispatch(core.handlers, String(name), request);
  });
  core.events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(eventChannel(name), payload);
  });
  await win.loadFile(path.join(here, '..', 'renderer', 'index.html'));
  app.on('window-all-closed', () => {
    void core.dispose().finally(() => app.quit());
  });
}

void start();
