/**
 * Edits cut off while being sent, in Chromium through the web host against the fake Segmind: a project
 * holds two edits journaled and never answered (as a killed app leaves them: ProjectStore.addJob, no request
 * id), one of them with reference images. Opening it shows one notice per edit (what happened, the possible
 * charge, what to do); "Run it again" sends that edit once, with its prompt and parameters, and its layer
 * lands in the history; Dismiss forgets the other, for good. In the batch panel, a photo whose edit was cut
 * off the same way in an earlier run is marked as sent again (maybe charged twice) when Retry failed sends it.
 * Screenshots go to test-results/dropped-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { EditParams } from '../../shared/contract';
import { batchFile } from '../../electron/core/batch/journal';
import { loadPhoto } from '../../electron/core/imaging';
import { ProjectStore } from '../../electron/core/project';
import type { FakeSegmind } from '../fake-segmind/server';
import { ellipseMaskPng, fixturesDir } from '../support/fixtures';
import { paintStroke, startEditor, waitForHistory, type EditorSession } from './support/editor';

let editor: EditorSession;
let fake: FakeSegmind;
let page: Page;

const SCARF = 'a red knitted scarf around the cat’s neck, soft wool texture, natural light';
const SKY = 'replace the background with a calm blue sky';

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 300, credits: 50, withApiKey: true, shotPrefix: 'dropped' });
  ({ fake, page } = editor);
});

afterAll(() => editor?.close());

/** A library project from chelsea.png (451x300) with two edits cut off while being sent. */
async function projectWithCutOffEdits(): Promise<string> {
  const id = 'pcutoff';
  const photo = new Uint8Array(await fs.readFile(path.join(fixturesDir(), 'chelsea.png')));
  const info = await loadPhoto(photo);
  const store = await ProjectStore.create(path.join(editor.libraryDir, id), {
    photo,
    name: 'chelsea.png',
    width: info.width,
    height: info.height,
    format: info.format,
    id,
  });
  const base = {
    layerId: 'l0',
    groupId: null,
    feather: 8,
    colorMatch: true,
    model: 'gpt-image-1.5-edit',
    sent: {
      apiSize: '1024x1024' as const,
      plan: {
        crop: { x: 0, y: 0, width: 451, height: 300 },
        pad: { left: 0, top: 0, right: 0, bottom: 0 },
        apiSize: '1024x1024' as const,
        scale: 1024 / 451,
      },
      references: 0,
      transport: 'upload' as const,
      mode: 'async' as const,
    },
  };
  await store.addJob(
    {
      ...base,
      jobId: 'jscarf',
      layerId: 'lscarf',
      prompt: SCARF,
      params: EditParams.parse({ quality: 'high' }),
      createdAt: '2026-01-01T10:00:00.000Z',
    },
    new Uint8Array(await ellipseMaskPng(451, 300, 220, 150, 90, 40)),
  );
  await store.addJob(
    {
      ...base,
      jobId: 'jsky',
      layerId: 'lsky',
      prompt: SKY,
      params: EditParams.parse({}),
      sent: { ...base.sent, references: 2 },
      createdAt: '2026-01-01T10:01:00.000Z',
    },
    new Uint8Array(await ellipseMaskPng(451, 300, 225, 40, 200, 40)),
  );
  // The app was killed here: the lock is left behind by a process that is gone, so it is only released.
  await store.close();
  return id;
}

describe('an edit cut off while being sent', () => {
  it('is told on open, runs again with one click, and can be dismissed', async () => {
    const id = await projectWithCutOffEdits();
    await page.reload();
    await page.locator('.recent-item', { hasText: 'chelsea.png' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=dropped-edit]').length === 2,
      null,
      {
        timeout: 20_000,
      },
    );
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    const notices = page.getByTestId('dropped-edit');
    const scarf = notices.filter({ hasText: 'scarf' });
    const sky = notices.filter({ hasText: 'blue sky' });
    await expect(scarf.textContent()).resolves.toMatch(
      /interrupted while being sent\..*may have charged for it.*cannot be collected; run it again with the same prompt, settings and mask/,
    );
    await expect(sky.textContent()).resolves.toMatch(
      /2 reference images are no longer in the project: running it again sends none/,
    );
    await expect(scarf.textContent()).resolves.not.toMatch(/reference image/);
    // Legible at 1280x800: every notice and its buttons inside the window.
    for (const n of await notices.all()) {
      const box = (await n.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(1280);
      expect(box.y + box.height).toBeLessThanOrEqual(800);
      for (const b of await n.getByRole('button').all()) expect(await b.isVisible()).toBe(true);
    }
    await editor.shot('01-notices');
    expect(fake.submitted).toHaveLength(0);

    await scarf.getByTestId('dropped-edit-retry').click();
    await waitForHistory(page, 1);
    await expect(page.getByTestId('history-item').first().textContent()).resolves.toContain('scarf');
    expect(fake.submitted.map((s) => [s.body.prompt, s.body.quality])).toEqual([[SCARF, 'high']]);
    await expect(notices.count()).resolves.toBe(1);
    await editor.shot('02-retried');

    await sky.getByTestId('dropped-edit-dismiss').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=dropped-edit]').length === 0,
      null,
      {
        timeout: 10_000,
      },
    );
    expect(fake.submitted).toHaveLength(1);
    // Gone for good: opened again, nothing is told.
    await page.reload();
    await page.locator('.recent-item', { hasText: 'chelsea.png' }).click();
    await waitForHistory(page, 1);
    await expect(page.getByTestId('dropped-edit').count()).resolves.toBe(0);
    await expect(fs.readdir(path.join(editor.libraryDir, id, 'dropped'))).resolves.toEqual([]);
  }, 120_000);

  it('in the batch panel, a photo sent again after such a cut is marked as maybe charged twice', async () => {
    // The project of the first test is open: paint, describe, and apply it to a photo of the same shape
    // that the service refuses once (nothing accepted, nothing charged).
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a small bell on a collar');
    await page.getByTestId('batch-open').click();
    await page.getByTestId('batch-add-photos').setInputFiles(path.join(fixturesDir(), 'chelsea.png'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=batch-item]').length === 1);
    fake.queueFaults({ name: '422', endpoint: 'submit', reason: 'busy, try later' });
    const before = fake.submitted.length;
    await page.getByTestId('batch-run').click();
    await page.getByRole('button', { name: 'Retry failed' }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('batch-item-resent').count()).resolves.toBe(0);

    // Its edit as a run killed while sending it leaves it: journaled in its project, never answered.
    const batches = await fs.readdir(path.join(editor.libraryDir, '.batches'));
    const journal = JSON.parse(
      await fs.readFile(batchFile(path.join(editor.libraryDir, '.batches', batches[0]!)), 'utf8'),
    );
    const row = journal.rows[0] as { project: string; jobId: string; layerId: string };
    const store = await ProjectStore.open(row.project);
    await store.addJob(
      {
        jobId: row.jobId,
        layerId: row.layerId,
        groupId: null,
        prompt: 'a small bell on a collar',
        params: EditParams.parse({}),
        sent: {
          apiSize: '1024x1024',
          plan: {
            crop: { x: 0, y: 0, width: 451, height: 300 },
            pad: { left: 0, top: 0, right: 0, bottom: 0 },
            apiSize: '1024x1024',
            scale: 1024 / 451,
          },
          references: 0,
          transport: 'upload',
          mode: 'async',
        },
        feather: 8,
        colorMatch: true,
        model: 'gpt-image-1.5-edit',
      },
      new Uint8Array(await ellipseMaskPng(451, 300, 220, 150, 90, 40)),
    );
    await store.close();

    await page.getByRole('button', { name: 'Retry failed' }).click();
    await page.getByTestId('batch-item-resent').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => /^Done/.test(document.querySelector('[data-testid=batch-item-status]')?.textContent ?? ''),
      null,
      { timeout: 60_000 },
    );
    await expect(page.getByTestId('batch-item-resent').textContent()).resolves.toBe(
      'Sent again; may be charged twice',
    );
    expect(fake.submitted.length - before).toBe(1);
    await editor.shot('03-batch-resent');
  }, 120_000);
});
