/** maskroom://app: the renderer bundle only (never the library folder), confined to its folder, with the CSP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ELECTRON_CSP } from '../../../shared/csp';
import {
  APP_INDEX_URL,
  confinePath,
  createAppProtocolHandler,
  isAppUrl,
  resolveAppRequest,
} from '../../../electron/main/protocol';
import { tempDir } from '../../support/temp';

const t = tempDir('maskroom-protocol-');
const rendererDir = path.join(t.dir, 'renderer');
const libraryDir = path.join(t.dir, 'library');
const outside = path.join(t.dir, 'outside');
const roots = { rendererDir };
const handler = createAppProtocolHandler(roots);
const get = (url: string, method = 'GET') => handler({ method, url });

beforeAll(() => {
  for (const d of [
    rendererDir,
    path.join(rendererDir, 'assets'),
    path.join(libraryDir, 'p1', 'layers'),
    outside,
  ])
    mkdirSync(d, { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Maskroom</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(rendererDir, '.secret.js'), 'hidden');
  writeFileSync(path.join(libraryDir, 'p1', 'photo.jpg'), 'JPEGDATA');
  writeFileSync(path.join(libraryDir, 'p1', 'layers', 'l1.png'), 'PNGDATA');
  writeFileSync(path.join(libraryDir, 'p1', 'manifest.json'), '{"layers":[]}');
  writeFileSync(path.join(libraryDir, 'p1', 'evil.html'), '<script>alert(1)</script>');
  writeFileSync(path.join(outside, 'private.png'), 'PRIVATE');
  symlinkSync(path.join(outside, 'private.png'), path.join(libraryDir, 'p1', 'link.png'));
  symlinkSync(outside, path.join(libraryDir, 'p1', 'linkdir'));
});
afterAll(() => t.cleanup());

describe('app URLs', () => {
  it('recognises only maskroom://app', () => {
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('maskroom://app/assets/x.js')).toBe(true);
    for (const u of [
      'maskroom://evil/index.html',
      'https://app/index.html',
      'file:///index.html',
      'maskroom://user@app/',
      'nonsense',
      '',
    ]) {
      expect(isAppUrl(u), u).toBe(false);
    }
  });
});

describe('confinement', () => {
  it('refuses every way out of the root', () => {
    for (const p of [
      '../outside/private.png',
      '%2e%2e/outside/private.png',
      '..%2foutside%2fprivate.png',
      'a/../../outside',
      '..\\outside',
      '%5c..%5coutside',
      'x%00.png',
      '.git/config',
      'p1/.hidden.png',
      'C:/Windows',
      '%E0%A4%A',
      '/',
    ]) {
      expect(confinePath(libraryDir, p), p).toBeNull();
    }
    expect(confinePath(libraryDir, 'p1/photo.jpg')).toBe(path.join(libraryDir, 'p1', 'photo.jpg'));
    expect(confinePath(libraryDir, '/p1//layers/l1.png')).toBe(
      path.join(libraryDir, 'p1', 'layers', 'l1.png'),
    );
  });

  it('refuses other methods and origins', () => {
    expect(resolveAppRequest('POST', APP_INDEX_URL, roots)).toMatchObject({ kind: 'refuse', status: 405 });
    expect(resolveAppRequest('GET', 'maskroom://other/index.html', roots)).toMatchObject({
      kind: 'refuse',
      status: 403,
    });
  });
});

describe('protocol handler', () => {
  it('serves the renderer with the CSP and nosniff', async () => {
    const res = await get(APP_INDEX_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Maskroom</title>');
    const root = await get('maskroom://app/');
    expect(root.status).toBe(200);
    const js = await get('maskroom://app/assets/app.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await get('maskroom://app/.secret.js')).status).toBe(404);
    expect((await get('maskroom://app/missing.js')).status).toBe(404);
  });

  it('serves nothing of the library folder, whatever the path', async () => {
    for (const u of [
      'maskroom://app/library/p1/photo.jpg',
      'maskroom://app/library/p1/layers/l1.png',
      'maskroom://app/library/p1/manifest.json',
      'maskroom://app/library/p1/evil.html',
      'maskroom://app/library/../outside/private.png',
      'maskroom://app/library/%2e%2e/outside/private.png',
    ]) {
      const r = await get(u);
      expect(r.status, u).toBe(404);
      expect(await r.text()).toBe('');
    }
  });

  it('serves nothing a symlink in the bundle points at outside it', async () => {
    symlinkSync(path.join(outside, 'private.png'), path.join(rendererDir, 'assets', 'link.png'));
    const link = await get('maskroom://app/assets/link.png');
    expect(link.status).toBe(403);
    expect(await link.text()).toBe('');
  });
});
