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
 * Options: --only WxH:strokes (one case, e.g. 12000x8400:300); --against DIR with --rounds N: the engine alone,
 * this renderer and the one built in DIR traced in alternation, N rounds each (A/B in the same minutes, the
 * fair comparison on a shared machine); --breakdown: where each engine trace's frames went, per thread and
 * per event (self time, frame-work.ts frameBreakdown); --categories a,b: more trace categories for it (cc, viz,
 * blink: they add tracing overhead to every figure); --trace-out PREFIX: the A/B traces as JSON files;
 * --page-params 'k=v&…': added to the test page's URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { startWebHost } from '../electron/hosts/web-host';
import { openBrowser } from '../tests/support/browser';
import { tempDir } from '../tests/support/temp';
import type { StrokeRun } from '../renderer/canvas/dev/main';
import { frameBreakdown, frameWork, type FrameWork, type TraceEvent } from './frame-work';
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
/** `--categories a,b`: more trace categories (for --breakdown; they add tracing overhead to every figure). */
const extraCategories = (() => {
  const i = process.argv.indexOf('--categories');
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',').filter(Boolean) : [];
})();
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
    traceConfig: { includedCategories: [...TRACE_CATEGORIES, ...extraCategories] },
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

/** The value after a flag (`--only 12000x8400:300`), or undefined. */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
/** `--only WxH:strokes`: that case alone. */
const only = option('--only');
const cases = only ? CASES.filter((c) => `${photoName(c)}:${c.strokes}` === only) : CASES;
if (!cases.length) throw new Error(`--only ${only} names no case (cases: WxH:strokes, e.g. 12000x8400:300).`);
/** `--against DIR`: the engine of another renderer build, traced alternately with this one (A/B). */
const againstDir = option('--against');
const rounds = Math.max(1, Number(option('--rounds') ?? (quick ? 3 : 5)));
/** `--breakdown`: where each engine trace's work went, per thread and per event. */
const breakdown = process.argv.includes('--breakdown');
/** `--page-params a=1&b=2`: added to the test page's URL (the page's own options). */
const pageParams = option('--page-params') ? `&${option('--page-params')}` : '';
/** `--trace-out PREFIX`: writes each A/B trace's events to PREFIX-<build>-<round>.json (to read in DevTools). */
const traceOut = option('--trace-out');

interface Measured {
  row: Row;
  events: TraceEvent[];
}

async function measure(
  context: BrowserContext,
  port: number,
  impl: Row['impl'],
  c: (typeof CASES)[number],
  cdp: CDPSession,
): Promise<Measured> {
  const { strokes } = c;
  const page = await context.newPage();
  try {
    await page.goto(
      `http://127.0.0.1:${port}/canvas/dev/bench.html?mode=${impl}&w=${c.width}&h=${c.height}${pageParams}`,
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
    return { row, events };
  } finally {
    await page.close();
  }
}

/** Prints where a trace's painting frames went (threads above 0.02 ms per frame, their largest events). */
function printBreakdown(label: string, events: TraceEvent[]): void {
  const b = frameBreakdown(events, 'bench-frame');
  if (!b) return;
  console.log(
    `    ${label}: mean ms of CPU per frame over ${b.frames} frames, by thread and event (self time)`,
  );
  for (const t of b.threads) {
    if (t.ms < 0.02) continue;
    const top = t.events
      .filter((e) => e.ms >= 0.01)
      .slice(0, 14)
      .map((e) => `${e.name} ${e.ms.toFixed(3)}`)
      .join(', ');
    console.log(`      ${t.kind} ${t.name}: ${t.ms.toFixed(3)} — ${top}`);
  }
}

const describeRow = (r: Row, label: string = r.impl) =>
  `  ${label} ${r.photo} after ${r.strokes} strokes: interval median ${r.medianMs.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms over ${r.frames} frames; work per frame main ${r.work.main.toFixed(2)} ms, total ${r.work.total.toFixed(2)} ms over ${r.work.frames} frames`;

const lib = tempDir();
const host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir }, rendererDir });
// The same token for both hosts: the session cookie is per host name (127.0.0.1), not per port.
const otherLib = againstDir ? tempDir() : null;
const other = otherLib
  ? await startWebHost({
      libraryDir: otherLib.dir,
      env: { MASKROOM_LIBRARY: otherLib.dir },
      rendererDir: againstDir,
      token: host.token,
    })
  : null;
const browser = await openBrowser({ width: 1280, height: 800 });
const rows: Row[] = [];
/** A/B: per case, this build's and the other build's engine rows, round by round. */
const ab: { photo: string; strokes: number; self: Row[]; against: Row[] }[] = [];
try {
  await browser.page.goto(host.url); // session cookie for the page's scripts
  if (other) await browser.page.goto(other.url);
  await browser.page.goto('about:blank'); // the app must not draw frames beside the bench page
  const cdp = await browser.context.browser()!.newBrowserCDPSession();
  for (const c of cases) {
    if (other) {
      const entry = { photo: photoName(c), strokes: c.strokes, self: [] as Row[], against: [] as Row[] };
      ab.push(entry);
      for (let i = 0; i < rounds; i++) {
        // Alternate which build goes first, so neither always follows the other.
        const order = i % 2 ? (['against', 'self'] as const) : (['self', 'against'] as const);
        for (const which of order) {
          const m = await measure(browser.context, (which === 'self' ? host : other).port, 'engine', c, cdp);
          entry[which].push(m.row);
          console.log(
            describeRow(m.row, `engine (${which === 'self' ? 'this build' : 'against'}) #${i + 1}`),
          );
          if (breakdown) printBreakdown(which === 'self' ? 'this build' : 'against', m.events);
          if (traceOut) writeFileSync(`${traceOut}-${which}-${i + 1}.json`, JSON.stringify(m.events));
        }
      }
      continue;
    }
    for (const impl of ['engine', 'naive'] as const) {
      const m = await measure(browser.context, host.port, impl, c, cdp);
      rows.push(m.row);
      console.log(describeRow(m.row));
      if (breakdown && impl === 'engine') printBreakdown('engine', m.events);
    }
  }
} finally {
  await browser.close();
  await host.close();
  await other?.close();
  lib.cleanup();
  otherLib?.cleanup();
}

if (other) {
  console.log(`\nA/B, engine only: this build against ${againstDir}, ${rounds} alternating rounds per case`);
  console.log('photo        strokes  build        main (runs)                         total (runs)');
  for (const e of ab) {
    for (const [label, rs] of [
      ['this build', e.self],
      ['against', e.against],
    ] as const) {
      const mains = rs.map((r) => r.work.main);
      const totals = rs.map((r) => r.work.total);
      console.log(
        `${e.photo.padEnd(12)} ${String(e.strokes).padEnd(8)} ${label.padEnd(12)} ${median(mains).toFixed(2)} (${mains.map((x) => x.toFixed(2)).join(' ')})   ${median(totals).toFixed(2)} (${totals.map((x) => x.toFixed(2)).join(' ')})`,
      );
    }
    const ratio = (k: 'main' | 'total') =>
      median(e.against.map((r) => r.work[k])) / median(e.self.map((r) => r.work[k]));
    console.log(
      `  against / this build: main x${ratio('main').toFixed(2)}, total x${ratio('total').toFixed(2)}`,
    );
  }
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(
    path.join(here, 'results', 'canvas-ab.json'),
    JSON.stringify(
      { quick, rendererDir: rendererDir ?? null, againstDir, rounds, ab, at: new Date().toISOString() },
      null,
      2,
    ),
  );
  console.log(`\nWrote ${path.relative(root, path.join(here, 'results', 'canvas-ab.json'))}`);
  process.exit(0);
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
const ratios = cases.map((c) => {
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
      photos: cases.map(photoName),
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
