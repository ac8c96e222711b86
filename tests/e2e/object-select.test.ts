/**
 * Object select in Debian Chromium, on the canvas test page with a synthetic photo (renderer/canvas/dev/
 * object-scene.ts: a coloured blob on a striped, noisy gradient, its true shape known): a loose box dragged
 * with the mouse selects the object (IoU ≥ 0.9 against the true shape) through the worker, Esc while it
 * works writes nothing, undo removes the selection in one step, subtract mode takes it away again.
 * Screenshots go to test-results/object-select-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../electron/hosts/web-host';
import { openBrowser, type BrowserSession } from '../support/browser';
import { tempDir } from '../support/temp';
import type { CanvasDebugApi } from '../../renderer/canvas/debug';
import type { CanvasPage } from '../../renderer/canvas/dev/main';
import { iou, makeScene, type Scene } from '../../renderer/canvas/dev/object-scene';
import sharp from 'sharp';
import path from 'node:path';
import { startEditor, type EditorSession } from './support/editor';

declare global {
  interface Window {
    __canvasPage?: CanvasPage;
    __maskroomCanvas?: CanvasDebugApi;
  }
}

const OUT = 'test-results';
const W = 3000;
const H = 2000;
const SEED = 4242;
let host: WebHost;
let browser: BrowserSession;
let scene: Scene;
const lib = tempDir();

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  scene = makeScene(W, H, SEED);
  host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir } });
  browser = await openBrowser({ width: 1280, height: 800 });
  await browser.page.goto(host.url); // sets the session cookie for the page's scripts
  const page = browser.page;
  await page.goto(
    `http://127.0.0.1:${host.port}/canvas/dev/bench.html?mode=test&photo=object&seed=${SEED}&w=${W}&h=${H}`,
  );
  await page.waitForFunction(() => window.__canvasPage?.ready === true, null, { timeout: 60_000 });
  await page.evaluate(() => window.__canvasPage!.set({ tool: 'object', selectMode: 'add' }));
  await page.waitForTimeout(300);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  lib.cleanup();
});

const events = (page: Page) => page.evaluate(() => window.__canvasPage!.maskEvents.length);
const nonZero = (page: Page) => page.evaluate(() => window.__maskroomCanvas!.stats()!.nonZero);

/** Drags a box between two photo points with the mouse. */
async function dragBox(page: Page, a: [number, number], b: [number, number]): Promise<void> {
  const p = await page.evaluate(([x, y]) => window.__maskroomCanvas!.photoToClient(x!, y!), a);
  const q = await page.evaluate(([x, y]) => window.__maskroomCanvas!.photoToClient(x!, y!), b);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move((p.x + q.x) / 2, (p.y + q.y) / 2, { steps: 4 });
  await page.mouse.move(q.x, q.y, { steps: 4 });
  await page.mouse.up();
}

/** The loose box: the object's bounds grown by 12% of its size on each side. */
function looseBox(): [[number, number], [number, number]] {
  const { bbox } = scene;
  const mx = bbox.width * 0.12;
  const my = bbox.height * 0.12;
  return [
    [bbox.x - mx, bbox.y - my],
    [bbox.x + bbox.width + mx, bbox.y + bbox.height + my],
  ];
}

/** The full-resolution mask from the page (base64 keeps the transfer to one string). */
async function maskBytes(page: Page): Promise<Uint8Array> {
  const b64 = await page.evaluate(() => {
    const m = window.__maskroomCanvas!.maskBytes()!;
    let s = '';
    for (let i = 0; i < m.length; i += 0x8000) s += String.fromCharCode(...m.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

async function waitIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (document.querySelector('[data-testid="object-select-busy"]') as HTMLElement | null)?.style.display !==
      'block',
    null,
    { timeout: 30_000, polling: 50 },
  );
}

describe('object select', () => {
  it('Esc while it works cancels: nothing is written', async () => {
    const page = browser.page;
    expect(await nonZero(page)).toBe(0);
    const n0 = await events(page);
    const [a, b] = looseBox();
    await dragBox(page, a, b);
    // Esc in the same turn of the page's event loop that sees the work running, so the worker's answer
    // cannot land in between (a screenshot first, or even a round trip, could outlast the work on a
    // loaded machine). The key goes where a pressed key goes: the focused element, bubbling to window.
    const escWhileBusy = await page.evaluate(() => {
      const note = document.querySelector('[data-testid="object-select-busy"]') as HTMLElement | null;
      const busy = note?.style.display === 'block';
      if (busy)
        (document.activeElement ?? document.body).dispatchEvent(
          new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true, cancelable: true }),
        );
      return busy;
    });
    expect(escWhileBusy).toBe(true);
    await waitIdle(page);
    await page.screenshot({ path: `${OUT}/object-select-cancelled.png` });
    // Long enough for the cancelled work to have finished had it not been stopped.
    await page.waitForTimeout(3000);
    expect(await nonZero(page)).toBe(0);
    expect(await events(page)).toBe(n0);
  }, 60_000);

  it('a loose box selects the object (IoU ≥ 0.9) as one undo step; subtract removes it', async () => {
    const page = browser.page;
    const n0 = await events(page);
    const [a, b] = looseBox();
    await dragBox(page, a, b);
    await waitIdle(page);
    await page.waitForFunction((n) => window.__canvasPage!.maskEvents.length === n + 1, n0, {
      timeout: 30_000,
    });
    await page.evaluate(() => window.__maskroomCanvas!.flush());
    await page.screenshot({ path: `${OUT}/object-select-result.png` });
    const mask = await maskBytes(page);
    expect(mask.length).toBe(W * H);
    const score = iou(scene, mask, { x: 0, y: 0, width: W, height: H });
    console.log(`object select: IoU ${score.toFixed(3)} against the true shape`);
    expect(score).toBeGreaterThanOrEqual(0.9);

    // Undo removes the whole selection in one step.
    expect(await page.evaluate(() => window.__maskroomCanvas!.undo())).toBe(true);
    expect(await nonZero(page)).toBe(0);
    expect(await page.evaluate(() => window.__maskroomCanvas!.redo())).toBe(true);
    const again = await nonZero(page);
    expect(again).toBeGreaterThan(0);

    // Alt held at the start of the drag subtracts the object from the mask.
    await page.keyboard.down('Alt');
    await dragBox(page, a, b);
    await page.keyboard.up('Alt');
    await waitIdle(page);
    await page.waitForFunction((n) => window.__canvasPage!.maskEvents.length >= n + 4, n0, {
      timeout: 30_000,
    });
    expect(await nonZero(page)).toBeLessThan(again * 0.02);
  }, 90_000);
});

describe('object select in the editor', () => {
  let editor: EditorSession;
  const photoDir = tempDir();

  beforeAll(async () => {
    editor = await startEditor({
      latencyMs: 100,
      credits: 50,
      withApiKey: true,
      shotPrefix: 'object-select',
    });
  }, 60_000);

  afterAll(async () => {
    await editor?.close();
    photoDir.cleanup();
  });

  it('Shift+W chooses it (tool-object), a loose box selects the subject, undo removes it', async () => {
    const { page } = editor;
    const s = makeScene(1800, 1200, 77);
    const file = path.join(photoDir.dir, 'scene.png');
    await sharp(Buffer.from(s.data), { raw: { width: s.width, height: s.height, channels: 4 } })
      .png()
      .toFile(file);
    await page.getByTestId('open-image').setInputFiles(file);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 30_000 });
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Shift+W');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="tool-object"]')?.getAttribute('aria-pressed') === 'true',
      null,
      { timeout: 20_000 },
    );
    const { bbox } = s;
    const mx = bbox.width * 0.1;
    const my = bbox.height * 0.1;
    await dragBox(page, [bbox.x - mx, bbox.y - my], [bbox.x + bbox.width + mx, bbox.y + bbox.height + my]);
    await waitIdle(page);
    await page.waitForFunction(() => (window.__maskroomCanvas!.stats()?.nonZero ?? 0) > 0, null, {
      timeout: 30_000,
    });
    await editor.shot('app');
    const mask = await maskBytes(page);
    expect(iou(s, mask, { x: 0, y: 0, width: s.width, height: s.height })).toBeGreaterThanOrEqual(0.9);
    await page.getByTestId('undo').click();
    await page.waitForFunction(() => window.__maskroomCanvas!.stats()?.nonZero === 0, null, {
      timeout: 20_000,
    });
  }, 90_000);
});
