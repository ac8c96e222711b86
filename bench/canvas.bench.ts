/**
 * Mask-painting benchmark in headless Debian Chromium (software rendering, no GPU), on a 24 MP (6000x4000)
 * and a 100 MP (12000x8400) photo, each after 300 and after 2000 earlier strokes of 200 points: a continuous
 * stroke, timed as the interval between animation frames (requestAnimationFrame timestamps) while painting —
 * which includes the rasterisation and compositing, not just the JavaScript. Beside it, in the same run, the
 * naive react-konva baseline: one <Line> per stroke, the stroke in progress in React state.
 *
 * The stroke is driven from inside the page: two pointermove events per animation frame (120 Hz input), so
 * every frame has painting to do; a short warm-up stroke comes first. The engine paints with a 150 px soft brush,
 * the baseline with 30 px lines (less work for the baseline).
 * Usage: npx tsx bench/canvas.bench.ts [--quick]   (MASKROOM_SKIP_RENDERER_BUILD=1 to reuse dist/renderer)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startWebHost } from '../electron/hosts/web-host';
import { openBrowser } from '../tests/support/browser';
import { tempDir } from '../tests/support/temp';
import type { StrokeRun } from '../renderer/canvas/dev/main';
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

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);

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
  /** Engine only: median ms of its own frame drawing and of input handling per frame. */
  drawMs?: number;
  inputMs?: number;
}

buildRenderer();

const lib = tempDir();
const host = await startWebHost({ libraryDir: lib.dir, env: { MASKROOM_LIBRARY: lib.dir } });
const browser = await openBrowser({ width: 1280, height: 800 });
const rows: Row[] = [];
try {
  await browser.page.goto(host.url); // session cookie for the page's scripts
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
      await page.evaluate(() => window.__canvasPage!.runStroke({ frames: 20, maxMs: 3000, stepPx: 6 }));
      await page.waitForTimeout(500);
      if (impl === 'engine') await page.evaluate(() => window.__maskroomCanvas!.takeTimings());
      const run: StrokeRun = await page.evaluate(
        ([frames, maxMs]) => window.__canvasPage!.runStroke({ frames: frames!, maxMs: maxMs!, stepPx: 6 }),
        [FRAMES, MAX_MS],
      );
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
      };
      if (impl === 'engine') {
        const t = await page.evaluate(() => window.__maskroomCanvas!.takeTimings());
        row.drawMs = median(t.frame);
        row.inputMs = median(t.input);
        const s = await page.evaluate(() => window.__maskroomCanvas!.stats()!);
        if (s.undoDepth < 2 || s.empty)
          throw new Error('The engine run painted nothing: the benchmark is not measuring painting.');
      }
      if (impl === 'naive') {
        const held = await page.evaluate(() => window.__canvasPage!.naiveCount());
        if (held !== strokes + 2)
          throw new Error(`The baseline holds ${held} strokes, expected ${strokes + 2}: it did not paint.`);
      }
      rows.push(row);
      console.log(
        `  ${impl} ${photoName(c)} after ${strokes} strokes: median ${row.medianMs.toFixed(1)} ms, p95 ${row.p95Ms.toFixed(1)} ms over ${row.frames} frames`,
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
const ratios = CASES.map((c) => {
  const n = c.strokes;
  const at = (impl: Row['impl']) =>
    rows.find((r) => r.impl === impl && r.strokes === n && r.photo === photoName(c))!;
  const e = at('engine');
  const b = at('naive');
  return {
    photo: photoName(c),
    strokes: n,
    medianRatio: b.medianMs / e.medianMs,
    p95Ratio: b.p95Ms / e.p95Ms,
    engineAt60fps: e.p95Ms < 1000 / 60 + 1.5,
  };
});
console.log('\nratio naive / engine (higher = engine faster)');
for (const r of ratios)
  console.log(
    `  ${r.photo}, ${r.strokes} strokes: median x${f(r.medianRatio)}, p95 x${f(r.p95Ratio)}; engine p95 within one 60 Hz frame: ${r.engineAt60fps ? 'yes' : 'NO'}`,
  );

mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results', 'canvas.json'),
  JSON.stringify(
    {
      quick,
      photos: CASES.map(photoName),
      pointsPerStroke: POINTS,
      rows,
      ratios,
      at: new Date().toISOString(),
    },
    null,
    2,
  ),
);
console.log(`\nWrote ${path.relative(root, path.join(here, 'results', 'canvas.json'))}`);
