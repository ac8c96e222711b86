/**
 * The editor in Chromium for the e2e tests: the fake Segmind, the web host on a fresh library and a
 * browser page on the editor (canvas debug on), started together and closed together.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../../electron/hosts/web-host';
import { startFakeSegmind, type FakeSegmind } from '../../fake-segmind/server';
import { openBrowser, type BrowserSession } from '../../support/browser';
import { tempDir } from '../../support/temp';

const OUT = 'test-results';

export interface EditorSession {
  fake: FakeSegmind;
  host: WebHost;
  browser: BrowserSession;
  page: Page;
  /** The project library the web host uses (removed on close). */
  libraryDir: string;
  /** Screenshots the page, after the canvas has drawn its next frame, to test-results/<prefix>-<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startEditor(opts: {
  latencyMs: number;
  credits: number;
  /** Start with SEGMIND_API_KEY set to the fake's key (else the user has to give one in Settings). */
  withApiKey: boolean;
  /** File name prefix of the screenshots. */
  shotPrefix: string;
}): Promise<EditorSession> {
  mkdirSync(OUT, { recursive: true });
  const lib = tempDir();
  let fake: FakeSegmind | undefined;
  let host: WebHost | undefined;
  let browser: BrowserSession | undefined;
  const close = async () => {
    await browser?.close();
    await host?.close();
    await fake?.close();
    lib.cleanup();
  };
  try {
    fake = await startFakeSegmind({ latencyMs: opts.latencyMs, credits: opts.credits });
    host = await startWebHost({
      libraryDir: lib.dir,
      env: {
        MASKROOM_LIBRARY: lib.dir,
        SEGMIND_API_BASE: fake.apiBase,
        SEGMIND_STORAGE_BASE: fake.storageBase,
        ...(opts.withApiKey ? { SEGMIND_API_KEY: fake.apiKey } : {}),
      },
    });
    browser = await openBrowser({ width: 1280, height: 800 });
    const page = browser.page;
    await page.goto(`${host.url}&canvasDebug=1`);
    await page.waitForSelector('[data-testid=stage] canvas');
    return {
      fake,
      host,
      browser,
      page,
      libraryDir: lib.dir,
      async shot(name) {
        await page.waitForTimeout(150); // let the canvas draw its next frame
        await page.screenshot({ path: `${OUT}/${opts.shotPrefix}-${name}.png` });
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Waits (up to 30 s) until the history panel lists exactly `count` items. */
export async function waitForHistory(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=history-item]').length === n,
    count,
    { timeout: 30_000 },
  );
}

/** Paints one brush stroke across the middle of the photo. */
export async function paintStroke(page: Page): Promise<void> {
  const box = await page.getByTestId('stage').boundingBox();
  if (!box) throw new Error('no stage');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx - 60, cy);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(cx - 60 + i * 15, cy + i * 3);
  await page.mouse.up();
}
