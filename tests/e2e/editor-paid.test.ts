/**
 * What edits cost and what was paid, in Chromium through the web host against the fake Segmind: the cost
 * the service reported on the history item and the session's total in the status bar; an edit that fails
 * while its result is polled (accepted, so billed) offers Collect result, asks before a re-run would pay
 * again, and collecting it ends with one more layer and no second submit; a layer whose patch file was
 * deleted on disk is marked damaged after reopening, says which file, and still toggles.
 * Screenshots go to test-results/editor-paid-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { FakeSegmind } from '../fake-segmind/server';
import { paintStroke, startEditor, waitForHistory, type EditorSession } from './support/editor';

const PHOTO = '../shared/fixtures/photos/coffee.png';
/** Words that would lead the user to submit (and pay for) the edit again. */
const RUN_AGAIN = /run (the edit |it )?again|re-?run|try again/i;
/** Dollars as the editor shows them (the fake's costs are at least a cent). */
const usd = (n: number) => `$${n.toFixed(2)}`;

let editor: EditorSession;
let fake: FakeSegmind;
let page: Page;
const shot = (name: string) => editor.shot(name);

/** The open project's layers as main has them (what the UI must agree with). */
function layers() {
  return page.evaluate(async () => {
    const list = await window.maskroom.invoke('projects:list', {});
    const id = list[0]?.id;
    if (!id) return [];
    return (await window.maskroom.invoke('project:open', { projectId: id })).layers;
  });
}

const text = async (testid: string) => (await page.getByTestId(testid).first().textContent()) ?? '';

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 1500, credits: 50, withApiKey: true, shotPrefix: 'editor-paid' });
  ({ fake, page } = editor);
});

afterAll(() => editor?.close());

describe('editor: cost, collect, damaged layers', () => {
  it('shows what the edit cost on its item and the session total beside the credits', async () => {
    await expect(text('session-cost')).resolves.toContain('$0.00');
    await page.getByTestId('open-image').setInputFiles(PHOTO);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a brass bell');
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 1);

    const [layer] = await layers();
    expect(layer?.cost, 'the fake reports metrics.cost and the layer keeps it').toEqual(expect.any(Number));
    const cost = usd(layer?.cost as number);
    await page.waitForSelector('[data-testid=layer-cost]');
    await expect(text('layer-cost')).resolves.toBe(cost);
    await expect(text('session-cost')).resolves.toContain(cost);
    await expect(text('credits')).resolves.toMatch(/\d/);
    await shot('01-cost');
  });

  it('offers Collect result after a fault while polling, asks before paying again, and collects once', async () => {
    const submits = fake.submitted.length;
    // Every status poll fails: the service has accepted (and billed) the edit, Maskroom cannot get it.
    fake.setFault({ name: 'always-500', endpoint: 'status' });
    await page.getByTestId('prompt').fill('a silver teaspoon');
    await page.getByTestId('run-edit').click();
    await page.waitForSelector('[data-testid=job][data-collectable=true]', { timeout: 90_000 });
    expect(fake.submitted.length).toBe(submits + 1);
    const row = page.locator('[data-testid=job][data-collectable=true]');
    await expect(row.getByTestId('job-collect').isVisible()).resolves.toBe(true);
    await expect(row.getByTestId('job-retry').count()).resolves.toBe(0);
    expect(await row.textContent()).not.toMatch(RUN_AGAIN);
    const banner = page.getByTestId('error');
    if ((await banner.count()) > 0) expect(await banner.textContent()).not.toMatch(RUN_AGAIN);
    await shot('02-collect-result');

    // Re-run from the prompt panel: the app's own dialog asks first, and Cancel submits nothing.
    let nativeDialogs = 0;
    const onDialog = () => void nativeDialogs++;
    page.on('dialog', onDialog);
    await page.getByTestId('rerun-edit').click();
    await page.waitForSelector('[data-testid=confirm-rerun]');
    await expect(text('confirm-rerun')).resolves.toContain(
      'The service already accepted this edit and charged for it; running it again pays again. Collect the result instead?',
    );
    await shot('03-confirm-rerun');
    await page.getByTestId('confirm-rerun-cancel').click();
    await expect(page.getByTestId('confirm-rerun').count()).resolves.toBe(0);
    page.off('dialog', onDialog);
    expect(nativeDialogs).toBe(0);
    expect(fake.submitted.length).toBe(submits + 1);

    // The service answers again: Collect result fetches the paid result, without a second submit.
    fake.setFault(null);
    await row.getByTestId('job-collect').click();
    await waitForHistory(page, 2);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=job]')?.getAttribute('data-state') === 'done',
      null,
      { timeout: 30_000 },
    );
    expect(fake.submitted.length).toBe(submits + 1);
    const all = await layers();
    expect(all).toHaveLength(2);
    expect(all[1]?.prompt).toBe('a silver teaspoon');
    expect(all[1]?.requestId).toBe(fake.submitted[submits]?.requestId);
    const sum = all.reduce((s, l) => s + (l.cost ?? 0), 0);
    await expect(text('session-cost')).resolves.toContain(usd(sum));
    await shot('04-collected');
  });

  it('marks a layer whose patch file is gone after reopening, says which file, and still toggles it', async () => {
    const all = await layers();
    const victim = all[0];
    if (!victim) throw new Error('no layer');
    const projectId = await page.evaluate(
      async () => (await window.maskroom.invoke('projects:list', {}))[0]?.id,
    );
    if (!projectId) throw new Error('no project');
    const patch = path.join(editor.libraryDir, projectId, 'layers', `${victim.id}.patch.png`);
    expect(existsSync(patch)).toBe(true);
    // Close the project, lose the file (a sync not finished, a file deleted by hand), open it again.
    await page.evaluate((id) => window.maskroom.invoke('project:close', { projectId: id }), projectId);
    rmSync(patch);
    await page.reload();
    await page.waitForSelector('[data-testid=recent-list]');
    await page.locator('[data-testid=recent-list] .recent-item').first().click();
    await waitForHistory(page, 2);

    const item = page.locator(`[data-testid=history-item][data-layer-id="${victim.id}"]`);
    await page.waitForSelector(`[data-testid=history-item][data-layer-id="${victim.id}"][data-damaged=true]`);
    await expect(item.getByTestId('layer-damaged').textContent()).resolves.toContain(
      `layer file missing: layers/${victim.id}.patch.png — restore it from your backup or sync`,
    );
    const other = page.locator(`[data-testid=history-item]:not([data-layer-id="${victim.id}"])`);
    await expect(other.getAttribute('data-damaged')).resolves.toBe('false');
    await shot('05-damaged');

    const visible = await item.getAttribute('data-visible');
    await item.getByTestId('layer-visible').click();
    await page.waitForSelector(
      `[data-testid=history-item][data-layer-id="${victim.id}"][data-visible="${visible === 'true' ? 'false' : 'true'}"]`,
    );
    // Nothing was deleted: both layers are still in the project.
    expect(await layers()).toHaveLength(2);
  });
});
