/**
 * The Electron main process: only the wiring that needs Electron itself. Everything it decides is in
 * electron/main (pure functions over the Electron objects, unit-tested without the binary) and
 * everything it does with projects is the shared handler table (electron/core/handlers.ts).
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import ElectronStore from 'electron-store';
import sharp from 'sharp';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAppCore, type AppCore } from '../core/app';
import { dispatch } from '../core/dispatch';
import { type AppCommand, type WireResult } from '../../shared/contract';
import { toWireError } from '../../shared/errors';
import { eventChannel } from '../../shared/ipc-channels';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
  isAppUrl,
} from './protocol';
import {
  denyAllPermissions,
  fitBounds,
  hardenWebContents,
  installSessionGuard,
  windowOptions,
} from './window';
import { bindIpc, projectFromCall } from './ipc';
import { ElectronStorePrefsStore, ShellState, storeOptions } from './prefs-store';
import { KEY_FILE, SafeStorageSecretStore } from './secrets';
import { buildMenuTemplate, type EditorCommand } from './menu';
import { checkPhotoPath, PHOTO_EXTENSIONS, photoFromArgv } from './paths';
import { createDragDir, dragOut } from './drag';
import { installHostGuard } from '../core/network-guard';
import type { SettingsHooks } from '../core/settings';
import { exportFilters, replaceQuestion, saveAs } from './export';

const here = path.dirname(fileURLToPath(import.meta.url));
// Built, this file is dist/electron/main.js beside dist/renderer; run from the sources (tests) it is
// electron/main/main.ts, two levels below renderer/.
const fromSources = import.meta.url.endsWith('.ts');
const rendererDir = fromSources ? path.join(here, '..', '..', 'renderer') : path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');
const log = (msg: string): void => console.log(`[maskroom] ${msg}`);

// Before ready: the app's scheme is a secure standard origin; tests and portable installs may move userData.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
if (process.env.MASKROOM_USER_DATA) app.setPath('userData', path.resolve(process.env.MASKROOM_USER_DATA));
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // Another Maskroom is running: it received our argv in 'second-instance' and opens the file.
  app.quit();
} else {
  start().catch((e: unknown) => {
    dialog.showErrorBox('Maskroom could not start', toWireError(e).message);
    app.exit(1);
  });
}

async function start(): Promise<void> {
  let pendingPhoto = photoFromArgv(process.argv, process.cwd());
  let openPhoto: ((p: string) => Promise<void>) | null = null;
  const windows = new Map<number, BrowserWindow>();
  const windowIds = new Set<number>();
  const openProjects = new Map<number, string>();

  app.on('web-contents-created', (_e, wc) => hardenWebContents(wc, log));
  app.on('open-file', (event, p) => {
    event.preventDefault();
    if (openPhoto) void openPhoto(p);
    else pendingPhoto = p;
  });
  app.on('second-instance', (_e, argv, cwd) => {
    const win = focusedWindow();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    const p = photoFromArgv(argv, cwd);
    if (p && openPhoto) void openPhoto(p);
  });

  await app.whenReady();
  const userData = app.getPath('userData');
  const store = new ElectronStore(storeOptions(userData));
  const shellState = new ShellState(store);
  const secrets = new SafeStorageSecretStore(safeStorage, path.join(userData, KEY_FILE));
  // Installed before the core exists: the policy reads the live settings once requests start.
  let coreRef: AppCore | null = null;
  const guard = installHostGuard(
    () => coreRef?.settings.get() ?? { apiBase: '', storageBase: '' },
    process.env,
    log,
  );
  // Questions main asks in its own dialogs: the page can neither draw nor click them.
  const settingsHooks: SettingsHooks = {
    confirmServiceChange: async (change) => {
      const parent = focusedWindow();
      const options = {
        type: 'warning' as const,
        buttons: ['Cancel', 'Change and forget the key'],
        defaultId: 0,
        cancelId: 0,
        message: 'Change the edit service address?',
        detail: `Maskroom will send your edits to ${change.to.apiBase} (uploads to ${change.to.storageBase}) instead of ${change.from.apiBase}. Your saved API key is forgotten so that it is never sent to the new address; enter a key for the new service afterwards.`,
      };
      const r = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
      return r.response === 1;
    },
    confirmCreateLibrary: async (dir) => {
      const parent = focusedWindow();
      const options = {
        type: 'question' as const,
        buttons: ['Cancel', 'Create folder'],
        defaultId: 1,
        cancelId: 0,
        message: 'Create the library folder?',
        detail: `${dir} does not exist. Maskroom keeps your projects there.`,
      };
      const r = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
      return r.response === 1;
    },
  };
  const core: AppCore = createAppCore({
    host: 'electron',
    prefs: new ElectronStorePrefsStore(store),
    secrets,
    settingsHooks,
    trustDownload: guard.trustDownload,
  });
  coreRef = core;

  const ses = session.defaultSession;
  denyAllPermissions(ses, log);
  installSessionGuard(ses, log);
  ses.protocol.handle(APP_SCHEME, createAppProtocolHandler({ rendererDir }, undefined, log));

  let warnedKeyStorage = false;
  core.settings.onChange((s) => {
    if (!s.apiKeySet || !s.keyStorageWarning || warnedKeyStorage) return;
    warnedKeyStorage = true;
    void dialog.showMessageBox({
      type: 'warning',
      message: 'Your API key is not well protected',
      detail: s.keyStorageWarning,
    });
  });

  const unsubscribe = core.events.subscribe((name, payload) => {
    for (const win of windows.values()) {
      if (!win.isDestroyed() && isAppUrl(win.webContents.getURL()))
        win.webContents.send(eventChannel(name), payload);
    }
  });

  function focusedWindow(): BrowserWindow | null {
    const f = BrowserWindow.getFocusedWindow();
    if (f && windows.has(f.webContents.id)) return f;
    return windows.values().next().value ?? null;
  }

  function sendCommand(win: BrowserWindow | null, payload: AppCommand): void {
    if (win && !win.isDestroyed()) win.webContents.send(eventChannel('app:command'), payload);
  }

  async function showError(win: BrowserWindow | null, e: unknown): Promise<void> {
    const message = toWireError(e).message;
    if (win) await dialog.showMessageBox(win, { type: 'error', message });
    else await dialog.showMessageBox({ type: 'error', message });
  }

  openPhoto = async (p: string) => {
    const win = focusedWindow() ?? (await createWindow());
    try {
      const photo = await checkPhotoPath(p);
      // The same file again (Edit In once more, after a Save back): its project, with its history.
      let projectId = await core.workspace.projectForSource(photo.path);
      if (!projectId) {
        const bytes = await fsp.readFile(photo.path);
        const res = await dispatch(core.handlers, 'project:create', {
          name: photo.name,
          photo: new Uint8Array(bytes),
        });
        if (!res.ok) return await showError(win, res.error);
        projectId = (res.value as { id: string }).id;
        // Where the photo came from, so Save back can write into it (Lightroom's Edit In, Open With).
        await core.workspace.recordSource(projectId, photo.path);
      }
      app.addRecentDocument(photo.path);
      shellState.touchRecent(projectId);
      openProjects.set(win.webContents.id, projectId);
      sendCommand(win, { command: 'open-project', projectId });
      void refreshMenu();
    } catch (e) {
      await showError(win, e);
    }
  };

  /** Save As for a window: main's dialog, main writes the file (the Export button and File › Export As…). */
  function saveAsFor(win: BrowserWindow, request: unknown): Promise<WireResult<{ saved: boolean }>> {
    return saveAs(
      {
        table: core.handlers,
        exporter: core.workspace,
        defaultDir: app.getPath('pictures'),
        chooseFile: async (defaultPath) => {
          const chosen = await dialog.showSaveDialog(win, {
            title: 'Export the image',
            defaultPath,
            filters: exportFilters,
          });
          return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
        },
        confirmReplace: async (file) => {
          const r = await dialog.showMessageBox(win, {
            type: 'question',
            buttons: ['Cancel', 'Replace'],
            defaultId: 0,
            cancelId: 0,
            ...replaceQuestion(file),
          });
          return r.response === 1;
        },
      },
      request,
    );
  }

  async function exportAs(): Promise<void> {
    const win = focusedWindow();
    const projectId = win ? openProjects.get(win.webContents.id) : undefined;
    if (!win || !projectId) return;
    try {
      const res = await saveAsFor(win, { projectId, format: 'jpeg' });
      if (!res.ok) await showError(win, res.error);
    } catch (e) {
      await showError(win, e);
    }
  }

  async function refreshMenu(): Promise<void> {
    const recentIds = shellState.recentProjects();
    const list = await dispatch(core.handlers, 'projects:list', {});
    const known = list.ok ? (list.value as { id: string; name: string }[]) : [];
    const recent = recentIds.flatMap((id) => known.filter((p) => p.id === id));
    const win = focusedWindow();
    const template = buildMenuTemplate({
      platform: process.platform,
      appName: app.name,
      recent,
      hasProject: Boolean(win && openProjects.has(win.webContents.id)),
      devTools: !app.isPackaged,
      actions: {
        openPhoto: () => void pickPhoto(),
        openProject: (projectId) => sendCommand(focusedWindow(), { command: 'open-project', projectId }),
        clearRecent: () => {
          shellState.clearRecent();
          app.clearRecentDocuments();
          void refreshMenu();
        },
        exportAs: () => void exportAs(),
        showLibrary: () => void showLibrary(),
        command: (c: EditorCommand) => sendCommand(focusedWindow(), { command: c }),
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  async function pickPhoto(): Promise<void> {
    const win = focusedWindow();
    const opts = {
      title: 'Open a photo',
      properties: ['openFile' as const],
      filters: [{ name: 'Photos', extensions: [...PHOTO_EXTENSIONS] }],
    };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    const p = r.filePaths[0];
    if (!r.canceled && p && openPhoto) await openPhoto(p);
  }

  async function showLibrary(): Promise<void> {
    const dir = core.settings.get().libraryDir;
    await fsp.mkdir(dir, { recursive: true });
    const err = await shell.openPath(dir);
    if (err) await showError(focusedWindow(), new Error(err));
  }

  const dragDir = await createDragDir(app.getPath('temp'));
  const unbind = bindIpc({
    ipcMain,
    table: core.handlers,
    windowIds,
    log,
    dragOut: (event: IpcMainInvokeEvent, request: unknown): Promise<WireResult<unknown>> =>
      dragOut(
        {
          exporter: core.workspace,
          dir: dragDir,
          icon: async (file) =>
            nativeImage.createFromBuffer(
              await sharp(file).resize(96, 96, { fit: 'inside' }).png().toBuffer(),
            ),
        },
        event.sender,
        request,
      ),
    saveAs: (event: IpcMainInvokeEvent, request: unknown) => {
      const win = windows.get(event.sender.id);
      if (!win)
        return Promise.resolve({
          ok: false as const,
          error: { code: 'forbidden' as const, message: 'Unknown window.' },
        });
      return saveAsFor(win, request);
    },
    observe: (senderId, name, request, value) => {
      const change = projectFromCall(name, request, value);
      if (!change) return;
      if ('open' in change) {
        openProjects.set(senderId, change.open);
        shellState.touchRecent(change.open);
      } else if (openProjects.get(senderId) === change.closed) {
        openProjects.delete(senderId);
      }
      void refreshMenu();
    },
  });

  async function createWindow(): Promise<BrowserWindow> {
    const saved = shellState.windowState();
    const bounds = fitBounds(
      saved,
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const options = windowOptions({ preloadPath, bounds, icon: appIconPath(), devTools: !app.isPackaged });
    // The isolation flags are spelled out here too, where reviewers and the security scan look for them.
    const win = new BrowserWindow({
      ...options,
      webPreferences: {
        ...options.webPreferences,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        devTools: !app.isPackaged,
      },
    });
    const id = win.webContents.id;
    windows.set(id, win);
    windowIds.add(id);
    if (saved?.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    win.on('focus', () => void refreshMenu());
    win.on('close', () => shellState.saveWindowState(win.getNormalBounds(), win.isMaximized()));
    win.on('closed', () => {
      windows.delete(id);
      windowIds.delete(id);
      openProjects.delete(id);
    });
    await win.loadURL(APP_INDEX_URL);
    return win;
  }

  await createWindow();
  await refreshMenu();
  if (pendingPhoto) void openPhoto(pendingPhoto);

  app.on('activate', () => {
    if (windows.size === 0) void createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    unbind();
    unsubscribe();
    void core
      .dispose()
      .catch((e: unknown) => log(`shutdown: ${toWireError(e).message}`))
      .then(() => fsp.rm(dragDir, { recursive: true, force: true }))
      .finally(() => {
        guard.uninstall();
        disposed = true;
        app.quit();
      });
  });
}

function appIconPath(): string | undefined {
  if (process.platform === 'darwin') return undefined; // the bundle's icon
  return app.isPackaged
    ? path.join(process.resourcesPath, 'icon.png')
    : path.join(here, '..', '..', 'build', 'icons', '512x512.png');
}
