/**
 * The editor end to end, in Debian Chromium through the web host, against the fake Segmind server:
 * open a fixture photo, paint, undo/redo, invert, run an edit (progress, then a new history item), hide
 * the layer and see the canvas change back, compare, export; the error paths (fake 401 and 422) show
 * the message in plain words and keep the mask and prompt; a file that is not a photo keeps the work.
 * Screenshots of each state go to test-results/editor-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import type { FakeSegmind } from '../fake-segmind/server';
import { startEditor, waitForHistory, type EditorSession } from './support/editor';
import type { CanvasDebugStats } from '../../renderer/canvas/debug';

const PHOTO = '../shared/fixtures/photos/astronaut.png';

let editor: EditorSession;
let fake: FakeSegmind;
let page: Page;
const shot = (name: string) => editor.shot(name);

type MaskStats = CanvasDebugStats;

function maskStats(): Promise<MaskStats | null> {
  return page.evaluate(() => window.__maskroomCanvas?.stats() ?? null);
}

/** Drags the mouse across the middle of the photo with the brush. */
async function paintStroke(): Promise<void> {
  const box = await page.getByTestId('stage').boundingBox();
  if (!box) throw new Error('no stage');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx - 100, cy - 60);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(cx - 100 + i * 16, cy - 60 + i * 6);
  await page.mouse.up();
}

/** The photo area of the screen as raw RGB, to tell whether what the canvas shows changed. */
async function stagePixels(): Promise<Buffer> {
  await page.evaluate(() => window.__maskroomCanvas?.flush());
  await page.waitForTimeout(200);
  const box = await page.getByTestId('stage').boundingBox();
  if (!box) throw new Error('no stage');
  const png = await page.screenshot({
    clip: { x: box.x + 40, y: box.y + 40, width: box.width - 80, height: box.height - 80 },
  });
  return sharp(png).removeAlpha().raw().toBuffer();
}

function meanDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

/**
 * The stage's pixels once `ok` holds for them and they have stopped changing (two captures in a row
 * agree), bounded at 20 s: after a layer change the canvas redraws when the new image arrives, which a
 * fixed pause cannot promise on a loaded machine. At the bound it returns what it saw for the caller's
 * assertion to report.
 */
async function settledPixels(ok: (px: Buffer) => boolean): Promise<Buffer> {
  const end = Date.now() + 20_000;
  let prev: Buffer | null = null;
  for (;;) {
    const px = await stagePixels();
    if ((ok(px) && prev && meanDiff(prev, px) < 0.05) || Date.now() > end) return px;
    prev = px;
  }
}

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 2500, credits: 50, withApiKey: true, shotPrefix: 'editor' });
  ({ fake, page } = editor);
});

afterAll(() => editor?.close());

describe('editor', () => {
  it('opens a photo fitted in the window, with an empty history', async () => {
    await shot('00-empty');
    await page.getByTestId('open-image').setInputFiles(PHOTO);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    const stats = await maskStats();
    expect(stats).toMatchObject({ width: 512, height: 512, empty: true });
    await expect(page.getByTestId('history-item').count()).resolves.toBe(0);
    await expect(page.getByTestId('undo').isDisabled()).resolves.toBe(true);
    await shot('01-open');
  });

  it('keeps the open photo when a dropped file is not a photo or is broken', async () => {
    const before = await page.locator('.project-name').textContent();
    const drop = (name: string, type: string, text: string) =>
      page.evaluate(
        ({ name, type, text }) => {
          const dt = new DataTransfer();
          dt.items.add(new File([text], name, { type }));
          const target = document.querySelector('.app') as HTMLElement;
          target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        { name, type, text },
      );
    await drop('notes.txt', 'text/plain', 'hello');
    await expect(page.getByTestId('error').textContent()).resolves.toMatch(/notes\.txt.*not a photo/);
    await drop('broken.jpg', 'image/jpeg', 'this is not a jpeg at all');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=error]')?.getAttribute('data-code') === 'unsupported-image',
      null,
      { timeout: 10_000 },
    );
    await page.waitForSelector('.opening', { state: 'detached' });
    const msg = await page.getByTestId('error').textContent();
    expect(msg).not.toMatch(/notes\.txt/);
    await shot('02-bad-drop');
    expect(await page.locator('.project-name').textContent()).toBe(before);
    expect((await maskStats())?.width).toBe(512);
    await page.getByRole('button', { name: 'Dismiss' }).first().click();
    await expect(page.getByTestId('error').count()).resolves.toBe(0);
  });

  it('paints, undoes, redoes and inverts the mask', async () => {
    await paintStroke();
    const painted = await maskStats();
    expect(painted?.nonZero).toBeGreaterThan(1000);
    await expect(page.getByTestId('undo').isEnabled()).resolves.toBe(true);
    await shot('03-painted');

    await page.getByTestId('undo').click();
    expect((await maskStats())?.nonZero).toBe(0);
    await expect(page.getByTestId('redo').isEnabled()).resolves.toBe(true);
    await page.keyboard.press('Control+Shift+Z');
    expect((await maskStats())?.nonZero).toBe(painted?.nonZero);

    await page.getByTestId('invert-mask').click();
    const inverted = await maskStats();
    // Every value v becomes 255 - v.
    expect(inverted?.sum).toBe(255 * 512 * 512 - (painted?.sum ?? 0));
    await shot('04-inverted');
    await page.keyboard.press('Control+z');
    expect((await maskStats())?.nonZero).toBe(painted?.nonZero);

    // Brush keys change the tool bar.
    await page.keyboard.press('e');
    await expect(page.getByTestId('tool-eraser').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.keyboard.press('b');
    await expect(page.getByTestId('tool-brush').getAttribute('aria-pressed')).resolves.toBe('true');
    const size = Number(await page.getByTestId('brush-size').inputValue());
    await page.keyboard.press(']');
    expect(Number(await page.getByTestId('brush-size').inputValue())).toBeGreaterThan(size);
    await page.keyboard.press('[');
    expect(Number(await page.getByTestId('brush-size').inputValue())).toBe(size);
  });

  it('runs an edit: shows progress with elapsed seconds, then the new layer on the canvas', async () => {
    await page.keyboard.press('x'); // overlay off: compare what the photo looks like
    const original = await stagePixels();
    await page.keyboard.press('x');
    await page.getByTestId('prompt').fill('a red balloon');
    // The status answers are held while the running edit is looked at: it cannot finish under the
    // screenshot however slow the machine; released, it runs its course.
    const polls = fake.hold('status');
    try {
      await page.getByTestId('prompt').press('Control+Enter');
      await page.waitForFunction(
        () =>
          /(Uploading|Queued|Processing|Preparing)[\s\S]*\d+ s/.test(
            document.querySelector('[data-testid=job-status]')?.textContent ?? '',
          ),
        null,
        { timeout: 10_000 },
      );
      await shot('05-running');
      await expect(page.getByTestId('cancel-edit').isEnabled()).resolves.toBe(true);
    } finally {
      polls.release();
    }
    await waitForHistory(page, 1);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=job]')?.getAttribute('data-state') === 'done',
    );
    await page.waitForSelector('[data-testid=history-item] .thumb img');
    await page.keyboard.press('Escape'); // leave the prompt: the editor's keys work again
    await shot('06-done');
    const item = page.getByTestId('history-item');
    await expect(item.textContent()).resolves.toContain('a red balloon');
    // The mask and prompt stay for another try.
    expect((await maskStats())?.nonZero).toBeGreaterThan(1000);
    await expect(page.getByTestId('prompt').inputValue()).resolves.toBe('a red balloon');
    await expect(page.getByTestId('credits').textContent()).resolves.toMatch(/Credits:\s*\d+/);

    await page.keyboard.press('x');
    const edited = await settledPixels((px) => meanDiff(original, px) > 0.5);
    expect(meanDiff(original, edited)).toBeGreaterThan(0.5);

    // Hide the layer: the canvas shows the original again.
    await page.getByTestId('layer-visible').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=history-item]')?.getAttribute('data-visible') === 'false',
    );
    const hidden = await settledPixels((px) => meanDiff(original, px) < 0.2);
    expect(meanDiff(original, hidden)).toBeLessThan(0.2);
    await shot('07-hidden');
    await page.getByTestId('layer-visible').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=history-item]')?.getAttribute('data-visible') === 'true',
    );
    expect(meanDiff(edited, await settledPixels((px) => meanDiff(edited, px) < 0.2))).toBeLessThan(0.2);
    await page.keyboard.press('x');
  });

  it('compares before and after', async () => {
    await page.getByTestId('compare').click();
    await expect(page.getByTestId('compare-view').getAttribute('data-mode')).resolves.toBe('split');
    await page.getByTestId('compare-slider').fill('35');
    await shot('08-compare-split');
    await page.getByTestId('compare').click();
    await expect(page.getByTestId('compare-view').count()).resolves.toBe(0);
    await page.getByTestId('stage').hover();
    await page.keyboard.down('\\');
    await expect(page.getByTestId('compare-view').getAttribute('data-mode')).resolves.toBe('original');
    await shot('09-hold-original');
    await page.keyboard.up('\\');
    await expect(page.getByTestId('compare-view').count()).resolves.toBe(0);
  });

  it('exports the full-resolution image in the chosen format', async () => {
    await page.getByTestId('export').click();
    await page.getByTestId('export-png').check();
    await shot('10-export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-save').click(),
    ]);
    const file = `${editor.libraryDir}/exported.png`;
    await download.saveAs(file);
    const meta = await sharp(readFileSync(file)).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 512, height: 512 });
    await expect(page.getByTestId('export-dialog').count()).resolves.toBe(0);
  });

  it('a refused key (401) says what to do and keeps the mask and prompt', async () => {
    const mask = await maskStats();
    fake.setFault('401');
    await page.getByTestId('run-edit').click();
    await page.waitForSelector('[data-testid=error]', { timeout: 20_000 });
    await expect(page.getByTestId('error').getAttribute('data-code')).resolves.toBe('bad-api-key');
    await expect(page.getByTestId('error').textContent()).resolves.toMatch(/API key.*Settings/);
    await expect(page.getByRole('button', { name: 'Open Settings' }).count()).resolves.toBe(1);
    await shot('11-error-401');
    expect((await maskStats())?.nonZero).toBe(mask?.nonZero);
    await expect(page.getByTestId('prompt').inputValue()).resolves.toBe('a red balloon');
    await waitForHistory(page, 1);
    await page.getByRole('button', { name: 'Dismiss' }).first().click();
  });

  it('a blocked request (422) says so in plain words and keeps the mask and prompt', async () => {
    const mask = await maskStats();
    fake.setFault({
      name: '422',
      reason: 'Your request was rejected by the safety system (moderation_blocked)',
    });
    await page.getByTestId('run-edit').click();
    await page.waitForSelector('[data-testid=error]', { timeout: 20_000 });
    await expect(page.getByTestId('error').getAttribute('data-code')).resolves.toBe('blocked');
    await shot('12-error-422');
    expect((await maskStats())?.nonZero).toBe(mask?.nonZero);
    await expect(page.getByTestId('prompt').inputValue()).resolves.toBe('a red balloon');
    fake.setFault(null);
    // Simply retry: the same mask and prompt now succeed.
    await page.getByRole('button', { name: 'Dismiss' }).first().click();
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 2);
  });

  it('runs variations as one group, cycled with the arrow keys and kept', async () => {
    await page.getByTestId('variations-2').click();
    await page.getByTestId('run-edit').click();
    // One history-item per layer: the group's shown variation plus a compact item for the other.
    await waitForHistory(page, 4);
    const group = page.locator('[data-testid=history-item][data-variations="2"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=history-item][data-variations="2"]') !== null,
      null,
      { timeout: 30_000 },
    );
    await expect(group.getByTestId('variation-index').textContent()).resolves.toBe('1/2');
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-variations="2"] [data-testid=variation-index]')?.textContent === '2/2',
    );
    await shot('13-variations');
    await group.getByTestId('keep-variation').click();
    await expect(group.textContent()).resolves.toContain('Kept 2 of 2');
  });

  it('re-runs an earlier edit with the same mask in one click', async () => {
    const count = await page.getByTestId('history-item').count();
    const submitted = fake.submitted.length;
    await page.getByTestId('history-item').last().getByTestId('rerun-layer').click();
    await waitForHistory(page, count + 1);
    expect(fake.submitted.length).toBe(submitted + 1);
    expect(fake.submitted.at(-1)?.body.prompt).toBe('a red balloon');
  });

  it('deletes a layer after confirmation', async () => {
    const count = await page.getByTestId('history-item').count();
    const last = page.getByTestId('history-item').last();
    await last.getByTestId('delete-layer').click();
    await shot('14-confirm-delete');
    await last.getByTestId('confirm-delete').click();
    await waitForHistory(page, count - 1);
  });

  it('is legible at 2560x1440 too', async () => {
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.waitForTimeout(300);
    await shot('15-2560x1440');
    const side = await page.locator('.sidebar').boundingBox();
    expect(side?.width).toBeGreaterThan(380);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
