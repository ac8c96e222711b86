/**
 * The mask-painting canvas in Debian Chromium, mounted on its test page (renderer/canvas/dev/bench.html,
 * served by the web host): real mouse strokes land on the right photo pixels of a 6000x4000 photo, undo/redo,
 * invert, eraser, the mask bytes are the photo's size, the overlay does not darken where strokes overlap,
 * zoom/pan keep the mask where it belongs, and compare shows the original. Screenshots go to test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../electron/hosts/web-host';
import { openBrowser, type BrowserSession } from '../support/browser';
import { tempDir } from '../support/temp';
import type { CanvasDebugApi } from '../../renderer/canvas/debug';
import type { CanvasPage } from '../../renderer/canvas/dev/main';

let host: WebHost;
let browser: BrowserSession;
const lib = tempDir();
const OUT = 'test-results';

declare global {
  interface Window {
    __canvasPage?: CanvasPage;
    __maskroomCanvas?: CanvasDebugApi;
  }
}

async function openPage(page: Page, query: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${host.port}/canvas/dev/bench.html?${query}`);
  await page.waitForFunction(() => window.__canvasPage?.ready === true, null, { timeout: 60_000 });
  // Let the screen-sized copy of the photo finish (it is made asynchronously).
  await page.waitForTimeout(500);
}

const stats = (page: Page) => page.evaluate(() => window.__maskroomCanvas!.stats()!);
/** The mask content only (not the history depth). */
const content = async (page: Page) => {
  const { nonZero, sum, bbox } = await stats(page);
  return { nonZero, sum, bbox };
};
const client = (page: Page, x: number, y: number) =>
  page.evaluate(([a, b]) => window.__maskroomCanvas!.photoToClient(a!, b!), [x, y]);
const settle = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** A mouse stroke through photo points. */
async function stroke(
  page: Page,
  pts: [number, number][],
  button: 'left' | 'middle' = 'left',
): Promise<void> {
  const first = await client(page, ...pts[0]!);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down({ button });
  for (const p of pts.slice(1)) {
    const c = await client(page, ...p);
    await page.mouse.move(c.x, c.y, { steps: 12 });
  }
  await page.mouse.up({ button });
  await settle(page);
}

async function pixels(page: Page, name: string): Promise<(x: number, y: number) => [number, number, number]> {
  const png = await page.screenshot({ path: `${OUT}/${name}.png` });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return (x, y) => {
    const i = (Math.round(y) * info.width + Math.round(x)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
}

/**
 * The screen's pixels once `ok` holds for them, bounded at 20 s: an image the canvas draws when it has
 * been decoded (the original) appears on a frame a fixed pause cannot name. At the bound it returns what
 * it saw for the caller's assertions to report.
 */
async function pixelsOnce(
  page: Page,
  name: string,
  ok: (px: (x: number, y: number) => [number, number, number]) => boolean,
): Promise<(x: number, y: number) => [number, number, number]> {
  const end = Date.now() + 20_000;
  for (;;) {
    await settle(page);
    const px = await pixels(page, name);
    if (ok(px) || Date.now() > end) return px;
    await page.waitForTimeout(100);
  }
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir } });
  browser = await openBrowser({ width: 1280, height: 800 });
  await browser.page.goto(host.url); // sets the session cookie for the page's scripts
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  lib.cleanup();
});

describe('mask canvas on a 6000x4000 photo', () => {
  it('paints with the mouse onto the photo pixels under the pointer, at the photo resolution', async () => {
    const { page } = browser;
    await openPage(page, 'mode=test&w=6000&h=4000');
    expect((await stats(page)).empty).toBe(true);
    await page.evaluate(() => window.__canvasPage!.set({ brushSize: 200, hardness: 100 }));
    await stroke(page, [
      [1000, 1000],
      [3000, 1000],
    ]);
    const s = await stats(page);
    expect(s.width).toBe(6000);
    expect(s.height).toBe(4000);
    // One screen pixel is ~5 photo pixels at this zoom: allow that much.
    expect(Math.abs(s.bbox!.x - 900)).toBeLessThanOrEqual(8);
    expect(Math.abs(s.bbox!.x + s.bbox!.width - 3100)).toBeLessThanOrEqual(8);
    expect(Math.abs(s.bbox!.y - 900)).toBeLessThanOrEqual(8);
    expect(Math.abs(s.bbox!.y + s.bbox!.height - 1100)).toBeLessThanOrEqual(8);
    expect(s.undoDepth).toBe(1);
    const bytes = await page.evaluate(() => {
      const b = window.__canvasPage!.handle()!.getMaskBytes()!;
      return {
        length: b.length,
        centre: b[1000 * 6000 + 2000],
        below: b[1500 * 6000 + 2000],
        isU8: b instanceof Uint8Array,
      };
    });
    expect(bytes).toEqual({ length: 24_000_000, centre: 255, below: 0, isU8: true });
    const events = await page.evaluate(() => window.__canvasPage!.maskEvents.slice(-1));
    expect(events).toEqual([{ empty: false, canUndo: true, canRedo: false, bounds: s.bbox }]);
    await page.screenshot({ path: `${OUT}/canvas-paint.png` });
  });

  it('undoes and redoes the stroke, and the eraser removes paint', async () => {
    const { page } = browser;
    const before = await stats(page);
    await page.evaluate(() => window.__canvasPage!.handle()!.undo());
    await settle(page);
    expect((await stats(page)).empty).toBe(true);
    expect(await page.evaluate(() => window.__canvasPage!.maskEvents.at(-1))).toEqual({
      empty: true,
      canUndo: false,
      canRedo: true,
      bounds: null,
    });
    await page.evaluate(() => window.__canvasPage!.handle()!.redo());
    await settle(page);
    expect(await stats(page)).toEqual(before);
    await page.evaluate(() => window.__canvasPage!.set({ tool: 'eraser', brushSize: 300 }));
    await stroke(page, [
      [2000, 600],
      [2000, 1400],
    ]);
    expect(await page.evaluate(() => window.__maskroomCanvas!.pixel(2000, 1000))).toBe(0);
    expect(await page.evaluate(() => window.__maskroomCanvas!.pixel(1200, 1000))).toBe(255);
    expect((await stats(page)).undoDepth).toBe(2);
    await page.screenshot({ path: `${OUT}/canvas-erased.png` });
  });

  it('inverts (undoably), grows and shrinks the mask', async () => {
    const { page } = browser;
    const before = await content(page);
    await page.evaluate(() => window.__canvasPage!.handle()!.invert());
    await settle(page);
    const inv = await stats(page);
    expect(
      await page.evaluate(() => [
        window.__maskroomCanvas!.pixel(10, 10),
        window.__maskroomCanvas!.pixel(1200, 1000),
        window.__maskroomCanvas!.pixel(5999, 3999),
      ]),
    ).toEqual([255, 0, 255]);
    expect(inv.nonZero).toBeGreaterThan(24_000_000 - before.nonZero - 1);
    await page.screenshot({ path: `${OUT}/canvas-inverted.png` });
    await page.evaluate(() => window.__canvasPage!.handle()!.undo());
    expect(await content(page)).toEqual(before);
    await page.evaluate(() => window.__canvasPage!.handle()!.grow(30));
    expect(await page.evaluate(() => window.__maskroomCanvas!.pixel(1200, 1100 + 25))).toBe(255);
    // The stroke's edge was at y = 1100: grown 30 then shrunk 60, it is at about 1070.
    await page.evaluate(() => window.__canvasPage!.handle()!.shrink(60));
    expect(await page.evaluate(() => window.__maskroomCanvas!.pixel(1200, 1085))).toBe(0);
    expect(await page.evaluate(() => window.__maskroomCanvas!.pixel(1200, 1055))).toBe(255);
    await page.evaluate(() => {
      const h = window.__canvasPage!.handle()!;
      h.undo();
      h.undo();
    });
    expect(await content(page)).toEqual(before);
  });

  it('zooms toward the pointer with the wheel, shows 100% and fits again; pans with space+drag and the middle button', async () => {
    const { page } = browser;
    const v0 = await page.evaluate(() => window.__maskroomCanvas!.view());
    const target = await client(page, 1200, 1000);
    await page.mouse.move(target.x, target.y);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -200);
    await settle(page);
    const v1 = await page.evaluate(() => window.__maskroomCanvas!.view());
    expect(v1.scale).toBeGreaterThan(v0.scale * 2);
    // The photo point under the pointer stayed under it.
    const again = await client(page, 1200, 1000);
    expect(Math.abs(again.x - target.x)).toBeLessThan(1.5);
    expect(Math.abs(again.y - target.y)).toBeLessThan(1.5);
    await page.screenshot({ path: `${OUT}/canvas-zoomed.png` });

    await page.evaluate(() => window.__canvasPage!.handle()!.actualSize());
    await settle(page);
    expect((await page.evaluate(() => window.__maskroomCanvas!.view())).scale).toBe(1);
    await page.screenshot({ path: `${OUT}/canvas-100.png` });

    const mask = await stats(page);
    const vA = await page.evaluate(() => window.__maskroomCanvas!.view());
    await page.keyboard.down('Space');
    await page.mouse.move(600, 400);
    await page.mouse.down();
    await page.mouse.move(700, 450, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Space');
    const vB = await page.evaluate(() => window.__maskroomCanvas!.view());
    expect(vB.x - vA.x).toBeCloseTo(100, 0);
    expect(vB.y - vA.y).toBeCloseTo(50, 0);
    await page.mouse.move(600, 400);
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(500, 400, { steps: 5 });
    await page.mouse.up({ button: 'middle' });
    const vC = await page.evaluate(() => window.__maskroomCanvas!.view());
    expect(vC.x - vB.x).toBeCloseTo(-100, 0);
    expect(await stats(page)).toEqual(mask); // panning painted nothing

    await page.evaluate(() => window.__canvasPage!.handle()!.fit());
    await settle(page);
    expect(await page.evaluate(() => window.__maskroomCanvas!.view())).toEqual(v0);
  });

  it('shows the original split against the current image, and alone while held', async () => {
    const { page } = browser;
    await page.evaluate(() => window.__canvasPage!.set({ withOriginal: true, split: 0.5 }));
    // The original is the grey variant of the synthetic photo: left of the split every pixel is neutral,
    // right of it (the current, colourful image) many are not.
    const sat = ([r, g, b]: [number, number, number]) => Math.max(r, g, b) - Math.min(r, g, b);
    const split = (px: (x: number, y: number) => [number, number, number]) => {
      let leftMax = 0;
      let rightColoured = 0;
      for (let y = 60; y < 740; y += 20) {
        for (let x = 80; x < 620; x += 20) {
          // Skip the mask overlay (red) on the left: it is drawn over both.
          if (y > 140 && y < 260) continue;
          leftMax = Math.max(leftMax, sat(px(x, y)));
        }
        for (let x = 680; x < 1200; x += 20) if (sat(px(x, y)) > 40) rightColoured++;
      }
      return { leftMax, rightColoured };
    };
    const px = await pixelsOnce(page, 'canvas-split', (p) => {
      const s = split(p);
      return s.leftMax < 12 && s.rightColoured > 50;
    });
    const { leftMax, rightColoured } = split(px);
    expect(leftMax).toBeLessThan(12);
    expect(rightColoured).toBeGreaterThan(50);
    await page.evaluate(() => window.__canvasPage!.set({ split: null, showOriginal: true }));
    const heldMaxOf = (held: (x: number, y: number) => [number, number, number]) => {
      let heldMax = 0;
      for (let y = 60; y < 740; y += 20)
        for (let x = 80; x < 1200; x += 20) heldMax = Math.max(heldMax, sat(held(x, y)));
      return heldMax;
    };
    const held = await pixelsOnce(page, 'canvas-hold-original', (p) => heldMaxOf(p) < 12);
    expect(heldMaxOf(held)).toBeLessThan(12); // the original everywhere, and no mask overlay
    await page.evaluate(() => window.__canvasPage!.set({ showOriginal: false, withOriginal: false }));
  });
});

describe('mask overlay', () => {
  it('has one colour where strokes overlap and where they do not, follows the colour setting, and hides', async () => {
    const { page } = browser;
    await openPage(page, 'mode=test&w=3000&h=2000&photo=flat');
    await page.evaluate(() =>
      window.__canvasPage!.set({
        brushSize: 200,
        hardness: 100,
        overlayColor: '#ff0000',
        overlayOpacity: 0.5,
      }),
    );
    await stroke(page, [
      [500, 1000],
      [2500, 1000],
    ]);
    await stroke(page, [
      [1500, 300],
      [1500, 1700],
    ]);
    // A third stroke straight over the first: still no darker.
    await stroke(page, [
      [600, 1000],
      [1400, 1000],
    ]);
    const at = async (get: (x: number, y: number) => [number, number, number], x: number, y: number) => {
      const c = await client(page, x, y);
      return get(c.x, c.y);
    };
    await page.mouse.move(4, 4); // keep the brush outline away from the samples
    await settle(page);
    const px = await pixels(page, 'canvas-overlay-overlap');
    const single = await at(px, 2000, 1000);
    const crossing = await at(px, 1500, 1000);
    const triple = await at(px, 1000, 1000);
    const bare = await at(px, 800, 400);
    // The grey photo (128, give or take the resampling of its screen copy).
    for (const v of bare) expect(Math.abs(v - bare[0])).toBe(0);
    expect(Math.abs(bare[0] - 128)).toBeLessThanOrEqual(3);
    // Red at 50% over it, once.
    expect(Math.abs(single[0] - Math.round(bare[0] + (255 - bare[0]) * 0.5))).toBeLessThanOrEqual(2);
    expect(Math.abs(single[1] - Math.round(bare[1] * 0.5))).toBeLessThanOrEqual(2);
    for (const c of [crossing, triple])
      for (let k = 0; k < 3; k++) expect(Math.abs(c[k]! - single[k]!)).toBeLessThanOrEqual(1);

    await page.evaluate(() => window.__canvasPage!.set({ overlayColor: '#0000ff' }));
    await settle(page);
    const blue = await at(await pixels(page, 'canvas-overlay-blue'), 2000, 1000);
    expect(blue[2]).toBeGreaterThan(180);
    expect(blue[0]).toBeLessThan(80);

    await page.evaluate(() => window.__canvasPage!.set({ overlayVisible: false }));
    await settle(page);
    expect(await at(await pixels(page, 'canvas-overlay-hidden'), 2000, 1000)).toEqual(bare);
    expect((await stats(page)).empty).toBe(false); // hiding the overlay keeps the mask
  });
});
