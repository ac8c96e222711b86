/**
 * The packaged shape of the app under real Electron (Playwright's _electron): it opens a photo, paints a
 * mask, runs an edit against the fake Segmind, and drags the result out as a file main exported. Along the
 * way it checks what the shell promises: the page has no Node, runs from maskroom://app, gets errors with
 * their code through the preload, and neither the page nor main talks to anything but the fake service.
 *
 * Needs the Electron binary. Where it is missing (Electron 45 downloads it on first use, and some machines
 * cannot), the test is reported as skipped with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElectronApplication, Page } from 'playwright-core';
import { startFakeSegmind, type FakeSegmind } from '../fake-segmind/server';
import { tempDir } from '../support/temp';
import { findElectron } from './electron-binary';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PHOTO = path.resolve(root, '../shared/fixtures/photos/rocket.jpg');
const electron = findElectron();
const skipReason = 'missing' in electron ? `Electron e2e skipped: ${electron.missing}.` : null;
if (skipReason) console.warn(skipReason);

let app: ElectronApplication | null = null;
let page: Page;
let fake: FakeSegmind;
const dirs = { lib: tempDir('maskroom-e2e-lib-'), userData: tempDir('maskroom-e2e-userdata-') };
const pageRequests: string[] = [];
const mainOutput: string[] = [];

beforeAll(async () => {
  if (skipReason) return;
  // The e2e global setup builds only the renderer: main and preload are built here.
  const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: root,
    stdio: 'inherit',
    timeout: 100_000,
  });
  if (b.status !== 0) throw new Error('npm run build failed (see above)');
  fake = await startFakeSegmind();
  const { _electron } = await import('playwright-core');
  app = await _electron.launch({
    executablePath: (electron as { path: string }).path,
    args: [root, ...(process.platform === 'linux' ? ['--no-sandbox', '--disable-gpu'] : [])],
    cwd: root,
    timeout: 60_000,
    env: {
      ...(process.env as Record<string, string>),
      SEGMIND_API_KEY: fake.apiKey,
      SEGMIND_API_BASE: fake.apiBase,
      SEGMIND_STORAGE_BASE: fake.storageBase,
      MASKROOM_LIBRARY: dirs.lib.dir,
      MASKROOM_USER_DATA: dirs.userData.dir,
    },
  });
  app.process().stdout?.on('data', (d: Buffer) => mainOutput.push(d.toString()));
  app.process().stderr?.on('data', (d: Buffer) => mainOutput.push(d.toString()));
  page = await app.firstWindow();
  page.on('request', (r) => void pageRequests.push(r.url()));
  await page.waitForSelector('[data-testid=stage]', { timeout: 30_000 });
}, 240_000);

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await fake?.close();
  dirs.lib.cleanup();
  dirs.userData.cleanup();
});

describe('Electron app', () => {
  it('is isolated: no Node in the page, served from maskroom://app, errors keep their code', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    expect(page.url()).toMatch(/^maskroom:\/\/app\//);
    expect(
      await page.evaluate(() => [
        typeof (globalThis as { require?: unknown }).require,
        typeof (globalThis as { process?: unknown }).process,
      ]),
    ).toEqual(['undefined', 'undefined']);
    expect(await page.evaluate(() => window.maskroom.host)).toBe('electron');
    const bad = await page.evaluate(() =>
      window.maskroom.invoke('project:open', { projectId: '../../etc' }).then(
        () => 'accepted',
        (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
      ),
    );
    expect(bad).toMatch(/^invalid-input: The request project:open was not valid \(projectId\)/);
    const settings = await page.evaluate(() => window.maskroom.invoke('settings:get', {}));
    expect(settings.apiKeySet).toBe(true);
    expect(JSON.stringify(settings)).not.toContain(fake.apiKey);
  });

  it('opens a photo, paints, runs an edit against the fake server, and drags the result out', async (ctx) => {
    if (skipReason || !app) return ctx.skip(skipReason ?? 'Electron did not start');
    // Record drags instead of starting a native one (which would wait for the OS).
    await app.evaluate(({ webContents }) => {
      const g = globalThis as { __drags?: string[] };
      g.__drags = [];
      for (const wc of webContents.getAllWebContents()) {
        const proto = Object.getPrototypeOf(wc) as { startDrag: (item: { file: string }) => void };
        proto.startDrag = (item) => void g.__drags?.push(item.file);
      }
    });

    await page.getByTestId('open-image').setInputFiles(PHOTO);
    await page.waitForSelector('[data-testid=drag-out]:not([disabled])', { timeout: 30_000 });

    const stage = await page.getByTestId('stage').boundingBox();
    if (!stage) throw new Error('no stage');
    const cx = stage.x + stage.width / 2;
    const cy = stage.y + stage.height / 2;
    await page.mouse.move(cx - 60, cy - 40);
    await page.mouse.down();
    for (let i = 0; i <= 10; i++) await page.mouse.move(cx - 60 + i * 12, cy - 40 + i * 8);
    await page.mouse.up();

    await page.getByTestId('prompt').fill('make the rocket bright red');
    await page.getByTestId('run-edit').click();
    await expect
      .poll(() => page.getByTestId('history-item').count(), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(1);
    expect(fake.submitted.length).toBeGreaterThanOrEqual(1);

    await page.getByTestId('drag-out').click();
    const drags = await expect
      .poll(() => app?.evaluate(() => (globalThis as { __drags?: string[] }).__drags ?? []), {
        timeout: 30_000,
      })
      .toHaveLength(1)
      .then(() => app?.evaluate(() => (globalThis as { __drags?: string[] }).__drags ?? []));
    const file = drags?.[0] ?? '';
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(file).not.toContain(dirs.lib.dir); // a copy main owns, never a project file
  });

  it('made no request except to the app itself and the fake edit service', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const foreign = pageRequests.filter((u) => !/^(maskroom:\/\/app\/|blob:|data:)/.test(u));
    expect(foreign, 'requests the page made').toEqual([]);
    expect(mainOutput.join('').match(/\[maskroom\] blocked .*/g) ?? [], 'requests main blocked').toEqual([]);
    expect(fake.requests.length).toBeGreaterThan(0);
  });
});
