/**
 * The low-resolution warning before a run, in Chromium through the web host: on a 6000x4000 photo a mask
 * across most of it would come back well below half the photo's resolution and the prompt panel says so;
 * a small mask would not, and the warning goes. Screenshots go to test-results/resolution-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startEditor, type EditorSession } from './support/editor';
import { tempDir } from '../support/temp';

let editor: EditorSession;
let page: Page;
const tmp = tempDir();

/** Drags the brush along a line between two photo points, with the real mouse. */
async function drag(from: [number, number], to: [number, number]): Promise<void> {
  const client = (x: number, y: number) =>
    page.evaluate(([x, y]) => window.__maskroomCanvas!.photoToClient(x, y), [x, y] as const);
  const a = await client(...from);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  for (let i = 1; i <= 16; i++) {
    const p = await client(from[0] + ((to[0] - from[0]) * i) / 16, from[1] + ((to[1] - from[1]) * i) / 16);
    await page.mouse.move(p.x, p.y);
  }
  await page.mouse.up();
}

/** The canvas's mask statistics (the photo is open). */
const stats = () => page.evaluate(() => window.__maskroomCanvas!.stats()!);

/** Waits (up to 10 s) until the canvas has committed `n` undoable steps. */
async function waitForUndoDepth(n: number): Promise<void> {
  await page.waitForFunction((n) => window.__maskroomCanvas?.stats()?.undoDepth === n, n, {
    timeout: 10_000,
  });
}

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 0, credits: 10, withApiKey: true, shotPrefix: 'resolution' });
  ({ page } = editor);
});

afterAll(async () => {
  await editor?.close();
  tmp.cleanup();
});

describe('low-resolution warning', () => {
  it('warns when the mask spans most of a large photo, and not for a small mask', async () => {
    const photo = path.join(tmp.dir, 'large.jpg');
    await sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 90, g: 120, b: 150 } } })
      .jpeg({ quality: 80 })
      .toFile(photo);
    await page.getByTestId('open-image').setInputFiles(photo);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 30_000 });
    expect((await stats()).width).toBe(6000);
    await expect(page.getByTestId('resolution-warning').count()).resolves.toBe(0);

    // Corner to corner across the photo: the mask's box is most of the photo.
    await drag([400, 400], [5600, 3600]);
    await waitForUndoDepth(1);
    expect((await stats()).bbox!.width).toBeGreaterThan(5000);
    const warning = page.getByTestId('resolution-warning');
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toMatch(
      /generated at \d+ % of the photo's resolution; paint a smaller mask, or make several edits/,
    );
    await editor.shot('large-mask');

    // A short stroke in the middle: its region comes back at full resolution.
    await page.getByTestId('clear-mask').click();
    await waitForUndoDepth(2);
    await drag([2800, 1900], [3200, 2100]);
    await waitForUndoDepth(3);
    const small = (await stats()).bbox!;
    expect(small.width).toBeLessThan(1500);
    expect(small.height).toBeLessThan(1000);
    await warning.waitFor({ state: 'detached', timeout: 10_000 });
    await editor.shot('small-mask');
  });
});
