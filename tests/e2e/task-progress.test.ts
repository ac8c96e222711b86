/**
 * Long work shows progress in the app (Chromium through the web host): opening a deep 24 MP project shows
 * a bar in the status bar while its layers are applied, and exporting it as PNG shows one in the Export
 * dialog (encode, write); each bar goes once the work is done. The page records every label the bars
 * showed (a MutationObserver), so the checks do not depend on catching a bar at one instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { ProjectStore } from '../../electron/core/project';
import { encodeMaskPng, encodePatch, makeThumbnail, type Patch } from '../../electron/core/imaging';
import { fixturesDir } from '../support/fixtures';
import { syntheticLayer } from '../support/layers';
import { startEditor, type EditorSession } from './support/editor';

const W = 6000;
const H = 4000;
const LAYERS = 24;

let editor: EditorSession;
let page: Page;

/** A project of a 24 MP photo and LAYERS edits (flat-tinted feathered ellipses), written into the library. */
async function deepProject(libraryDir: string): Promise<string> {
  const photo = new Uint8Array(
    await sharp(path.join(fixturesDir(), 'coffee.png'))
      .resize(W, H, { fit: 'fill' })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  const id = 'pdeep';
  const store = await ProjectStore.create(path.join(libraryDir, id), {
    photo,
    name: 'deep.jpg',
    width: W,
    height: H,
    format: 'jpeg',
    id,
  });
  const size = 900;
  for (let i = 0; i < LAYERS; i++) {
    const rect = { x: (i * 613) % (W - size), y: (i * 379) % (H - size), width: size, height: size };
    const rgba = new Uint8Array(size * size * 4);
    const alpha = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x / size - 0.5, y / size - 0.5) * 2;
        const a = d >= 1 ? 0 : d <= 0.8 ? 255 : Math.round((255 * (1 - d)) / 0.2);
        const k = y * size + x;
        rgba.set([(i * 53) % 256, (i * 97) % 256, (i * 31) % 256, a], k * 4);
        alpha[k] = a;
      }
    }
    const patch: Patch = { rect, depth: 8, rgba };
    const [p, m, t] = await Promise.all([
      encodePatch(patch),
      encodeMaskPng({ width: size, height: size, data: alpha }),
      makeThumbnail(patch, { format: 'webp' }),
    ]);
    await store.appendLayer(syntheticLayer(rect, { prompt: `edit ${i + 1}`, requestId: `e2e-${i}` }), {
      patch: p,
      mask: m,
      thumb: t,
      thumbExt: 'webp',
    });
  }
  await store.close();
  return id;
}

/** Records, in the page, every label a bar with this test id showed, and whether one is shown now. */
async function watchBar(testid: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as { __bars?: Record<string, string[]> };
    w.__bars ??= {};
    const seen: string[] = (w.__bars[id] = []);
    const look = () => {
      const el = document.querySelector(`[data-testid="${id}"] .task-label`);
      // Only what is on screen: a label rendered hidden was never shown.
      const text = el && el.checkVisibility() ? el.textContent : null;
      if (text !== null && seen.at(-1) !== text) seen.push(text);
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    look();
  }, testid);
}

const barLabels = (testid: string) =>
  page.evaluate((id) => (window as unknown as { __bars: Record<string, string[]> }).__bars[id] ?? [], testid);

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 0, credits: 10, withApiKey: true, shotPrefix: 'task-progress' });
  page = editor.page;
  await deepProject(editor.libraryDir);
  // The recent list is read when the page starts.
  await page.reload();
  await page.waitForSelector('[data-testid=recent-list] .recent-item', { timeout: 20_000 });
}, 120_000);

afterAll(() => editor?.close());

describe('task progress in the app', () => {
  it('opening a deep project shows applying its layers in the status bar, then the bar goes', async () => {
    await watchBar('task-progress');
    await page.locator('[data-testid=recent-list] .recent-item').first().click();
    const bar = page.getByTestId('task-progress');
    // Shown at some point, as the recorder saw it: a fast machine may open the project before a wait for
    // the bar's visibility would look.
    await page.waitForFunction(
      () => (window as unknown as { __bars: Record<string, string[]> }).__bars['task-progress']!.length > 0,
      null,
      { timeout: 30_000 },
    );
    await editor.shot('01-opening');
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 60_000 });
    await bar.waitFor({ state: 'detached', timeout: 60_000 });
    const labels = await barLabels('task-progress');
    expect(labels[0]).toMatch(/^Opening: Applying the layers: \d+ of 24$/);
    expect(labels.some((l) => /^Opening: Applying the layers: (8|16) of 24$/.test(l))).toBe(true);
    await expect(page.getByTestId('history-item').count()).resolves.toBe(LAYERS);
    await editor.shot('02-opened');
  }, 120_000);

  it('exporting it shows the export steps in the Export dialog, then the dialog and the bar go', async () => {
    await page.getByTestId('export').click();
    await page.getByTestId('export-png').check();
    await watchBar('export-progress');
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByTestId('export-save').click();
    const bar = page.getByTestId('export-progress');
    // Seen by the recorder, which sees every label the dialog shows, however briefly.
    await page.waitForFunction(
      () =>
        (window as unknown as { __bars: Record<string, string[]> }).__bars['export-progress']!.some((l) =>
          /^Exporting: Encoding/.test(l),
        ),
      null,
      { timeout: 60_000 },
    );
    await editor.shot('03-exporting');
    const file = `${editor.libraryDir}/exported.png`;
    await (await download).saveAs(file);
    await bar.waitFor({ state: 'detached', timeout: 60_000 });
    await expect(page.getByTestId('export-dialog').count()).resolves.toBe(0);
    const labels = await barLabels('export-progress');
    expect(labels).toContain('Exporting: Encoding the PNG');
    // The steps in their order (the reading step may be too quick to be drawn; the image was flattened when
    // it was opened, so no layer is applied again).
    const order = ['Exporting: Reading', 'Exporting: Encoding', 'Exporting: Writing'];
    const at = labels.map((l) => order.findIndex((o) => l.startsWith(o))).filter((i) => i >= 0);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(await sharp(readFileSync(file)).metadata()).toMatchObject({ format: 'png', width: W, height: H });
    await expect(page.getByTestId('task-progress').count()).resolves.toBe(0);
  }, 180_000);
});
