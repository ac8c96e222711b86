/**
 * Mask-painting benchmark in headless Debian Chromium (software rendering, no GPU), on a 24 MP (6000x4000)
 * and a 100 MP (12000x8400) photo, each after 300 and after 2000 earlier strokes of 200 points. Beside the
 * engine, in the same run, the naive react-konva baseline: one <Line> per stroke, the stroke in progress in
 * React state. Both get the same input: a continuous stroke driven from inside the page, two pointermove
 * events per animation frame (120 Hz input), so every frame has painting to do; a short warm-up stroke comes
 * first. The engine paints with a 150 px soft brush, the baseline with 30 px lines (less work for it).
 *
 * Two measures, each from its own stroke:
 *  - Frame interval: requestAnimationFrame timestamps while painting (untraced). The engine is held to the
 *    60 Hz display, so this shows whether painting keeps up (p95 ≤ 17 ms), not how much it costs.
 *  - Work per frame: a Chrome DevTools Protocol trace of a second stroke (categories devtools.timeline,
 *    disabled-by-default-devtools.timeline and .frame), cut into frames by a console.timeStamp the page
 *    writes at the start of each animation frame. A frame's work is the CPU time of the top-level tasks of
 *    the page's renderer main thread (script, style, layout, paint — the 2D canvases are drawn in software
 *    on this thread — and the commit), and, as a total, also of its other threads (compositor, raster, V8
 *    helpers) and of the GPU process, which composites the frame in software (frame-work.ts). Thread CPU
 *    time, not wall time, so other work on the shared machine does not inflate it. The ratio naive / engine
 *    of the medians is the measure of how much less work the engine does per frame, whatever the frame
 *    rate; the same page traced while idle is the control (what a frame costs with nothing to paint).
 * Usage: npx tsx bench/canvas.bench.ts [--quick]   (MASKROOM_SKIP_RENDERER_BUILD=1 to reuse dist/renderer;
 * MASKROOM_BENCH_RENDERER_DIR=<dir> serves a renderer built elsewhere, e.g. `npx vite build --outDir <dir>` of
 * another commit, to measure code before and after a change with the same bench)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { startWebHost } from '../electron/hosts/web-host';
import { openBrowser } from '../tests/support/browser';
import { tempDir } from '../tests/support/temp';
import type { StrokeRun } from '../renderer/canvas/dev/main';
import { frameWork, type FrameWork, type TraceEvent } from './frame-work';
import { buildRenderer, here, quick, root } from './support';

/** Photo sizes and earlier strokes: 24 MP and 100 MP, each after 300 and after 2000 strokes. */
const CASES = [
  { width: 6000, height: 4000, strokes: 300 },
  { width: 6000, height: 4000, strokes: 2000 },
  { width: 12000, height: 8400, strokes: 300 },
  { width: 12000, height: 8400, strokes: 2000 },
];
const photoName = (c: { width: number; height: number }) => `${c.width}x${c.height}`;
const POINTS = 200;
const FRAMES = quick ? 90 : 240;
const MAX_MS = quick ? 5_000 : 12_000;
/** Frames of the traced idle control. */
const IDLE_TRACE_FRAMES = quick ? 30 : 60;
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Medians (and the mean of the total) of per-frame work, ms of CPU. */
interface Work {
  frames: number;
  main: number;
  script: number;
  renderer: number;
  display: number;
  total: number;
  totalMean: number;
  mainP95: number;
}

function summarise(w: FrameWork): Work {
  return {
    frames: w.total.length,
    main: median(w.main),
    script: median(w.script),
    renderer: median(w.renderer),
    display: median(w.display),
    total: median(w.total),
    totalMean: mean(w.total),
    mainP95: quantile(w.main, 0.95),
  };
}

interface Row {
  impl: 'engine' | 'naive';
  photo: string;
  strokes: number;
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** The interval of the frame after release (the commit of the stroke). */
  releaseMs: number;
  fps: number;
  idleMedianMs: number;
  /** p95 frame interval of the same page while not painting (the machine's own noise). */
  idleP95Ms: number;
  setupMs: number;
  /** Work per frame while painting (the traced stroke) and while idle (the control). */
  work: Work;
  idleWork: Work;
  /** Engine only: median ms of its own frame drawing and of input handling per frame (performance.now()). */
  drawMs?: number;
  inputMs?: number;
}

/** Traces what `fn` makes the browser do (every process), returning the trace's events. */
async function traced(cdp: CDPSession, fn: () => Promise<unknown>): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const collect = (e: { value: object[] }) => events.push(...(e.value as TraceEvent[]));
  cdp.on('Tracing.dataCollected', collect);
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: TRACE_CATEGORIES },
  });
  try {
    await fn();
  } finally {
    await cdp.send('Tracing.end');
    await complete;
    cdp.off('Tracing.dataCollected', collect);
  }
  return events;
}

function workOf(events: TraceEvent[], mark: string): Work {
  const w = frameWork(events, mark);
  if (!w) throw new Error(`The trace holds no frames marked "${mark}": the work was not measured.`);
  return summarise(w);
}

const stroke = (page: Page, frames: number, maxMs: number, mark?: string): Promise<StrokeRun> =>
  page.evaluate((o) => window.__canvasPage!.runStroke(o), { frames, maxMs, stepPx: 6, mark });

const rendererDir = process.env.MASKROOM_BENCH_RENDERER_DIR || undefined;
if (!rendererDir) buildRenderer();

const lib = tempDir();
const host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir }, rendererDir });
const browser = await openBrowser({ width: 1280, height: 800 });
const rows: Row[] = [];
try {
  await browser.page.goto(host.url); // session cookie for the page's scripts
  await browser.page.goto('about:blank'); // the app must not draw frames beside the bench page
  const cdp = await browser.context.browser()!.newBrowserCDPSession();
  for (const c of CASES) {
    const { strokes } = c;
    for (const impl of ['engine', 'naive'] as const) {
      const page = await browser.context.newPage();
      await page.goto(
        `http://127.0.0.1:${host.port}/canvas/dev/bench.html?mode=${impl}&w=${c.width}&h=${c.height}`,
      );
      await page.waitForFunction(() => window.__canvasPage?.ready === true, null, { timeout: 120_000 });
      const setupMs = await page.evaluate(
        ([n, p]) => window.__canvasPage!.inject(n!, p!, 30),
        [strokes, POINTS],
      );
      await page.waitForTimeout(1500); // screen copy of the photo made, history packed
      // Control: the same page not painting, as many frames — frames lost to the machine, not to painting.
      const idle = await page.evaluate((n) => window.__canvasPage!.idle(n), FRAMES);
      // A short warm-up stroke first (JIT, first allocations): the figures are for steady painting.
      await stroke(page, 20, 3000);
      await page.waitForTimeout(500);
      if (impl === 'engine') await page.evaluate(() => window.__maskroomCanvas!.takeTimings());
      const run = await stroke(page, FRAMES, MAX_MS);
      let drawMs: number | undefined;
      let inputMs: number | undefined;
      if (impl === 'engine') {
        const t = await page.evaluate(() => window.__maskroomCanvas!.takeTimings());
        drawMs = median(t.frame);
        inputMs = median(t.input);
      }
      await page.waitForTimeout(500);
      // The work: the idle control, then a second stroke, in one trace.
      const events = await traced(cdp, async () => {
        await page.evaluate((n) => window.__canvasPage!.idle(n, 'bench-idle'), IDLE_TRACE_FRAMES);
        await stroke(page, FRAMES, MAX_MS, 'bench-frame');
      });
      const row: Row = {
        impl,
        photo: photoName(c),
        strokes,
        frames: run.frames,
        medianMs: median(run.intervals),
        p95Ms: quantile(run.intervals, 0.95),
        maxMs: Math.max(...run.intervals),
        releaseMs: run.intervals[run.intervals.length - 1]!,
        fps: 1000 / median(run.intervals),
        idleMedianMs: median(idle),
        idleP95Ms: quantile(idle, 0.95),
        setupMs,
        work: workOf(events, 'bench-frame'),
        idleWork: workOf(events, 'bench-idle'),
        drawMs,
        inputMs,
      };
      if (impl === 'engine') {
        const s = await page.evaluate(() => window.__maskroomCanvas!.stats()!);
        if (s.undoDepth < 3 || s.empty)
          throw new Error('The engine run painted nothing: the benchmark is not measuring painting.');
      }
      if (impl === 'naive') {
        const held = await page.evaluate(() => window.__canvasPage!.naiveCount());
        if (held !== strokes + 3)
          throw new Error(`The baseline holds ${held} strokes, expected ${strokes + 3}: it did not paint.`);
      }
      rows.push(row);
      console.log(
        `  ${impl} ${photoName(c)} after ${strokes} strokes: interval median ${row.medianMs.toFixed(1)} ms, p95 ${row.p95Ms.toFixed(1)} ms over ${row.frames} frames; work per frame main ${row.work.main.toFixed(2)} ms, total ${row.work.total.toFixed(2)} ms over ${row.work.frames} frames`,
      );
      await page.close();
    }
  }
} finally {
  await browser.close();
  await host.close();
  lib.cleanup();
}

const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
console.log(
  `\nCanvas: frame interval while painting on a 24 MP and a 100 MP photo (headless Chromium, software; idle frame ≈ ${f(median(rows.map((r) => r.idleMedianMs)))} ms)`,
);
console.log(
  'photo        strokes  impl     frames  median ms  p95 ms  max ms  release ms  fps(median)  idle p95  draw ms  input ms',
);
for (const r of rows) {
  console.log(
    `${r.photo.padEnd(12)} ${String(r.strokes).padEnd(8)} ${r.impl.padEnd(8)} ${String(r.frames).padStart(6)} ${f(r.medianMs).padStart(10)} ${f(r.p95Ms).padStart(7)} ${f(r.maxMs).padStart(7)} ${f(r.releaseMs).padStart(11)} ${f(r.fps).padStart(12)} ${f(r.idleP95Ms).padStart(9)} ${f(r.drawMs, 2).padStart(8)} ${f(r.inputMs, 2).padStart(9)}`,
  );
}
console.log(
  '\nWork per frame while painting, ms of thread CPU, medians over the frames (idle: the same page, nothing painted)',
);
console.log(
  'photo        strokes  impl     frames  main  (script)  renderer  display   total  total mean  main p95  idle main  idle total',
);
for (const r of rows) {
  const w = r.work;
  console.log(
    `${r.photo.padEnd(12)} ${String(r.strokes).padEnd(8)} ${r.impl.padEnd(8)} ${String(w.frames).padStart(6)} ${f(w.main, 2).padStart(5)} ${f(w.script, 2).padStart(9)} ${f(w.renderer, 2).padStart(9)} ${f(w.display, 2).padStart(8)} ${f(w.total, 2).padStart(7)} ${f(w.totalMean, 2).padStart(11)} ${f(w.mainP95, 2).padStart(9)} ${f(r.idleWork.main, 2).padStart(10)} ${f(r.idleWork.total, 2).padStart(11)}`,
  );
}
const ratios = CASES.map((c) => {
  const n = c.strokes;
  const at = (impl: Row['impl']) =>
    rows.find((r) => r.impl === impl && r.strokes === n && r.photo === photoName(c))!;
  const e = at('engine');
  const b = at('naive');
  return {
    photo: photoName(c),
    strokes: n,
    /** Frame interval, naive / engine (bounded by the engine being held to the display's rate). */
    medianRatio: b.medianMs / e.medianMs,
    p95Ratio: b.p95Ms / e.p95Ms,
    engineAt60fps: e.p95Ms < 1000 / 60 + 1.5,
    /** Work per frame, naive / engine: main thread, and every counted thread (the goal's measure). */
    mainWorkRatio: b.work.main / e.work.main,
    totalWorkRatio: b.work.total / e.work.total,
  };
});
console.log('\nratio naive / engine (higher = engine better)');
for (const r of ratios)
  console.log(
    `  ${r.photo}, ${r.strokes} strokes: work per frame main x${f(r.mainWorkRatio)}, total x${f(r.totalWorkRatio)}; interval median x${f(r.medianRatio)}, p95 x${f(r.p95Ratio)}; engine p95 within one 60 Hz frame: ${r.engineAt60fps ? 'yes' : 'NO'}`,
  );

mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results', 'canvas.json'),
  JSON.stringify(
    {
      quick,
      rendererDir: rendererDir ?? null,
      photos: CASES.map(photoName),
      pointsPerStroke: POINTS,
      workMeasure:
        'thread CPU ms per animation frame from a DevTools trace: renderer main thread; total = main + other renderer threads + GPU process',
      rows,
      ratios,
      at: new Date().toISOString(),
    },
    null,
    2,
  ),
);
console.log(`\nWrote ${path.relative(root, path.join(here, 'results', 'canvas.json'))}`);
