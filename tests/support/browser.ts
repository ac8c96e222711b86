/** Launches Debian Chromium through playwright-core with the flags these machines need. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { rmSync } from 'node:fs';
import { CHROMIUM_FLAGS, findChromium, freshUserDataDir } from './chromium';

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, to prove nothing leaves loopback. */
  requests: string[];
  close(): Promise<void>;
}

export async function openBrowser(opts: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const userDataDir = freshUserDataDir();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  return {
    context,
    page,
    requests,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export type { Browser };
