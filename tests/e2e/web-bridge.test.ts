/**
 * The web bridge's calls in Chromium through the web host: every call's body reaches the host (the photo
 * opens, an edit lands), yet none is handed to the DevTools client watching the page (Playwright here) in
 * its request event. A body sent as an array would be: an edit's raw mask then reaches the client as tens
 * of MB of base64 JSON per call, which Chromium and the client's process (the web host's, in a test or a
 * bench) spend seconds encoding and parsing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { paintStroke, startEditor, waitForHistory, type EditorSession } from './support/editor';

const PHOTOS = '../shared/fixtures/photos';

let editor: EditorSession;
let page: Page;
const calls: Array<{ channel: string; devtoolsBody: number | null }> = [];

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 100, credits: 10, withApiKey: true, shotPrefix: 'web-bridge' });
  page = editor.page;
  page.on('request', (r: Request) => {
    const url = new URL(r.url());
    if (r.method() !== 'POST' || !url.pathname.startsWith('/api/')) return;
    calls.push({
      channel: decodeURIComponent(url.pathname.slice('/api/'.length)),
      devtoolsBody: r.postDataBuffer()?.length ?? null,
    });
  });
});

afterAll(() => editor?.close());

describe('web bridge', () => {
  it('sends every call body to the host without handing it to a DevTools client', async () => {
    await page.getByTestId('open-image').setInputFiles(`${PHOTOS}/coffee.png`);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a brass bell');
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 1);

    // The calls that carry the photo and the mask arrived (the photo opened, the edit landed) ...
    const channels = new Set(calls.map((c) => c.channel));
    expect(channels).toContain('project:create');
    expect(channels).toContain('edit:run');
    // ... and DevTools saw none of their bytes.
    expect(calls.filter((c) => c.devtoolsBody !== null)).toEqual([]);
  });
});
