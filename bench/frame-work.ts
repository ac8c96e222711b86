/**
 * Work per frame from a Chromium trace (Chrome DevTools Protocol `Tracing`, JSON events): the CPU time the
 * threads spent in their top-level tasks, cut into frames by marks the page writes with
 * `console.timeStamp(mark)` at the start of each animation frame.
 *
 * Counted: every top-level task (`RunTask`, and `ThreadPool_RunTask` on pool threads) of the page's renderer
 * process — its main thread (script, style, layout, paint, the software canvas drawing, commit) apart from
 * the rest (compositor thread, raster and V8 helper threads) — and of the GPU process, which in software
 * mode composites the frame (the display compositor). Tracing's own threads are left out. A task's cost is
 * its thread CPU time (`tdur`, wall `dur` when absent), so time the thread spent descheduled on a loaded
 * machine is not counted; a task crossing a frame boundary is shared between the frames in proportion to
 * its wall time on each side.
 */

export interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { message?: string } };
}

/** Milliseconds of CPU per frame, one entry per frame between consecutive marks. */
export interface FrameWork {
  /** The renderer's main thread. */
  main: number[];
  /** Of it, outermost script (animation-frame callbacks, event dispatch, timers, other function calls). */
  script: number[];
  /** The renderer's other threads (compositor, raster, V8 helpers). */
  renderer: number[];
  /** The GPU process (display compositor, software output). */
  display: number[];
  /** main + renderer + display. */
  total: number[];
}

const TASKS = new Set(['RunTask', 'ThreadPool_RunTask']);
const SCRIPT = new Set(['FireAnimationFrame', 'EventDispatch', 'FunctionCall', 'TimerFire', 'V8.Execute']);
const UNCOUNTED_THREADS = new Set(['PerfettoTrace', 'tracing.CrUtilityMain']);

/** Start times (µs) of the marks named `mark`, in order, and the process that wrote them. */
export function marksOf(events: readonly TraceEvent[], mark: string): { pid: number; ts: number[] } | null {
  const hits = events.filter((e) => e.name === 'TimeStamp' && e.args?.data?.message === mark);
  if (!hits.length) return null;
  const pid = hits[0]!.pid;
  return {
    pid,
    ts: hits
      .filter((e) => e.pid === pid)
      .map((e) => e.ts)
      .sort((a, b) => a - b),
  };
}

/** Complete events of the given names on one thread, keeping only those not inside another one. */
function outermost(events: TraceEvent[]): TraceEvent[] {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const out: TraceEvent[] = [];
  let end = -Infinity;
  for (const e of sorted) {
    if (e.ts < end) continue;
    out.push(e);
    end = e.ts + (e.dur ?? 0);
  }
  return out;
}

/** Adds each event's CPU time to the frames [ts[i], ts[i+1]) it overlaps. */
function spread(events: readonly TraceEvent[], ts: readonly number[], into: number[]): void {
  const first = ts[0]!;
  const last = ts[ts.length - 1]!;
  for (const e of events) {
    const dur = e.dur ?? 0;
    if (dur <= 0) continue;
    const a = e.ts;
    const b = e.ts + dur;
    if (b <= first || a >= last) continue;
    const cpu = (e.tdur ?? dur) / 1000;
    // The first frame ending after a; frames are few hundred at most, a linear walk is enough.
    let i = 0;
    while (i < into.length && ts[i + 1]! <= a) i++;
    for (; i < into.length && ts[i]! < b; i++) {
      const overlap = Math.min(b, ts[i + 1]!) - Math.max(a, ts[i]!);
      if (overlap > 0) into[i]! += (cpu * overlap) / dur;
    }
  }
}

/** The trace's thread names (by `pid:tid`) and the pids of its GPU processes, from its metadata events. */
function namesOf(events: readonly TraceEvent[]): { threadName: Map<string, string>; gpu: Set<number> } {
  const threadName = new Map<string, string>();
  const processName = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
    if (e.name === 'process_name') processName.set(e.pid, e.args?.name ?? '');
  }
  const gpu = new Set([...processName].filter(([, n]) => n === 'GPU Process').map(([p]) => p));
  return { threadName, gpu };
}

/**
 * The work of each frame between consecutive `mark`s (so marks − 1 frames), or null when the trace holds
 * fewer than two marks.
 */
export function frameWork(events: readonly TraceEvent[], mark: string): FrameWork | null {
  const marks = marksOf(events, mark);
  if (!marks || marks.ts.length < 2) return null;
  const { threadName, gpu } = namesOf(events);
  const byThread = new Map<
    string,
    { kind: 'main' | 'renderer' | 'display'; tasks: TraceEvent[]; script: TraceEvent[] }
  >();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const isTask = TASKS.has(e.name);
    const isScript = SCRIPT.has(e.name);
    if (!isTask && !isScript) continue;
    if (e.pid !== marks.pid && !gpu.has(e.pid)) continue;
    const key = `${e.pid}:${e.tid}`;
    const name = threadName.get(key) ?? '';
    if (UNCOUNTED_THREADS.has(name)) continue;
    let t = byThread.get(key);
    if (!t) {
      const kind = gpu.has(e.pid) ? 'display' : name === 'CrRendererMain' ? 'main' : 'renderer';
      t = { kind, tasks: [], script: [] };
      byThread.set(key, t);
    }
    if (isTask) t.tasks.push(e);
    else if (t.kind === 'main') t.script.push(e);
  }
  const n = marks.ts.length - 1;
  const zero = () => new Array<number>(n).fill(0);
  const w: FrameWork = { main: zero(), script: zero(), renderer: zero(), display: zero(), total: zero() };
  for (const t of byThread.values()) {
    spread(outermost(t.tasks), marks.ts, w[t.kind]);
    if (t.kind === 'main') spread(outermost(t.script), marks.ts, w.script);
  }
  for (let i = 0; i < n; i++) w.total[i] = w.main[i]! + w.renderer[i]! + w.display[i]!;
  return w;
}

/** Where the work of the marked frames went: per thread, and per event name on each thread. */
export interface WorkBreakdown {
  frames: number;
  threads: {
    kind: 'main' | 'renderer' | 'display';
    /** The thread's name in the trace (`CrRendererMain`, `Compositor`, `VizCompositorThread`, …). */
    name: string;
    /** Mean CPU ms per frame of its top-level tasks (what frameWork counts for it). */
    ms: number;
    /** Mean self CPU ms per frame of each event name (the event's CPU less its children's), largest first. */
    events: { name: string; ms: number }[];
  }[];
}

/**
 * The mean per-frame CPU of each counted thread between the first and the last `mark`, and of each event
 * name within it as self time (an event's CPU less the CPU of the events nested in it on the same thread),
 * so the names of a thread add up to its tasks' time. Events cut by the first or last mark count in
 * proportion, as in frameWork. Null when the trace holds fewer than two marks.
 */
export function frameBreakdown(events: readonly TraceEvent[], mark: string): WorkBreakdown | null {
  const marks = marksOf(events, mark);
  if (!marks || marks.ts.length < 2) return null;
  const first = marks.ts[0]!;
  const last = marks.ts[marks.ts.length - 1]!;
  const frames = marks.ts.length - 1;
  const { threadName, gpu } = namesOf(events);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || !(e.dur && e.dur > 0)) continue;
    if (e.pid !== marks.pid && !gpu.has(e.pid)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (UNCOUNTED_THREADS.has(threadName.get(key) ?? '')) continue;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  /** The CPU of an event inside [first, last), in proportion to its wall time there. */
  const inside = (e: TraceEvent, cpu: number) => {
    const a = Math.max(first, e.ts);
    const b = Math.min(last, e.ts + e.dur!);
    return b > a ? (cpu * (b - a)) / e.dur! : 0;
  };
  const out: WorkBreakdown['threads'] = [];
  for (const [key, list] of byThread) {
    const name = threadName.get(key) ?? '';
    const pid = Number(key.split(':')[0]);
    const kind = gpu.has(pid) ? 'display' : name === 'CrRendererMain' ? 'main' : 'renderer';
    const sorted = [...list].sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const self = new Map<string, number>();
    let tasks = 0;
    // A stack of open events; each closed event adds its CPU less its children's to its name.
    const stack: { e: TraceEvent; cpu: number; children: number }[] = [];
    const close = (until: number) => {
      while (stack.length && stack[stack.length - 1]!.e.ts + stack[stack.length - 1]!.e.dur! <= until) {
        const s = stack.pop()!;
        const own = Math.max(0, s.cpu - s.children);
        self.set(s.e.name, (self.get(s.e.name) ?? 0) + inside(s.e, own));
        if (stack.length) stack[stack.length - 1]!.children += s.cpu;
      }
    };
    for (const e of sorted) {
      close(e.ts);
      const cpu = e.tdur ?? e.dur!;
      if (!stack.length && TASKS.has(e.name)) tasks += inside(e, cpu);
      stack.push({ e, cpu, children: 0 });
    }
    close(Infinity);
    if (tasks <= 0) continue;
    out.push({
      kind,
      name,
      ms: tasks / 1000 / frames,
      events: [...self]
        .map(([n, us]) => ({ name: n, ms: us / 1000 / frames }))
        .filter((x) => x.ms > 0)
        .sort((a, b) => b.ms - a.ms),
    });
  }
  out.sort((a, b) => b.ms - a.ms);
  return { frames, threads: out };
}
