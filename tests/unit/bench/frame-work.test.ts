/**
 * The canvas benchmark's work-per-frame measure (bench/frame-work.ts) on generated traces: every frame gets
 * the CPU time of the tasks running in it, counted once however deeply tasks nest, from the page's renderer
 * and the GPU process only, and cut at frame boundaries in proportion to wall time. The expected figures are
 * integrated microsecond by microsecond, independently of the interval arithmetic under test.
 */
import { describe, expect, it } from 'vitest';
import { frameBreakdown, frameWork, type TraceEvent } from '../../../bench/frame-work';
import { pick, rng } from '../../support/prng';

const PAGE = 10; // the bench page's renderer
const OTHER = 11; // another renderer (another tab)
const GPU = 20;
const THREADS: { pid: number; tid: number; name: string; kind: 'main' | 'renderer' | 'display' | null }[] = [
  { pid: PAGE, tid: 1, name: 'CrRendererMain', kind: 'main' },
  { pid: PAGE, tid: 2, name: 'Compositor', kind: 'renderer' },
  { pid: PAGE, tid: 3, name: 'ThreadPoolForegroundWorker', kind: 'renderer' },
  { pid: PAGE, tid: 4, name: 'PerfettoTrace', kind: null },
  { pid: OTHER, tid: 1, name: 'CrRendererMain', kind: null },
  { pid: GPU, tid: 1, name: 'VizCompositorThread', kind: 'display' },
  { pid: GPU, tid: 2, name: 'CrGpuMain', kind: 'display' },
];

function metadata(): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const [pid, name] of [
    [PAGE, 'Renderer'],
    [OTHER, 'Renderer'],
    [GPU, 'GPU Process'],
  ] as const)
    out.push({ ph: 'M', name: 'process_name', pid, tid: 0, ts: 0, args: { name } });
  for (const t of THREADS)
    out.push({ ph: 'M', name: 'thread_name', pid: t.pid, tid: t.tid, ts: 0, args: { name: t.name } });
  return out;
}

const mark = (pid: number, ts: number, message = 'frame'): TraceEvent => ({
  ph: 'I',
  name: 'TimeStamp',
  cat: 'devtools.timeline',
  pid,
  tid: 1,
  ts,
  args: { data: { message } },
});

interface Case {
  events: TraceEvent[];
  marks: number[];
  /** Top-level tasks, by thread kind (what should be counted). */
  counted: { kind: 'main' | 'renderer' | 'display'; ts: number; dur: number; cpu: number }[];
  /** Outermost script spans on the page's main thread. */
  script: { ts: number; dur: number; cpu: number }[];
}

/** A random trace: marks, tasks on every thread (some nested, some crossing marks), script inside tasks. */
function generate(seed: number): Case {
  const r = rng(seed);
  const events = metadata();
  const marks: number[] = [];
  let t = 1000 + Math.floor(r() * 500);
  const nMarks = 2 + Math.floor(r() * 12);
  for (let i = 0; i < nMarks; i++) {
    marks.push(t);
    t += 1 + Math.floor(r() * 3000);
  }
  for (const m of marks) events.push(mark(PAGE, m));
  // Marks with another message, and the same message in another renderer, are not frame boundaries.
  events.push(mark(PAGE, marks[0]! + 7, 'idle'));
  const span = t + 1000;
  const counted: Case['counted'] = [];
  const script: Case['script'] = [];
  for (const th of THREADS) {
    let x = Math.floor(r() * 800);
    const taskName = th.name === 'ThreadPoolForegroundWorker' ? 'ThreadPool_RunTask' : 'RunTask';
    while (x < span) {
      const dur = 1 + Math.floor(r() * 2500);
      const withTdur = r() < 0.9;
      const cpu = withTdur ? Math.floor(r() * dur) : dur;
      const task: TraceEvent = {
        ph: 'X',
        name: taskName,
        cat: 'disabled-by-default-devtools.timeline',
        pid: th.pid,
        tid: th.tid,
        ts: x,
        dur,
        ...(withTdur ? { tdur: cpu } : {}),
      };
      events.push(task);
      if (th.kind) counted.push({ kind: th.kind, ts: x, dur, cpu });
      // Nested events inside the task: another RunTask (a nested run loop) and script, never counted twice.
      if (dur > 20 && r() < 0.5) {
        const a = x + 1 + Math.floor(r() * (dur / 2));
        const d = 1 + Math.floor(r() * (x + dur - a - 1));
        events.push({ ...task, ts: a, dur: d, tdur: Math.floor(d / 2) });
      }
      if (th.kind === 'main' && dur > 20 && r() < 0.7) {
        const a = x + Math.floor(r() * (dur / 2));
        const d = 1 + Math.floor(r() * (x + dur - a - 1));
        const sc = Math.floor(r() * d);
        const name = pick(r, ['FireAnimationFrame', 'EventDispatch', 'FunctionCall', 'TimerFire']);
        events.push({ ph: 'X', name, pid: th.pid, tid: th.tid, ts: a, dur: d, tdur: sc });
        script.push({ ts: a, dur: d, cpu: sc });
        if (d > 4)
          events.push({
            ph: 'X',
            name: 'FunctionCall',
            pid: th.pid,
            tid: th.tid,
            ts: a + 1,
            dur: d - 2,
            tdur: 1,
          });
      }
      // Work that is not a task (an instant, a metadata-like event) is ignored.
      if (r() < 0.2)
        events.push({ ph: 'X', name: 'Paint', pid: th.pid, tid: th.tid, ts: x, dur: Math.max(1, dur >> 1) });
      x += dur + Math.floor(r() * 600);
    }
  }
  // The trace's order is not the time order.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return { events, marks, counted, script };
}

/** Per frame, Σ cpu/dur over every microsecond of each span inside the frame. */
function integrate(spans: { ts: number; dur: number; cpu: number }[], marks: number[]): number[] {
  return marks.slice(0, -1).map((m, i) => {
    let sum = 0;
    for (const s of spans)
      for (let u = Math.max(m, s.ts); u < Math.min(marks[i + 1]!, s.ts + s.dur); u++) sum += s.cpu / s.dur;
    return sum / 1000;
  });
}

describe('frameWork', () => {
  it('gives each frame the CPU time of the counted tasks inside it, per thread kind', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = generate(seed);
      const w = frameWork(c.events, 'frame')!;
      expect(w, `seed ${seed}`).not.toBeNull();
      expect(w.total.length).toBe(c.marks.length - 1);
      for (const kind of ['main', 'renderer', 'display'] as const) {
        const want = integrate(
          c.counted.filter((s) => s.kind === kind),
          c.marks,
        );
        w[kind].forEach((v, i) => expect(v, `seed ${seed} ${kind} frame ${i}`).toBeCloseTo(want[i]!, 6));
      }
      const script = integrate(c.script, c.marks);
      w.script.forEach((v, i) => expect(v, `seed ${seed} script frame ${i}`).toBeCloseTo(script[i]!, 6));
      w.total.forEach((v, i) => expect(v).toBeCloseTo(w.main[i]! + w.renderer[i]! + w.display[i]!, 9));
    }
  });

  it('is null without two frame marks', () => {
    const c = generate(7);
    expect(frameWork(c.events, 'no such mark')).toBeNull();
    const one = c.events.filter((e) => e.name !== 'TimeStamp' || e.ts === c.marks[0]);
    expect(frameWork(one, 'frame')).toBeNull();
  });
});

describe('frameBreakdown', () => {
  it("gives each counted thread its tasks' mean CPU per frame, as frameWork counts them", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const c = generate(seed);
      const w = frameWork(c.events, 'frame')!;
      const b = frameBreakdown(c.events, 'frame')!;
      expect(b.frames).toBe(c.marks.length - 1);
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      for (const kind of ['main', 'renderer', 'display'] as const) {
        const sum = b.threads.filter((t) => t.kind === kind).reduce((a, t) => a + t.ms, 0);
        expect(sum, `seed ${seed} ${kind}`).toBeCloseTo(mean(w[kind]), 6);
      }
    }
  });

  it("gives each event name its self time: its CPU less its children's, cut at the first and last mark", () => {
    const x = (name: string, ts: number, dur: number, tdur: number, tid = 1): TraceEvent => ({
      ph: 'X',
      name,
      pid: PAGE,
      tid,
      ts,
      dur,
      tdur,
    });
    const events = [
      ...metadata(),
      mark(PAGE, 1000),
      mark(PAGE, 2000),
      mark(PAGE, 3000),
      // A task with script inside, itself holding a style pass; CPU 600 = 100 own + 300 script + 200 style.
      x('RunTask', 1100, 800, 600),
      x('FunctionCall', 1200, 500, 500),
      x('UpdateLayoutTree', 1300, 200, 200),
      // Half of this task lies after the last mark: half its CPU counts.
      x('RunTask', 2800, 400, 400),
      // Before the first mark: not counted.
      x('RunTask', 100, 300, 300),
      x('RunTask', 1500, 1000, 100, 2),
    ];
    const b = frameBreakdown(events, 'frame')!;
    expect(b.frames).toBe(2);
    const main = b.threads.find((t) => t.kind === 'main')!;
    expect(main.ms).toBeCloseTo((600 + 200) / 1000 / 2, 9);
    const self = Object.fromEntries(main.events.map((e) => [e.name, e.ms]));
    expect(self['RunTask']).toBeCloseTo((100 + 200) / 1000 / 2, 9);
    expect(self['FunctionCall']).toBeCloseTo(300 / 1000 / 2, 9);
    expect(self['UpdateLayoutTree']).toBeCloseTo(200 / 1000 / 2, 9);
    expect(b.threads.find((t) => t.name === 'Compositor')!.ms).toBeCloseTo(100 / 1000 / 2, 9);
    expect(frameBreakdown(events, 'no such mark')).toBeNull();
  });
});
