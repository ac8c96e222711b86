/**
 * The window's security settings and the handlers that keep the renderer in its box: no navigation, no
 * new windows, no webviews, no permissions, and a session that sends every response with the CSP and
 * refuses every request that is not the app's own scheme. Electron types only: main.ts passes the objects.
 */
import type {
  BrowserWindowConstructorOptions,
  Event as ElectronEvent,
  Rectangle,
  Session,
  WebContents,
  WebPreferences,
} from 'electron';
import { ELECTRON_CSP } from '../../shared/csp';
import { isAppUrl } from './protocol';

export type ShellLog = (msg: string) => void;

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1440, height: 900 };
export const MIN_SIZE = { width: 960, height: 640 };

/** The renderer's web preferences. Every flag that could weaken isolation is set explicitly. */
/** `devTools`: false in packaged builds (app.isPackaged), so nothing can open them for the page. */
export function secureWebPreferences(preloadPath: string, devTools = false): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    // Spell checking would download dictionaries from a CDN: the app makes no such request.
    spellcheck: false,
    safeDialogs: true,
    devTools,
  };
}

export function windowOptions(o: {
  preloadPath: string;
  bounds?: WindowBounds | null;
  icon?: string;
  /** Allow DevTools (development builds only; default false). */
  devTools?: boolean;
}): BrowserWindowConstructorOptions {
  const b = o.bounds ?? DEFAULT_BOUNDS;
  return {
    ...(b.x !== undefined && b.y !== undefined ? { x: b.x, y: b.y } : { center: true }),
    width: Math.max(MIN_SIZE.width, b.width),
    height: Math.max(MIN_SIZE.height, b.height),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Maskroom',
    backgroundColor: '#141414',
    ...(o.icon ? { icon: o.icon } : {}),
    webPreferences: secureWebPreferences(o.preloadPath, o.devTools ?? false),
  };
}

/**
 * A saved window position that still fits a connected display, or only the size (centred) when the
 * display it was on is gone. `areas` are the displays' work areas.
 */
export function fitBounds(saved: WindowBounds | null | undefined, areas: Rectangle[]): WindowBounds {
  if (!saved || !Number.isFinite(saved.width) || !Number.isFinite(saved.height)) return { ...DEFAULT_BOUNDS };
  const largest = areas.reduce((m, a) => Math.max(m, a.width * a.height), 0);
  const biggest = areas.find((a) => a.width * a.height === largest);
  const width = Math.round(Math.max(MIN_SIZE.width, Math.min(saved.width, biggest?.width ?? saved.width)));
  const height = Math.round(
    Math.max(MIN_SIZE.height, Math.min(saved.height, biggest?.height ?? saved.height)),
  );
  if (saved.x === undefined || saved.y === undefined) return { width, height };
  const x = saved.x;
  const y = saved.y;
  // Visible enough: the title bar's top-left 100x40 px lies on some display.
  const onScreen = areas.some(
    (a) => x + 100 > a.x && x < a.x + a.width - 40 && y >= a.y - 10 && y + 40 <= a.y + a.height,
  );
  return onScreen ? { x: Math.round(x), y: Math.round(y), width, height } : { width, height };
}

type WebContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Navigation away from the app, new windows and webviews are all refused (and logged). */
export function hardenWebContents(wc: WebContentsLike, log: ShellLog): void {
  wc.setWindowOpenHandler(({ url }) => {
    log(`blocked a new window for ${url}`);
    return { action: 'deny' };
  });
  const stayHome = (event: ElectronEvent, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`blocked navigation to ${url}`);
  };
  wc.on('will-navigate', stayHome);
  wc.on('will-redirect', stayHome);
  wc.on('will-frame-navigate', (event) => {
    if (event.isMainFrame && isAppUrl(event.url)) return;
    event.preventDefault();
    log(`blocked frame navigation to ${event.url}`);
  });
  wc.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a webview');
  });
}

type SessionLike = Pick<
  Session,
  | 'setPermissionRequestHandler'
  | 'setPermissionCheckHandler'
  | 'setDevicePermissionHandler'
  | 'webRequest'
  | 'on'
>;

/** Camera, microphone, notifications, clipboard reads, HID, serial, USB...: Maskroom needs none. */
export function denyAllPermissions(session: SessionLike, log: ShellLog): void {
  session.setPermissionRequestHandler((_wc, permission, callback) => {
    log(`denied permission ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => {
    event.preventDefault();
    log('blocked a download in the renderer');
  });
}

/** URL schemes the renderer's session may load: its own scheme, and DevTools when a developer opens them. */
export function isAllowedRendererRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  return url.startsWith('devtools://') || url.startsWith('chrome-extension://devtools');
}

/**
 * The renderer session's network guard: every request that is not the app's own scheme is cancelled and
 * logged (the edit service is called by main, never by the page), and every response carries the CSP.
 */
export function installSessionGuard(session: SessionLike, log: ShellLog): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    if (isAllowedRendererRequest(details.url)) return callback({});
    log(`blocked a renderer request to ${details.url}`);
    callback({ cancel: true });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers))
      if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [ELECTRON_CSP];
    callback({ responseHeaders: headers });
  });
}
