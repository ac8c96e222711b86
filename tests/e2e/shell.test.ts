/**
 * The editor's frame in Debian Chromium through the web host: the panels are where the fixed data-testids
 * say, window.maskroom works over HTTP exactly as the contract says, and the host refuses strangers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { startWebHost, type WebHost } from '../../electron/hosts/web-host';
import { openBrowser, type BrowserSession } from '../support/browser';
import { tempDir } from '../support/temp';

let host: WebHost;
let browser: BrowserSession;
const lib = tempDir();

function rawGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  // This process is also the client: its raw requests (a forged Host header, the child host started below)
  // are the test's own, not the host's, so the host's outbound guard (tested in tests/unit/hosts) stays off.
  host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir }, guard: false });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  lib.cleanup();
});

describe('web host shell', () => {
  it('shows the stage, tool bar, prompt and history panels', async () => {
    const { page } = browser;
    await page.goto(host.url);
    for (const id of [
      'stage',
      'tool-brush',
      'tool-eraser',
      'brush-size',
      'brush-hardness',
      'undo',
      'redo',
      'invert-mask',
      'clear-mask',
      'prompt',
      'run-edit',
      'cancel-edit',
      'job-status',
      'compare',
      'export',
      'settings',
      'credits',
      'open-image',
      'history-panel',
    ]) {
      await expect(page.getByTestId(id).count(), `data-testid=${id}`).resolves.toBeGreaterThan(0);
    }
    const stage = await page.getByTestId('stage').boundingBox();
    expect(stage?.width).toBeGreaterThan(600);
    expect(stage?.height).toBeGreaterThan(500);
    await page.waitForSelector('[data-testid=stage] canvas');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/shell-1280x800.png' });
    const foreign = browser.requests.filter((u) => !u.startsWith(`http://127.0.0.1:${host.port}/`));
    expect(foreign, 'requests that left the web host').toEqual([]);
  });

  it('gives the page the same window.maskroom as the preload', async () => {
    const { page } = browser;
    const info = await page.evaluate(() => window.maskroom.invoke('app:info', {}));
    expect(info.host).toBe('web');
    expect(await page.evaluate(() => window.maskroom.host)).toBe('web');
    const settings = await page.evaluate(() => window.maskroom.invoke('settings:get', {}));
    expect(settings.apiKeySet).toBe(false);
    expect(JSON.stringify(settings)).not.toMatch(/apiKey"\s*:\s*"/);
    // Write-only key: setting it says "set", and nothing ever reads it back.
    const after = await page.evaluate(() =>
      window.maskroom.invoke('settings:setApiKey', { key: 'sk-secret-123' }),
    );
    expect(after.apiKeySet).toBe(true);
    expect(JSON.stringify(after)).not.toContain('sk-secret-123');
    // Binary payloads survive the trip, and invalid ones are refused with a clear error.
    const bad = await page.evaluate(() =>
      window.maskroom.invoke('project:open', { projectId: '../../etc' }).then(
        () => 'accepted',
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      ),
    );
    expect(bad).toMatch(/^invalid-input: The request project:open was not valid \(projectId\)/);
  });

  it('refuses requests without the token or from another origin', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    expect(await rawGet(`${base}/`)).toBe(401);
    expect(await rawGet(`${base}/?token=wrong-${host.token}`)).toBe(401);
    expect(await rawGet(`${base}/events`)).toBe(401);
    expect(await rawGet(`${base}/?token=${host.token}`)).toBe(200);
    expect(await rawGet(`${base}/?token=${host.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await rawGet(`${base}/?token=${host.token}`, { Host: 'evil.example' })).toBe(403);
    // From inside a foreign page: the browser sends its Origin and the host refuses it.
    const status = await browser.page.evaluate(async (url) => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-maskroom-wire' },
        body: 'x',
      });
      return r.status;
    }, `${base}/api/app:info?token=${host.token}`);
    expect(status).toBe(200); // same origin with token: allowed (body is invalid, answered as an error)
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${base}/api/app:info`,
        {
          method: 'POST',
          headers: {
            Origin: 'http://evil.example',
            'x-maskroom-token': host.token,
            'content-type': 'application/x-maskroom-wire',
          },
        },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('x');
    });
    expect(res).toBe(403);
  });
});

describe('npm run web command line', () => {
  it('prints the fixed start line and serves the page with its token', async () => {
    const lib2 = tempDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'electron/hosts/web-host.ts', '--port', '0', '--library', lib2.dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no start line in 30 s: ${out}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const first = out.split('\n')[0];
          if (out.includes('\n') && first !== undefined) {
            clearTimeout(timer);
            resolve(first);
          }
        });
        child.on('exit', (code) => reject(new Error(`web host exited ${code}: ${out}`)));
      });
      const m = /^Maskroom web host: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{20,})$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(await rawGet(`http://127.0.0.1:${m![1]}/?token=${m![2]}`)).toBe(200);
      expect(await rawGet(`http://127.0.0.1:${m![1]}/`)).toBe(401);
    } finally {
      child.kill('SIGTERM');
      lib2.cleanup();
    }
  });

  it('rejects a bad port with one clear line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/hosts/web-host.ts', '--port', 'eighty'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('maskroom web: --port must be a number from 0 to 65535, not "eighty".');
  });
});
