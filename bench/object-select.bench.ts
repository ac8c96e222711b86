/**
 * Object select benchmark in headless Debian Chromium on a 24 MP (6000x4000) synthetic scene (a coloured
 * object on a striped, noisy gradient: renderer/canvas/dev/object-scene.ts): a loose box dragged around the
 * object with the mouse, timed from release to the mask written (the module's own record: reading the
 * photo's pixels, the worker's segmentation, the full-resolution edge and the write, one undo step). The
 * tool reads the 24 MP photo ahead when it is chosen; the first selection (cold) comes 4 s after that, the
 * next ones (warm) reuse everything but the worker, which is started afresh only after a cancel. Beside it, in the
 * same run on the same photo, the brush: a zigzag stroke of a 150 px brush filling the same box, injected
 * through the engine and drawn (flush), timed in the page.
 * Usage: npx tsx bench/object-select.bench.ts [--quick]   (MASKROOM_SKIP_RENDERER_BUILD=1 to reuse dist/renderer)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startWebHost } from '../electron/hosts/web-host';
import { openBrowser } from '../tests/support/browser';
import { tempDir } from '../tests/support/temp';
import { makeScene } from '../renderer/canvas/dev/object-scene';
import { buildRenderer, here, median, quick } from './support';

const RUNS = quick ? 3 : 7;
const W = 6000;
const H = 4000;
const SEED = 4242;

buildRenderer();

const { bbox } = makeScene(W, H, SEED);
const mx = bbox.width * 0.12;
const my = bbox.height * 0.12;
const box = { x: bbox.x - mx, y: bbox.y - my, width: bbox.width + 2 * mx, height: bbox.height + 2 * my };

async function dragBox(page: Page): Promise<void> {
  const p = await page.evaluate(([x, y]) => window.__maskroomCanvas!.photoToClient(x!, y!), [box.x, box.y]);
  const q = await page.evaluate(
    ([x, y]) => window.__maskroomCanvas!.photoToClient(x!, y!),
    [box.x + box.width, box.y + box.height],
  );
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(q.x, q.y, { steps: 6 });
  await page.mouse.up();
}

async function objectSelect(page: Page): Promise<number> {
  const n = await page.evaluate(() => window.__canvasPage!.maskEvents.length);
  await dragBox(page);
  await page.waitForFunction((k) => window.__canvasPage!.maskEvents.length > k, n, {
    timeout: 60_000,
    polling: 20,
  });
  const t = await page.evaluate(() => window.__maskroomCanvas!.takeSelectionTimings());
  const ms = t.find((x) => x.tool === 'object')?.ms;
  if (ms === undefined) throw new Error('object select recorded no timing');
  await page.evaluate(() => window.__maskroomCanvas!.undo());
  return ms;
}

/** A 150 px brush zigzag over the same box, through the engine, drawn: ms in the page. */
async function brushFill(page: Page): Promise<number> {
  return page.evaluate((b) => {
    const hook = window.__maskroomCanvas!;
    const pts: [number, number][] = [];
    for (let y = b.y, i = 0; y <= b.y + b.height; y += 120, i++) {
      const xs = i % 2 ? [b.x + b.width, b.x] : [b.x, b.x + b.width];
      for (let k = 0; k <= 20; k++) pts.push([xs[0]! + ((xs[1]! - xs[0]!) * k) / 20, y]);
    }
    const t0 = performance.now();
    hook.injectStroke(pts, { mode: 'paint', size: 150, hardness: 0.7 });
    hook.flush();
    const ms = performance.now() - t0;
    hook.undo();
    hook.flush();
    return ms;
  }, box);
}

const lib = tempDir();
const host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir } });
const browser = await openBrowser({ width: 1280, height: 800 });
try {
  const page = browser.page;
  await page.goto(host.url); // session cookie for the page's scripts
  await page.goto(
    `http://127.0.0.1:${host.port}/canvas/dev/bench.html?mode=test&photo=object&seed=${SEED}&w=${W}&h=${H}`,
  );
  await page.waitForFunction(() => window.__canvasPage?.ready === true, null, { timeout: 120_000 });
  await page.evaluate(() => window.__canvasPage!.set({ tool: 'object', selectMode: 'add' }));
  // The tool reads the photo's pixels ahead when chosen: give that read time, as a user's first drag would.
  await page.waitForTimeout(4000);
  await page.evaluate(() => window.__maskroomCanvas!.takeSelectionTimings());

  const cold = await objectSelect(page);
  const warm: number[] = [];
  const brush: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    warm.push(await objectSelect(page));
    brush.push(await brushFill(page));
  }
  const row = {
    photo: `${W}x${H}`,
    box: `${Math.round(box.width)}x${Math.round(box.height)}`,
    runs: RUNS,
    coldMs: Math.round(cold),
    warmMedianMs: Math.round(median(warm)),
    warmMaxMs: Math.round(Math.max(...warm)),
    brushMedianMs: Math.round(median(brush)),
    ratio: +(median(warm) / median(brush)).toFixed(1),
  };
  console.log(
    `object select ${row.photo}, box ${row.box}: cold ${row.coldMs} ms, warm median ${row.warmMedianMs} ms ` +
      `(max ${row.warmMaxMs}) over ${RUNS}; brush fill of the same box ${row.brushMedianMs} ms; ` +
      `ratio ×${row.ratio}`,
  );
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(
    path.join(here, 'results', 'object-select.json'),
    JSON.stringify({ quick, ...row, warm, brush, at: new Date().toISOString() }, null, 2) + '\n',
  );
} finally {
  await browser.close();
  await host.close();
  lib.cleanup();
}
