/**
 * The batch panel in Chromium through the web host against the fake Segmind: from an open, masked edit,
 * "Apply to other photos…" takes three more photos (two of the open photo's shape, one square), runs the
 * same prompt with the current mask, shows progress per photo and overall, fails the square photo alone
 * with its reason, submits once per other photo, and shows before/after thumbnails; a result opens as a
 * project. Screenshots go to test-results/batch-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { FakeSegmind } from '../fake-segmind/server';
import { paintStroke, startEditor, type EditorSession } from './support/editor';

const PHOTOS = '../shared/fixtures/photos';

let editor: EditorSession;
let fake: FakeSegmind;
let page: Page;

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 1200, credits: 50, withApiKey: true, shotPrefix: 'batch' });
  ({ fake, page } = editor);
});

afterAll(() => editor?.close());

describe('batch panel', () => {
  it('applies the open edit to other photos, one failing alone, and opens a result', async () => {
    await page.getByTestId('open-image').setInputFiles(`${PHOTOS}/coffee.png`);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a brass bell');
    await page.getByTestId('batch-open').click();
    await page
      .getByTestId('batch-add-photos')
      .setInputFiles([`${PHOTOS}/rocket.jpg`, `${PHOTOS}/chelsea.png`, `${PHOTOS}/astronaut.png`]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=batch-item]').length === 3);
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toMatch(/3 edits/);
    await editor.shot('01-setup');

    const before = fake.submitted.length;
    await page.getByTestId('batch-run').click();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid=batch-item-status]')].some((e) =>
          /Editing|Preparing/.test(e.textContent ?? ''),
        ),
      null,
      { timeout: 20_000 },
    );
    await editor.shot('02-running');
    await page.waitForFunction(
      () => /finished/.test(document.querySelector('[data-testid=batch-progress]')?.textContent ?? ''),
      null,
      { timeout: 60_000 },
    );
    // Thumbnails of both finished photos have arrived.
    await page.waitForFunction(() => document.querySelectorAll('.batch-thumbs img').length >= 4, null, {
      timeout: 20_000,
    });
    const statuses = await page.getByTestId('batch-item-status').allTextContents();
    expect(statuses.filter((s) => s.startsWith('Done'))).toHaveLength(2);
    expect(statuses.filter((s) => s.startsWith('Failed'))).toHaveLength(1);
    const failed = page.locator('[data-testid=batch-item].status-failed');
    await expect(failed.textContent()).resolves.toMatch(
      /The current mask is 600x400 but astronaut\.png is 512x512, another shape/,
    );
    expect(fake.submitted.length - before).toBe(2);
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toMatch(/2 of 3 done · 1 failed/);
    // The two paid photos count in the session's cost (the fake reports $0.24 an edit); the failed one not.
    await expect(page.getByTestId('session-cost').textContent()).resolves.toContain('$0.48');
    await editor.shot('03-review');

    // Open a result as a project: the panel closes and the editor shows it with its one layer.
    await page
      .locator('[data-testid=batch-item].status-done')
      .first()
      .getByRole('button', { name: 'Open' })
      .click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=history-item]').length === 1,
      null,
      {
        timeout: 20_000,
      },
    );
    await expect(page.getByTestId('batch-panel').count()).resolves.toBe(0);
    // Opening the result does not count its layer a second time.
    await expect(page.getByTestId('session-cost').textContent()).resolves.toContain('$0.48');
    await editor.shot('04-opened');
  }, 120_000);
});
