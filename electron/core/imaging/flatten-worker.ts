/**
 * A flatten worker (worker_threads): it owns one horizontal stripe of the flattened image, which lives in a
 * SharedArrayBuffer, and applies to it, in stack order, the rows of each layer that the main thread sends
 * (flatten-stripes.ts): it checks and inflates the deflated bands (zlib on this thread), undoes the Sub
 * filter and blends the rows inside its stripe that no layer above covers, exactly as the in-thread flatten
 * does (blendCoveredRows8). Until the image arrives (the original still decoding) it inflates ahead, up to
 * AHEAD_BYTES of rows. Bands that do not check or inflate are reported ('replan') and nothing more is done.
 * It imports only what has no native dependency, so it starts in tens of ms.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BandInflater, blendCoveredRows8, inflateBandsSync } from './patch-bands';
import { filtersKnown } from './rgba-words';
import type { FromWorker, StripeRun, ToWorker, WorkerSetup } from './flatten-stripes';
import type { Photo } from './types';

/** Rows inflated ahead while the image is not there yet (then the deflated bytes wait as they came). */
const AHEAD_BYTES = 16 * 2 ** 20;

interface Pending {
  k: number;
  rect: { x: number; y: number; width: number; height: number };
  need: Uint32Array;
  runs: StripeRun[];
  bytes: number;
}

const port = parentPort;
if (!port) throw new Error('flatten-worker.ts runs only as a worker thread');
const setup = workerData as WorkerSetup;
let top: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(0);
let img: Photo | null = null;
const pending: Pending[] = [];
let aheadBytes = 0;
let failed = false;
let blended = 0;

const post = (m: FromWorker) => port.postMessage(m);

/** Rows inflated to be blended at once: into one buffer, reused. */
const inflater = new BandInflater();

/**
 * The run's rows inflated in place (deflated bands replaced by their rows); false when they do not read.
 * `keep`: rows kept for later (inflated ahead) get a buffer of their own.
 */
function inflateRun(run: StripeRun, stride: number, keep: boolean): boolean {
  if (run.rows || !run.bands) return true;
  const { data, offsets, crcs } = run.bands;
  const last = crcs.length - 1;
  const size = run.count * stride;
  const rows = keep
    ? inflateBandsSync(data, { offsets, crcs }, 0, last, size)
    : inflater.inflate(data, { offsets, crcs }, 0, last, size);
  if (!rows || !filtersKnown(rows, run.count)) return false;
  run.rows = rows;
  run.bands = undefined;
  return true;
}

function stride(p: Pending): number {
  return 1 + p.rect.width * 4;
}

function fail(): void {
  failed = true;
  pending.length = 0;
  post({ t: 'replan' });
}

function apply(p: Pending): void {
  const s = stride(p);
  for (const run of p.runs) {
    if (!inflateRun(run, s, false)) return fail();
    blendCoveredRows8(img!, p.rect, run.y, run.rows!, p.need, top, p.k);
  }
  blended++;
  // The tests' worker failure, after some rows of the image are blended (never outside the tests).
  if (setup.failAfter > 0 && blended >= setup.failAfter) throw new Error('flatten worker failure (test)');
  post({ t: 'ack', k: p.k, bytes: p.bytes });
}

port.on('message', (m: ToWorker) => {
  if (failed) return;
  if (m.t === 'top') {
    top =
      m.bytes === 1 ? new Uint8Array(m.top) : m.bytes === 2 ? new Uint16Array(m.top) : new Uint32Array(m.top);
  } else if (m.t === 'image') {
    img = {
      width: setup.width,
      height: setup.height,
      channels: m.channels,
      depth: 8,
      pixels: new Uint8Array(m.pixels),
      format: '',
      icc: null,
      exif: null,
    };
    while (pending.length > 0 && !failed) apply(pending.shift()!);
    aheadBytes = 0;
  } else if (m.t === 'layer') {
    const p: Pending = { k: m.k, rect: m.rect, need: m.need, runs: m.runs, bytes: m.bytes };
    if (img) return apply(p);
    // Inflated ahead while there is room; the rest waits deflated for the image.
    const s = stride(p);
    for (const run of p.runs) {
      if (aheadBytes >= AHEAD_BYTES || run.rows) continue;
      if (!inflateRun(run, s, true)) return fail();
      aheadBytes += run.rows!.length;
    }
    pending.push(p);
  } else if (m.t === 'sync') {
    post({ t: 'synced', id: m.id });
  }
});
