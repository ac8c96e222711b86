/**
 * electron/main/main.ts itself, run in plain Node against a fake 'electron' module: what it registers before
 * ready, the window it makes, the page it loads, and that the handlers it installs are the hardened ones
 * (navigation, permissions, network, protocol, IPC sender checks, single instance, quit).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CALL_CHANNEL, DRAG_CHANNEL, eventChannel } from '../../../shared/ipc-channels';
import { ELECTRON_CSP } from '../../../shared/csp';
import { FakeWebContents, ipcEvent, type FakeIpcMain, type FakeSession } from './fakes';

// Read by the fake Electron only after main.ts has started, so a plain (non-hoisted) constant is fine.
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'maskroom-main-'));
const dirs = {
  root: tmpRoot,
  userData: path.join(tmpRoot, 'userData'),
  library: path.join(tmpRoot, 'library'),
  temp: path.join(tmpRoot, 'tmp'),
};

const fake = vi.hoisted(() => {
  type Fn = (...a: unknown[]) => unknown;
  const order: string[] = [];
  const appListeners = new Map<string, Fn[]>();
  const windows: FakeWindow[] = [];
  const sent: { channel: string; payload: unknown }[] = [];
  const dialogs: unknown[] = [];
  const menus: unknown[] = [];
  let wcId = 100;
  class FakeWindow {
    options: Record<string, unknown>;
    loaded: string[] = [];
    focused = 0;
    restored = 0;
    listeners = new Map<string, Fn[]>();
    webContents: {
      id: number;
      getURL: () => string;
      send: (c: string, p: unknown) => void;
      isDestroyed: () => boolean;
    };
    constructor(options: Record<string, unknown>) {
      this.options = options;
      windows.push(this);
      order.push('BrowserWindow');
      const id = ++wcId;
      this.webContents = {
        id,
        getURL: () => this.loaded.at(-1) ?? '',
        send: (channel, payload) => void sent.push({ channel, payload }),
        isDestroyed: () => false,
      };
    }
    static getFocusedWindow() {
      return windows[0] ?? null;
    }
    async loadURL(u: string) {
      this.loaded.push(u);
    }
    on(n: string, l: Fn) {
      this.listeners.set(n, [...(this.listeners.get(n) ?? []), l]);
    }
    once(n: string, l: Fn) {
      this.on(n, l);
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return true;
    }
    restore() {
      this.restored++;
    }
    focus() {
      this.focused++;
    }
    maximize() {}
    show() {}
    getNormalBounds() {
      return { x: 5, y: 6, width: 1300, height: 850 };
    }
    isMaximized() {
      return false;
    }
  }
  return {
    order,
    appListeners,
    windows,
    sent,
    dialogs,
    menus,
    FakeWindow,
    quit: { count: 0 },
    registered: [] as unknown[],
    handled: new Map<string, Fn>(),
  };
});

vi.mock('electron', async () => {
  const { FakeIpcMain: Ipc, FakeSession: Ses } = await import('./fakes');
  const ipcMain = new Ipc();
  const session = new Ses() as FakeSession & {
    protocol: { handle: (s: string, h: (...a: unknown[]) => unknown) => void };
  };
  session.protocol = { handle: (scheme, h) => void fake.handled.set(scheme, h) };
  type Fn = (...a: unknown[]) => unknown;
  const app = {
    name: 'Maskroom',
    isPackaged: false,
    on(n: string, l: Fn) {
      fake.appListeners.set(n, [...(fake.appListeners.get(n) ?? []), l]);
    },
    whenReady: async () => void fake.order.push('ready'),
    getPath: (n: string) => (n === 'userData' ? dirs.userData : n === 'temp' ? dirs.temp : dirs.root),
    setPath: () => undefined,
    enableSandbox: () => void fake.order.push('enableSandbox'),
    requestSingleInstanceLock: () => (fake.order.push('singleInstance'), true),
    quit: () => void fake.quit.count++,
    exit: () => undefined,
    addRecentDocument: () => undefined,
    clearRecentDocuments: () => undefined,
  };
  return {
    app,
    BrowserWindow: fake.FakeWindow,
    ipcMain,
    session: { defaultSession: session },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => {
        fake.order.push('registerSchemes');
        fake.registered.push(s);
      },
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    Menu: {
      buildFromTemplate: (t: unknown) => t,
      setApplicationMenu: (m: unknown) => void fake.menus.push(m),
    },
    dialog: {
      showErrorBox: (...a: unknown[]) => void fake.dialogs.push(a),
      showMessageBox: async (...a: unknown[]) => (fake.dialogs.push(a), { response: 0 }),
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
    },
    nativeImage: { createFromBuffer: (b: Buffer) => ({ size: b.length }) },
    shell: { openPath: async () => '' },
  };
});

vi.mock('electron-store', () => ({
  default: class {
    private data = new Map<string, unknown>();
    constructor(readonly options: Record<string, unknown>) {}
    get(k: string) {
      return this.data.get(k);
    }
    set(k: string, v: unknown) {
      this.data.set(k, v);
    }
    delete(k: string) {
      this.data.delete(k);
    }
  },
}));

const electronMod = await import('electron');
const ipc = electronMod.ipcMain as unknown as FakeIpcMain;
const ses = electronMod.session.defaultSession as unknown as FakeSession;

/**
 * Waits `ms`. The polling loops built on it are bounded at 20 s: the main process's work they wait for
 * (loading a window, importing a photo) takes milliseconds alone and seconds on a loaded machine.
 */
async function settle(ms = 50) {
  await new Promise((r) => setTimeout(r, ms));
}

beforeAll(async () => {
  mkdirSync(dirs.library, { recursive: true });
  vi.stubEnv('MASKROOM_LIBRARY', dirs.library);
  vi.stubEnv('SEGMIND_API_KEY', '');
  await import('../../../electron/main/main');
  for (let i = 0; i < 1000 && fake.windows[0]?.loaded.length !== 1; i++) await settle(20);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  const { rmSync } = await import('node:fs');
  rmSync(dirs.root, { recursive: true, force: true });
});

describe('main.ts wiring (fake Electron)', () => {
  it('registers the app scheme as privileged and asks for the single-instance lock before ready', () => {
    expect(fake.order.indexOf('registerSchemes')).toBeLessThan(fake.order.indexOf('ready'));
    expect(fake.order.indexOf('singleInstance')).toBeLessThan(fake.order.indexOf('ready'));
    expect(fake.order).toContain('enableSandbox');
    expect(fake.registered).toEqual([
      [{ scheme: 'maskroom', privileges: expect.objectContaining({ standard: true, secure: true }) }],
    ]);
  });

  it('makes one isolated window and loads the app from maskroom://app, never file://', () => {
    expect(fake.windows).toHaveLength(1);
    const win = fake.windows[0];
    expect(win?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: expect.stringMatching(/preload\.cjs$/),
    });
    expect(win?.loaded).toEqual(['maskroom://app/index.html']);
  });

  it('hardens every web contents it creates', () => {
    const wc = new FakeWebContents();
    for (const l of fake.appListeners.get('web-contents-created') ?? []) l({}, wc);
    expect(wc.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(wc.fire('will-navigate', {}, 'https://example.com')).toBe(true);
  });

  it('denies permissions and guards the session: only the app scheme loads, with the CSP', async () => {
    let granted: boolean | null = null;
    ses.permissionRequest?.({}, 'media', (ok) => (granted = ok), {});
    expect(granted).toBe(false);
    expect(ses.request('https://api.segmind.com/v1')).toEqual({ cancel: true });
    expect(ses.request('maskroom://app/index.html')).toEqual({});
    const handler = fake.handled.get('maskroom') as (r: { method: string; url: string }) => Promise<Response>;
    expect(handler).toBeTypeOf('function');
    const res = await handler({ method: 'GET', url: 'maskroom://app/library/../../../etc/passwd' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    // Run from the sources, main serves renderer/ (dist/renderer when built): index.html with the CSP.
    const index = await handler({ method: 'GET', url: 'maskroom://app/index.html' });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
  });

  it('answers IPC from its window and refuses anyone else', async () => {
    const id = fake.windows[0]?.webContents.id ?? -1;
    const ok = await ipc.invoke(CALL_CHANNEL, ipcEvent(id), 'app:info', {});
    expect(ok).toMatchObject({ ok: true, value: { host: 'electron' } });
    expect(await ipc.invoke(CALL_CHANNEL, ipcEvent(id + 1), 'app:info', {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(
      await ipc.invoke(CALL_CHANNEL, ipcEvent(id, 'https://evil.example/'), 'app:info', {}),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.invoke(CALL_CHANNEL, ipcEvent(id), 'nope', {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await ipc.invoke(DRAG_CHANNEL, ipcEvent(id), { projectId: '..', format: 'png' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const settings = (await ipc.invoke(CALL_CHANNEL, ipcEvent(id), 'settings:setApiKey', {
      key: 'sk-wired',
    })) as { ok: true; value: object };
    expect(settings.value).toMatchObject({ apiKeySet: true, keyStorage: 'encrypted' });
    expect(JSON.stringify(settings)).not.toContain('sk-wired');
  });

  it('builds the native menu', () => {
    expect(fake.menus.length).toBeGreaterThan(0);
    const labels = (fake.menus.at(-1) as { label?: string }[]).map((m) => m.label);
    expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'Mask', 'View']));
  });

  it('on a second launch, focuses the window and opens the photo it was given', async () => {
    const win = fake.windows[0];
    const photo = path.join(dirs.root, 'second.jpg');
    copyFileSync(path.resolve('../shared/fixtures/photos/rocket.jpg'), photo);
    const before = fake.sent.length;
    for (const l of fake.appListeners.get('second-instance') ?? [])
      l({}, ['/opt/Maskroom/maskroom', '--some-switch', 'second.jpg'], dirs.root);
    expect(win?.restored).toBe(1);
    expect(win?.focused).toBe(1);
    let cmd: { channel: string; payload: unknown } | undefined;
    for (let i = 0; i < 800 && !cmd && fake.dialogs.length === 0; i++) {
      await settle(25);
      cmd = fake.sent.slice(before).find((s) => s.channel === eventChannel('app:command'));
    }
    expect(fake.dialogs).toEqual([]);
    expect(cmd?.payload).toEqual({ command: 'open-project', projectId: expect.any(String) });
  });

  it('says what went wrong when the file it is asked to open does not exist', async () => {
    for (const l of fake.appListeners.get('second-instance') ?? [])
      l({}, ['/opt/Maskroom/maskroom', 'gone.jpg'], dirs.root);
    for (let i = 0; i < 1000 && fake.dialogs.length === 0; i++) await settle(20);
    expect(JSON.stringify(fake.dialogs.at(-1))).toMatch(/could not be found/);
  });

  it('finishes the services before quitting', async () => {
    let prevented = false;
    for (const l of fake.appListeners.get('will-quit') ?? [])
      l({ preventDefault: () => void (prevented = true) });
    expect(prevented).toBe(true);
    for (let i = 0; i < 1000 && fake.quit.count === 0; i++) await settle(20);
    expect(fake.quit.count).toBe(1);
  });
});
