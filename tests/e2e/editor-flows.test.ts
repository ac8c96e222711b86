/**
 * More of the editor in Chromium through the web host and the fake Segmind: starting without a key
 * (the error says what to do, Settings takes the key write-only, Try again succeeds), reference
 * images, cancelling an edit in flight, viewing an earlier layer, zoom keys, the help overlay,
 * drag-out as a download, and reopening the project from the recent list after a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import type { FakeSegmind } from '../fake-segmind/server';
import { paintStroke, startEditor, waitForHistory, type EditorSession } from './support/editor';

const PHOTO = '../shared/fixtures/photos/coffee.png';
const REFERENCE = '../shared/fixtures/photos/chelsea.png';

let editor: EditorSession;
let fake: FakeSegmind;
let page: Page;
const shot = (name: string) => editor.shot(name);

beforeAll(async () => {
  // No API key: the user has to give one in Settings.
  editor = await startEditor({ latencyMs: 3000, credits: 20, withApiKey: false, shotPrefix: 'editor-flows' });
  ({ fake, page } = editor);
});

afterAll(() => editor?.close());

describe('editor flows', () => {
  it('without a key: says so, takes the key write-only in Settings, then the same edit succeeds', async () => {
    await page.getByTestId('open-image').setInputFiles(PHOTO);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a silver spoon');
    await page.getByTestId('run-edit').click();
    await page.waitForSelector('[data-testid=error][data-code=no-api-key]', { timeout: 15_000 });
    await expect(page.getByTestId('error').textContent()).resolves.toMatch(/Settings/);
    await shot('01-no-key');

    await page.getByRole('button', { name: 'Open Settings' }).click();
    const key = page.getByTestId('api-key');
    await expect(key.getAttribute('type')).resolves.toBe('password');
    await expect(key.inputValue()).resolves.toBe('');
    await expect(page.getByTestId('api-key-state').textContent()).resolves.toMatch(/No key is set/);
    await key.fill(fake.apiKey);
    await page.getByTestId('save-api-key').click();
    await page.waitForFunction(() =>
      /key is set/i.test(document.querySelector('[data-testid=api-key-state]')?.textContent ?? ''),
    );
    // Write-only: the field is emptied (on the render after the saved state) and nothing on the page holds the key.
    await expect.poll(() => key.inputValue(), { timeout: 20_000 }).toBe('');
    expect(await page.content()).not.toContain(fake.apiKey);
    await shot('02-settings-key-set');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('settings-dialog').count()).resolves.toBe(0);
    // The banner went with the cause; the mask and prompt are still there: run again.
    await expect(page.getByTestId('error').count()).resolves.toBe(0);
    await expect(page.getByTestId('prompt').inputValue()).resolves.toBe('a silver spoon');
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 1);
  });

  it('sends reference images dropped on the tray with the edit', async () => {
    await page.getByTestId('reference-input').setInputFiles(REFERENCE);
    await page.waitForSelector('.ref-thumb img');
    await shot('03-reference');
    const before = fake.submitted.length;
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 2);
    const body = fake.submitted[before]?.body as { image_urls?: unknown[] } | undefined;
    expect(body?.image_urls).toHaveLength(2);
    await page.getByRole('button', { name: /Remove chelsea/ }).click();
    await expect(page.locator('.ref-thumb').count()).resolves.toBe(0);
  });

  it('cancels an edit in flight and keeps the mask and prompt', async () => {
    const mask = await page.evaluate(() => window.__maskroomCanvas?.stats()?.nonZero);
    // The service's answers to the status polls are held until the cancel has landed: the edit cannot
    // finish first however slow the page or the host is.
    const polls = fake.hold('status');
    try {
      await page.getByTestId('run-edit').click();
      await page.waitForFunction(
        () =>
          /Queued|Processing|Uploading/.test(
            document.querySelector('[data-testid=job-status]')?.textContent ?? '',
          ),
        null,
        { timeout: 10_000 },
      );
      await polls.reached(1);
      await page.getByTestId('cancel-edit').click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid=job]')?.getAttribute('data-state') === 'cancelled',
        null,
        { timeout: 15_000 },
      );
    } finally {
      polls.release();
    }
    await shot('04-cancelled');
    await expect(page.getByTestId('error').count()).resolves.toBe(0);
    expect(await page.evaluate(() => window.__maskroomCanvas?.stats()?.nonZero)).toBe(mask);
    await expect(page.getByTestId('prompt').inputValue()).resolves.toBe('a silver spoon');
    await page.waitForTimeout(3500); // the cancelled job must not turn into a layer later
    await waitForHistory(page, 2);
  });

  it('shows an earlier layer on request and comes back to the current image', async () => {
    await page.getByTestId('history-item').last().locator('.history-select').click();
    await page.waitForSelector('[data-testid=viewing-banner]');
    await shot('05-viewing-layer');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('viewing-banner').count()).resolves.toBe(0);
  });

  it('zooms to 100 % and back to fit with the keys, and lists the keys in the help overlay', async () => {
    const scale = () => page.evaluate(() => window.__maskroomCanvas?.view().scale ?? 0);
    const fit = await scale();
    await page.keyboard.press('Control+1');
    await page.waitForFunction(() => window.__maskroomCanvas?.view().scale === 1);
    await page.keyboard.press('Control+0');
    await page.waitForFunction((s) => Math.abs((window.__maskroomCanvas?.view().scale ?? 0) - s) < 1e-6, fit);
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=help-overlay]');
    await expect(page.getByTestId('help-overlay').textContent()).resolves.toMatch(
      /Ctrl\+Enter.*Run the edit/,
    );
    await shot('06-help');
    await page.keyboard.press('Escape');
  });

  it('drags out the full-resolution image (a download in the web host)', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('drag-out').click(),
    ]);
    const file = `${editor.libraryDir}/dragged-out`;
    await download.saveAs(file);
    const meta = await sharp(readFileSync(file)).metadata();
    const project = await page.evaluate(async () => (await window.maskroom.invoke('projects:list', {}))[0]);
    expect(meta.width).toBe(project?.width);
    expect(meta.height).toBe(project?.height);
  });

  it('new defaults from Settings reach the Advanced parameters left at their defaults', async () => {
    await page.getByTestId('settings').click();
    await page.getByTestId('setting-feather').fill('12');
    await page.getByTestId('save-settings').click();
    await page.waitForSelector('.dialog .ok');
    await shot('06b-settings-saved');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('advanced').textContent()).resolves.toContain('feather 12');
    const settings = await page.evaluate(() => window.maskroom.invoke('settings:get', {}));
    expect(settings.feather).toBe(12);
  });

  it('reopens the project from the recent list after a reload, with its history', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=recent-list]');
    await shot('07-recent');
    await page.locator('[data-testid=recent-list] .recent-item').first().click();
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    await waitForHistory(page, 2);
    await page.waitForSelector('[data-testid=history-item] .thumb img');
    await shot('08-reopened');
  });
});
