/**
 * The planned flatten's worker pool: the frame is cut into horizontal stripes, one per worker
 * (flatten-worker.ts), each owning its stripe of the image in a SharedArrayBuffer, so the inflating, the
 * unfiltering and the blending of the layers' rows run on every core while the main thread only plans,
 * reads the files and hands each worker the bands that reach into its stripe (a band across a stripe's
 * edge goes to both; each blends only its own rows). Stripes are cut where the plan's work (rows to
 * inflate, pixels to blend) is split evenly. The workers are started when the flatten starts (their start
 * overlaps reading the band indexes and decoding the original) and ended with it.
 *
 * Where the workers' code is: in the CLI and Electron main bundles, an entry of its own, whose build rewrites
 * the URL below to the emitted file (scripts/worker-entries.ts); from the sources (tsx, vitest), the
 * TypeScript beside this module bundled once by esbuild (worker-source-build.ts).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as SourceBuild from './worker-source-build';
import type { Rect } from '../../../shared/contract';
import type { BandIndex } from './patch-bands';
import type { Photo } from './types';

/** The worker's entry. Kept in this exact form: the bundles' build finds and rewrites it. */
const WORKER_ENTRY = new URL('./flatten-worker.ts', import.meta.url);

/** Deflated (or inflated) bytes handed to the workers and not yet applied, at most (a bound on memory). */
const IN_FLIGHT_BYTES = 24 * 2 ** 20;

export type TopMap = Uint8Array | Uint16Array | Uint32Array;

/** What a worker is started with. */
export interface WorkerSetup {
  width: number;
  height: number;
  /** Tests only (MASKROOM_TEST_FLATTEN_WORKER_FAIL): fail after blending this many layers; 0 never. */
  failAfter: number;
}

/** A run of a layer's rows as a worker gets it: deflated bands (checked by their CRC-32s), or filtered rows. */
export interface StripeRun {
  /** First row, relative to the layer's rectangle, and the number of rows. */
  y: number;
  count: number;
  rows?: Uint8Array;
  bands?: { data: Uint8Array; offsets: Float64Array; crcs: Uint32Array };
}

export type ToWorker =
  | { t: 'top'; top: SharedArrayBuffer; bytes: 1 | 2 | 4 }
  | { t: 'image'; pixels: SharedArrayBuffer; channels: 3 | 4 }
  | { t: 'layer'; k: number; rect: Rect; need: Uint32Array; runs: StripeRun[]; bytes: number }
  | { t: 'sync'; id: number };

export type FromWorker =
  { t: 'ack'; k: number; bytes: number } | { t: 'synced'; id: number } | { t: 'replan' };

/** A layer's rows as the main thread read them: runs of deflated bands of its file, or its filtered rows. */
export type RunSource =
  | { y: number; count: number; rows: Uint8Array }
  | { y: number; count: number; bands: { index: BandIndex; first: number; last: number; data: Uint8Array } };

/** Why the pool stopped: a worker found a band that does not read ('replan'), or a worker failed. */
export class StripeFailure extends Error {
  constructor(readonly reason: 'replan' | 'worker') {
    super(reason === 'replan' ? 'a band did not read' : 'a flatten worker failed');
  }
}

function spawn(entry: URL, setup: WorkerSetup): Worker {
  // No inherited loader flags (a source run's --import tsx would load tsx in the worker for nothing).
  return new Worker(entry, { workerData: setup, execArgv: [] });
}

/** The worker's code for this process: the bundle's entry, or from the sources one built by esbuild. */
let entry: Promise<URL> | null = null;
function workerEntry(): Promise<URL> {
  if (!WORKER_ENTRY.pathname.endsWith('.ts')) return Promise.resolve(WORKER_ENTRY);
  if (!entry) {
    // Only from the sources: the builder, and esbuild with it, is no part of a bundle (whose entry is
    // JavaScript), so the specifier is made at run time where the bundler does not follow it.
    const builder = new URL('./worker-source-build.ts', import.meta.url).href;
    entry = (import(/* @vite-ignore */ builder) as Promise<typeof SourceBuild>).then((m) =>
      m.builtFromSources(fileURLToPath(WORKER_ENTRY)),
    );
    entry.catch(() => (entry = null));
  }
  return entry;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class FlattenStripes {
  private readonly workers: Worker[] = [];
  private readonly threads: number;
  /** Resolved once the workers are started (their code may have to be built first, from the sources). */
  private readonly started: Promise<void>;
  /** Stripe i holds the frame's rows bounds[i] .. bounds[i + 1]. */
  private bounds: number[];
  /** Per worker, the layers (k) sent to it and not yet applied, in order. */
  private readonly queues: number[][];
  /** Per layer (k - 1), its messages not yet applied. */
  private readonly outstanding: number[] = [];
  private dispatched = 0;
  private applied = 0;
  private inFlight = 0;
  private failure: StripeFailure | null = null;
  private waiters: Waiter[] = [];
  private syncs = 0;
  private synced: number[];
  private closed = false;

  /**
   * Starts `threads` workers for a frame of width x height (at once: they start while the plan is made).
   * `onApplied` is told each count of layers applied (in stack order) as it is reached.
   */
  constructor(
    threads: number,
    width: number,
    private readonly height: number,
    private onApplied: (applied: number) => void = () => undefined,
  ) {
    const setup: WorkerSetup = {
      width,
      height,
      failAfter: Number(process.env.MASKROOM_TEST_FLATTEN_WORKER_FAIL ?? 0) || 0,
    };
    this.queues = Array.from({ length: threads }, () => []);
    this.synced = new Array<number>(threads).fill(0);
    this.bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * height) / threads));
    this.threads = threads;
    // Never rejects: a worker that cannot start (`new Worker` throws ERR_WORKER_INIT_FAILED at a process's
    // limit of threads or memory) or code that cannot be built is a failure of the pool, which every wait
    // on it then throws as StripeFailure, so that the main thread flattens instead.
    this.started = workerEntry()
      .then((url) => {
        if (this.closed) return;
        for (let w = 0; w < threads; w++) {
          const worker = spawn(url, setup);
          worker.on('message', (m: FromWorker) => this.onMessage(w, m));
          worker.on('error', () => this.fail('worker'));
          worker.on('messageerror', () => this.fail('worker'));
          worker.on('exit', () => {
            if (!this.closed) this.fail('worker');
          });
          this.workers.push(worker);
        }
      })
      .catch(() => this.fail('worker'));
  }

  /**
   * The plan: the topOpaque map (in a SharedArrayBuffer), each frame row's work `cost` (any unit; the
   * stripes are cut where it is split evenly), and who is told of the layers applied. Before any layer.
   */
  async plan(top: TopMap, cost: Float64Array, onApplied: (applied: number) => void): Promise<void> {
    if (!(top.buffer instanceof SharedArrayBuffer)) throw new Error('the top map must be shared');
    this.onApplied = onApplied;
    this.split(cost);
    await this.started;
    this.check();
    const msg: ToWorker = { t: 'top', top: top.buffer, bytes: top.BYTES_PER_ELEMENT as 1 | 2 | 4 };
    for (const w of this.workers) w.postMessage(msg);
  }

  /** Cuts the stripes where the work is split evenly: `cost[y]` is the work of frame row y. */
  private split(cost: Float64Array): void {
    const n = this.threads;
    let total = 0;
    for (let y = 0; y < this.height; y++) total += cost[y]!;
    const bounds = [0];
    let sum = 0;
    for (let y = 0; y < this.height && bounds.length < n; y++) {
      sum += cost[y]!;
      if (sum >= (total * bounds.length) / n) bounds.push(y + 1);
    }
    while (bounds.length < n) bounds.push(this.height);
    bounds.push(this.height);
    this.bounds = bounds;
  }

  /** Copies the image into shared memory and hands it to the workers; the result is that shared image. */
  async image(base: Photo): Promise<Photo> {
    await this.started;
    this.check();
    const pixels = new SharedArrayBuffer(base.pixels.byteLength);
    const px = new Uint8Array(pixels);
    px.set(base.pixels as Uint8Array);
    for (const w of this.workers)
      w.postMessage({ t: 'image', pixels, channels: base.channels } satisfies ToWorker);
    return { ...base, pixels: px };
  }

  /**
   * Hands layer k (1-based, in stack order, each once and in order) to the workers whose stripes its needed
   * rows reach (need: neededRows), then waits while too many bytes are in flight.
   */
  async layer(k: number, rect: Rect, need: Uint32Array, runs: RunSource[]): Promise<void> {
    await this.started;
    this.check();
    let sent = 0;
    for (let w = 0; w < this.threads; w++) {
      const r0 = Math.max(0, this.bounds[w]! - rect.y);
      const r1 = Math.min(rect.height, this.bounds[w + 1]! - rect.y);
      if (r0 >= r1) continue;
      const mine = new Uint32Array(rect.height);
      mine.set(need.subarray(r0, r1), r0);
      const out: StripeRun[] = [];
      const transfer: ArrayBuffer[] = [];
      let bytes = 0;
      // A layer inside one stripe hands its buffers over as they are; one across an edge gives copies.
      const alone = r0 === 0 && r1 === rect.height;
      for (const run of runs) {
        const part = stripeRun(run, rect, mine, r0, r1, alone);
        if (!part) continue;
        const data = part.rows ?? part.bands!.data;
        transfer.push(data.buffer as ArrayBuffer);
        bytes += data.byteLength;
        out.push(part);
      }
      if (out.length === 0) continue;
      this.workers[w]!.postMessage(
        { t: 'layer', k, rect, need: mine, runs: out, bytes } satisfies ToWorker,
        transfer,
      );
      this.queues[w]!.push(k);
      this.inFlight += bytes;
      sent++;
    }
    this.outstanding[k - 1] = sent;
    this.dispatched = k;
    this.advance();
    await this.until(() => this.inFlight <= IN_FLIGHT_BYTES);
  }

  /** Layer k is applied by the main thread itself (after sync): nothing is sent for it. */
  skip(k: number): void {
    this.outstanding[k - 1] = 0;
    this.dispatched = k;
    this.advance();
  }

  /** Waits until every layer handed out so far is applied (the image is then the main thread's to change). */
  async sync(): Promise<void> {
    await this.started;
    this.check();
    const id = ++this.syncs;
    for (const w of this.workers) w.postMessage({ t: 'sync', id } satisfies ToWorker);
    await this.until(() => this.synced.every((s) => s >= id));
  }

  /** Waits until every layer handed out is applied. */
  finish(): Promise<void> {
    return this.until(() => this.queues.every((q) => q.length === 0));
  }

  /** Ends the workers (whatever they were doing: the image is then never used). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) void w.terminate();
    this.fail('worker');
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private onMessage(w: number, m: FromWorker): void {
    // What a worker posted before it was ended still arrives after terminate(); once the pool has failed
    // or closed, the flatten has moved on (the main thread's, which tells its own progress): nothing is told.
    if (this.failure) return;
    if (m.t === 'replan') return this.fail('replan');
    if (m.t === 'synced') this.synced[w] = m.id;
    else {
      this.queues[w]!.shift();
      this.inFlight -= m.bytes;
      this.outstanding[m.k - 1]!--;
      this.advance();
    }
    this.wake();
  }

  /** Told once per layer, in order (so that a count the session reports at is never stepped over). */
  private advance(): void {
    while (this.applied < this.dispatched && this.outstanding[this.applied] === 0)
      this.onApplied(++this.applied);
  }

  private fail(reason: 'replan' | 'worker'): void {
    if (this.failure) return;
    this.failure = new StripeFailure(reason);
    if (!this.closed) {
      this.closed = true;
      for (const w of this.workers) void w.terminate();
    }
    this.wake();
  }

  private until(ready: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ ready, resolve, reject }));
  }

  private wake(): void {
    const left: Waiter[] = [];
    for (const x of this.waiters) {
      if (this.failure) x.reject(this.failure);
      else if (x.ready()) x.resolve();
      else left.push(x);
    }
    this.waiters = left;
  }
}

/**
 * The part of a run inside rows r0..r1 of the rectangle that has a needed row there (mine: the layer's
 * needed rows, zero outside r0..r1), in a buffer of its own (it is transferred), or null. `take`: the run's
 * own buffer may be handed over when it is all of it (no other stripe needs the run).
 */
function stripeRun(
  run: RunSource,
  rect: Rect,
  mine: Uint32Array,
  r0: number,
  r1: number,
  take: boolean,
): StripeRun | null {
  const stride = 1 + rect.width * 4;
  const own = (u: Uint8Array, from: number, to: number) =>
    take && from === 0 && to === u.length && u.byteOffset === 0 && u.byteLength === u.buffer.byteLength
      ? u
      : u.slice(from, to);
  if ('rows' in run) {
    let a = Math.max(r0, run.y);
    let b = Math.min(r1, run.y + run.count);
    while (a < b && mine[a] === 0) a++;
    while (b > a && mine[b - 1] === 0) b--;
    if (a >= b) return null;
    const rows = own(run.rows, (a - run.y) * stride, (b - run.y) * stride);
    return { y: a, count: b - a, rows };
  }
  const { index, first, last, data } = run.bands;
  const br = index.bandRows;
  const needed = (band: number) => {
    for (let y = band * br; y < Math.min(rect.height, (band + 1) * br); y++) if (mine[y]! > 0) return true;
    return false;
  };
  let a = Math.max(first, Math.floor(r0 / br));
  let b = Math.min(last, Math.floor((r1 - 1) / br));
  while (a <= b && !needed(a)) a++;
  while (b >= a && !needed(b)) b--;
  if (a > b) return null;
  const base = index.offsets[first]!;
  const bytes = own(data, index.offsets[a]! - base, index.offsets[b + 1]! - base);
  const offsets = new Float64Array(b - a + 2);
  for (let i = a; i <= b + 1; i++) offsets[i - a] = index.offsets[i]! - index.offsets[a]!;
  const y = a * br;
  return {
    y,
    count: Math.min(rect.height, (b + 1) * br) - y,
    bands: { data: bytes, offsets, crcs: index.crcs.slice(a, b + 1) },
  };
}

/**
 * Each frame row's work in a planned flatten (inflating a needed band's rows, then blending up to each
 * row's end), for FlattenStripes.split. `need[j]` is layer j's neededRows (null: not read), `bandRows[j]` its
 * index's rows per band (0: read whole).
 */
export function rowCosts(
  height: number,
  layers: Array<{ rect: Rect; need: Uint32Array | null; bandRows: number }>,
): Float64Array {
  const cost = new Float64Array(height);
  for (const { rect, need, bandRows } of layers) {
    if (!need) continue;
    const br = bandRows || rect.height;
    for (let b0 = 0; b0 < rect.height; b0 += br) {
      const b1 = Math.min(rect.height, b0 + br);
      let any = false;
      for (let y = b0; y < b1 && !any; y++) any = need[y]! > 0;
      if (!any) continue;
      for (let y = b0; y < b1; y++) {
        const fy = rect.y + y;
        // About 2.5 inflated pixels per blended one (measured: inflating takes about 2.5x the blending).
        if (fy >= 0 && fy < height) cost[fy] = cost[fy]! + 2.5 * rect.width + need[y]!;
      }
    }
  }
  return cost;
}
