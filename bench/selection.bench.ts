/**
 * Selection-tool benchmark in headless Debian Chromium on a 24 MP (6000x4000) photo, on the canvas test page
 * (renderer/canvas/dev/bench.html): real mouse gestures (page.mouse) for the rectangle, ellipse, lasso and
 * polygon, real clicks for the magic wand and colour range, each timed inside the page from the release (or
 * click) to the mask written (select/timing.ts, read through the debug hook). The baseline, in the same run on
 * the same photo, is one brush stroke of 200 points with a 150 px brush painted and committed through the
 * engine: what the photographer already waits for after each stroke.
 *
 * The wand runs on a flat photo (photo=flat) so its flood fill covers all 24 MP (the worst case); its first
 * click also reads the photo's pixels once (reported apart), later clicks use the cached pixels.
 * Usage: npx tsx bench/selection.bench.ts [--quick]   (MASKROOM_SKIP_RENDERER_BUILD=1 to reuse dist/renderer)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startWebHost } from '../electron/hosts/web-host';
import { openBrowser } from '../tests/support/browser';
import { tempDir } from '../tests/support/temp';
import { buildRenderer, here, median, quick, root } from './support';

const RUNS = quick ? 3 : 7;
const FRAME_MS = 1000 / 60;

buildRenderer();

interface Row {
  case: string;
  runs: number[];
  medianMs: number;
  /** Median over the brush stroke's median (lower = cheaper than a brush stroke). */
  vsBrush: number;
  /**
   * The canvas's own work in the longest frame after the release (the overlay redrawn for the new mask):
   * what the photographer waits for on top of medianMs before seeing the selection. Median over the runs.
   */
  frameMs?: number;
}

interface Timed {
  ms: number[];
  frame: number[];
}

const lib = tempDir();
const host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir } });
const browser = await openBrowser({ width: 1280, height: 800 });
const page: Page = browser.page;
const rows: Row[] = [];
let brushMs = NaN;

async function open(photo: 'current' | 'flat'): Promise<void> {
  await page.goto(
    `http://127.0.0.1:${host.port}/canvas/dev/bench.html?mode=test&w=6000&h=4000&photo=${photo}`,
  );
  await page.waitForFunction(() => window.__canvasPage?.ready === true, null, { timeout: 120_000 });
  await page.waitForTimeout(800);
}

const client = (x: number, y: number) =>
  page.evaluate(([a, b]) => window.__maskroomCanvas!.photoToClient(a!, b!), [x, y]);
const settle = () =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

async function setTool(tool: string, extra: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    ([t, e]) => window.__canvasPage!.set({ tool: t as never, ...(e as object) }),
    [tool, extra],
  );
  await settle();
}

/**
 * Runs a gesture RUNS times (the mask cleared between), returning each selection's own milliseconds and the
 * canvas's work in the longest frame drawn from the gesture's start to two frames after the mask changed.
 */
async function timed(gesture: () => Promise<void>, wait = false): Promise<Timed> {
  const out: Timed = { ms: [], frame: [] };
  for (let i = 0; i < RUNS; i++) {
    await page.evaluate(() => {
      window.__maskroomCanvas!.clear();
      window.__maskroomCanvas!.flush();
      window.__maskroomCanvas!.takeSelectionTimings();
      window.__maskroomCanvas!.takeTimings();
    });
    await gesture();
    if (wait)
      await page.waitForFunction(() => !window.__maskroomCanvas!.stats()!.empty, null, { timeout: 30_000 });
    await settle();
    const t = await page.evaluate(() => window.__maskroomCanvas!.takeSelectionTimings());
    if (t.length !== 1) throw new Error(`expected one selection, got ${t.length}`);
    out.ms.push(t[0]!.ms);
    const f = await page.evaluate(() => window.__maskroomCanvas!.takeTimings().frame);
    out.frame.push(Math.max(0, ...f));
  }
  return out;
}

async function dragPhoto(a: [number, number], b: [number, number]): Promise<void> {
  const p = await client(...a);
  const q = await client(...b);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(q.x, q.y, { steps: 5 });
  await page.mouse.up();
}

function row(name: string, t: Timed): void {
  const m = median(t.ms);
  rows.push({ case: name, runs: t.ms, medianMs: m, vsBrush: m / brushMs, frameMs: median(t.frame) });
}

try {
  await page.goto(host.url); // the session cookie for the page's scripts
  await open('current');

  // The baseline: a brush stroke of 200 points across the photo, painted and committed in one go.
  const brushRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    brushRuns.push(
      await page.evaluate(() => {
        const api = window.__maskroomCanvas!;
        api.clear();
        const pts: [number, number][] = [];
        for (let k = 0; k < 200; k++) pts.push([500 + k * 25, 2000 + 900 * Math.sin(k / 15)]);
        const t0 = performance.now();
        api.injectStroke(pts, { mode: 'paint', size: 150, hardness: 0.7 });
        return performance.now() - t0;
      }),
    );
  }
  brushMs = median(brushRuns);
  rows.push({
    case: 'brush stroke, 200 points, 150 px (baseline)',
    runs: brushRuns,
    medianMs: brushMs,
    vsBrush: 1,
  });

  await setTool('rect');
  row('rectangle 3000x2000 (6 MP)', await timed(() => dragPhoto([1500, 1000], [4500, 3000])));
  row('rectangle 6000x4000 (the whole 24 MP)', await timed(() => dragPhoto([-50, -50], [6050, 4050])));
  await setTool('ellipse');
  row('ellipse 5000x3400', await timed(() => dragPhoto([500, 300], [5500, 3700])));

  await setTool('lasso');
  row(
    'lasso, 240 points, 5000x3400',
    await timed(async () => {
      const first = await client(3000 + 2500, 2000);
      await page.mouse.move(first.x, first.y);
      await page.mouse.down();
      for (let k = 1; k <= 240; k++) {
        const a = (k / 240) * 2 * Math.PI;
        const r = 1 + 0.15 * Math.sin(5 * a);
        const c = await client(3000 + 2500 * r * Math.cos(a), 2000 + 1700 * r * Math.sin(a));
        await page.mouse.move(c.x, c.y);
      }
      await page.mouse.up();
    }),
  );

  await open('flat');
  await setTool('wand', { wandTolerance: 32, wandContiguous: true });
  const centre = await client(3000, 2000);
  // The first click reads the photo's pixels (once per image).
  const first = await timed(async () => page.mouse.click(centre.x, centre.y), true);
  rows.push({
    case: 'wand, first click (reads the 24 MP photo once, then fills)',
    runs: first.ms.slice(0, 1),
    medianMs: first.ms[0]!,
    vsBrush: first.ms[0]! / brushMs,
    frameMs: first.frame[0]!,
  });
  const later = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs);
  row('wand, contiguous, fills all 24 MP', { ms: later(first.ms), frame: later(first.frame) });
  await setTool('wand', { wandTolerance: 32, wandContiguous: false });
  row(
    'colour range (wand, contiguous off), 24 MP',
    await timed(async () => page.mouse.click(centre.x, centre.y), true),
  );
} finally {
  await browser.close();
  await host.close();
  lib.cleanup();
}

const f = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
console.log(
  `\nselection on 6000x4000 (${RUNS} runs each): median ms from release to mask written, / brush stroke, and the` +
    ` canvas's work in the longest frame after it (the overlay redrawn)`,
);
for (const r of rows)
  console.log(
    `  ${r.case.padEnd(62)} ${f(r.medianMs).padStart(8)} ms   x${f(r.vsBrush).padEnd(6)}` +
      (r.frameMs === undefined ? '' : `   frame ${f(r.frameMs).padStart(6)} ms`),
  );
const check = (name: string, limit: number) => {
  const r = rows.find((x) => x.case.startsWith(name));
  return r
    ? `${name}: ${f(r.medianMs)} ms (limit ${f(limit)} ms) ${r.medianMs <= limit ? 'ok' : 'OVER'}`
    : '';
};
console.log('');
for (const name of ['rectangle 3000x2000', 'rectangle 6000x4000', 'ellipse', 'lasso'])
  console.log(`  ${check(name, FRAME_MS)}`);
console.log(`  ${check('wand, contiguous', 300)}`);
console.log(`  ${check('colour range', 300)}`);

mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results', 'selection.json'),
  JSON.stringify({ quick, photo: '6000x4000', runs: RUNS, rows, at: new Date().toISOString() }, null, 2),
);
console.log(`\nWrote ${path.relative(root, path.join(here, 'results', 'selection.json'))}`);
