/** The window's options and the handlers that keep the renderer in its box, over fakes of Electron's objects. */
import { describe, expect, it } from 'vitest';
import type { Session, WebContents } from 'electron';
import { ELECTRON_CSP } from '../../../shared/csp';
import {
  MIN_SIZE,
  denyAllPermissions,
  fitBounds,
  hardenWebContents,
  installSessionGuard,
  secureWebPreferences,
  windowOptions,
} from '../../../electron/main/window';
import { FakeSession, FakeWebContents } from './fakes';

const logs: string[] = [];
const log = (m: string) => void logs.push(m);

/**
 * The isolation the renderer must have, written here apart from the code: the flags that must be on and
 * those that must be off.
 */
const MUST_BE_ON = ['contextIsolation', 'sandbox', 'webSecurity'];
const MUST_BE_OFF = [
  'nodeIntegration',
  'nodeIntegrationInWorker',
  'nodeIntegrationInSubFrames',
  'allowRunningInsecureContent',
  'experimentalFeatures',
  'webviewTag',
  'spellcheck',
];
const isolation = Object.fromEntries([
  ...MUST_BE_ON.map((k) => [k, true]),
  ...MUST_BE_OFF.map((k) => [k, false]),
]);

describe('window options', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, web security, no webviews', () => {
    const o = windowOptions({ preloadPath: '/app/dist/electron/preload.cjs' });
    const w = o.webPreferences ?? {};
    expect(w).toMatchObject({ preload: '/app/dist/electron/preload.cjs', ...isolation });
    expect(w).not.toHaveProperty('enableBlinkFeatures');
    expect(o.show).toBe(false);
    expect(secureWebPreferences('/app/dist/electron/preload.cjs')).toEqual(w);
  });

  it('restores a remembered size and position, within the minimum', () => {
    expect(
      windowOptions({ preloadPath: 'p', bounds: { x: 10, y: 20, width: 1000, height: 700 } }),
    ).toMatchObject({ x: 10, y: 20, width: 1000, height: 700 });
    expect(windowOptions({ preloadPath: 'p', bounds: { width: 100, height: 100 } })).toMatchObject({
      center: true,
      ...MIN_SIZE,
    });
  });

  it('keeps a remembered position only while it is on a display', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(fitBounds({ x: 100, y: 50, width: 1200, height: 800 }, screen)).toEqual({
      x: 100,
      y: 50,
      width: 1200,
      height: 800,
    });
    // The second monitor it was on is unplugged: size kept, position dropped (centred).
    expect(fitBounds({ x: 2500, y: 50, width: 1200, height: 800 }, screen)).toEqual({
      width: 1200,
      height: 800,
    });
    // Larger than the display: shrunk to it.
    expect(fitBounds({ x: 0, y: 0, width: 5000, height: 3000 }, screen)).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 1080,
    });
    expect(fitBounds(null, screen)).toEqual({ width: 1440, height: 900 });
  });
});

describe('navigation and new windows', () => {
  const wc = new FakeWebContents();
  hardenWebContents(wc as unknown as WebContents, log);

  it('denies every new window', () => {
    for (const url of ['https://example.com', 'maskroom://app/index.html', 'file:///etc/passwd']) {
      expect(wc.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
  });

  it('blocks navigation and redirects away from the app, and allows staying in it', () => {
    for (const ev of ['will-navigate', 'will-redirect']) {
      expect(wc.fire(ev, {}, 'https://evil.example/')).toBe(true);
      expect(wc.fire(ev, {}, 'file:///home/me/photo.jpg')).toBe(true);
      expect(wc.fire(ev, {}, 'maskroom://app/index.html')).toBe(false);
    }
    expect(wc.fire('will-frame-navigate', { url: 'https://evil.example/', isMainFrame: false })).toBe(true);
    expect(wc.fire('will-frame-navigate', { url: 'maskroom://app/x', isMainFrame: false })).toBe(true);
    expect(wc.fire('will-frame-navigate', { url: 'maskroom://app/index.html', isMainFrame: true })).toBe(
      false,
    );
    expect(wc.fire('will-attach-webview')).toBe(true);
    expect(logs.some((l) => l.includes('https://evil.example/'))).toBe(true);
  });
});

describe('session', () => {
  const s = new FakeSession();
  denyAllPermissions(s as unknown as Session, log);
  installSessionGuard(s as unknown as Session, log);

  it('denies every permission request and check, and downloads', () => {
    for (const p of [
      'media',
      'notifications',
      'clipboard-read',
      'geolocation',
      'openExternal',
      'fullscreen',
    ]) {
      let answer: boolean | null = null;
      s.permissionRequest?.({}, p, (ok) => (answer = ok), {});
      expect(answer, p).toBe(false);
      expect(s.permissionCheck?.({}, p, 'maskroom://app', {})).toBe(false);
    }
    expect(s.devicePermission?.({ deviceType: 'usb' })).toBe(false);
    expect(s.fire('will-download')).toBe(true);
  });

  it('lets the renderer load only the app scheme (and DevTools), nothing from the network', () => {
    expect(s.request('maskroom://app/index.html')).toEqual({});
    expect(s.request('maskroom://app/library/p/photo.jpg')).toEqual({});
    expect(s.request('devtools://devtools/bundled/inspector.html')).toEqual({});
    for (const url of [
      'https://api.segmind.com/v1/x',
      'http://127.0.0.1:8080/',
      'wss://example.com/socket',
      'file:///etc/passwd',
      'https://fonts.googleapis.com/css',
      'maskroom://evil/index.html',
    ]) {
      expect(s.request(url), url).toEqual({ cancel: true });
    }
  });

  it('puts the CSP on every response, replacing any other', () => {
    let out: Record<string, string[]> | undefined;
    s.headersReceived?.(
      {
        url: 'maskroom://app/index.html',
        responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] },
      },
      (r) => (out = r.responseHeaders),
    );
    expect(out?.['Content-Security-Policy']).toEqual([ELECTRON_CSP]);
    expect(out?.['content-security-policy']).toBeUndefined();
    expect(out?.['Content-Type']).toEqual(['text/html']);
  });
});

describe('developer tools in the window', () => {
  it('are off unless a development build asks for them', () => {
    expect(windowOptions({ preloadPath: 'p' }).webPreferences?.devTools).toBe(false);
    expect(windowOptions({ preloadPath: 'p', devTools: false }).webPreferences?.devTools).toBe(false);
    expect(windowOptions({ preloadPath: 'p', devTools: true }).webPreferences?.devTools).toBe(true);
  });
});
