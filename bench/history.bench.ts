/**
 * Layer history on disk: a 24 MP photo with 200 layers.
 *   npx tsx bench/history.bench.ts [--quick] [--layers N] [--runs N] [--against DIR] [--project DIR]
 *   (or: npm run bench -- history)
 *
 * --against DIR: another checkout of Maskroom (its node_modules at hand, e.g. a `git worktree` of the code
 * before a change): its own bench's child opens the same project, alternated with this checkout's, and the
 * flatten rows are printed for both with their ratio (same machine, same minutes).
 * --project DIR: builds the project into DIR once and reuses it on later runs (left in place), so repeated
 * measurements skip the build; the full-frame baseline files are kept beside it.
 *
 * Measured (each open in a fresh child process, so decode caches are cold and peak memory is the process's;
 * the time runs until the image is ready, the session's close is not timed):
 *   - open, ready to view: ProjectStore.open + the screen-sized preview of the current image read from
 *     cache/ (what the app shows on open once that state was shown before): nothing is decoded.
 *   - open + full flatten, no cache: ProjectStore.open (lock, validate, sweep) + the current image flattened
 *     from the original (decoded) and the visible patches (their band indexes read first, then of each only
 *     the bands that layers above leave seen inflated and applied): the worst cold case. Also
 *     its CPU time over all threads (main, libuv's pool, libvips'), which load on a shared machine
 *     disturbs much less than the time itself.
 *   - open + full flatten with the cache (the normal case): the same when cache/current.bin holds the visible
 *     stack (the session writes it behind the answer once the stack is deep, and the CLI after an edit):
 *     no patch is decoded. Below 8 layers (--layers) no such file is written: these rows say so.
 *   - history only: ProjectStore.open without flattening (what `maskroom history` does).
 *   - disk per layer: patch + mask + thumbnail files of each layer.
 * Baseline, measured in the same run: storing a full-frame PNG per layer (the current image after each
 * layer). Its open is reading the manifest and decoding the topmost full-frame PNG; its disk per layer is one
 * full-frame PNG (measured on a few, since 200 of them would be ~10 GB). Every time row is a median and its
 * ratio to the baseline's median.
 * Also measured in this process: reading the cache file as it is (raw pixels) against the same pixels
 * deflated at level 1 (the first cache format), size and read + decode time.
 * Layers are synthetic but shaped like real ones: a feathered ellipse region of 300-1600 px per side at a
 * random place, pixels taken from the photo and tinted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { ProjectStore } from '../electron/core/project';
import { ProjectSession } from '../electron/core/project-session';
import {
  applyPatches,
  encodeMaskPng,
  encodePatch,
  loadPhoto,
  makeThumbnail,
  type Patch,
  type Photo,
} from '../electron/core/imaging';
import { ellipsePatch, fixtureJpeg, median, time } from './support';
import { syntheticLayer } from '../tests/support/layers';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const num = (flag: string, dflt: number) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const LAYERS = num('--layers', quick ? 40 : 200);
const RUNS = num('--runs', quick ? 3 : 5);
const FULLFRAME_SAMPLES = quick ? 2 : 3;
const flagValue = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
/** Another checkout whose flatten is measured beside this one's (--against). */
const AGAINST = flagValue('--against');
/** A project folder kept between runs (--project). */
const KEEP = flagValue('--project');
const W = 6000;
const H = 4000;
/** The session writes cache/current.bin only from this many visible layers on (its diskCacheMinLayers default). */
const CACHE_MIN_LAYERS = 8;
const NO_CACHE = `not written below ${CACHE_MIN_LAYERS} layers`;
/** The renderer's preview size on a 1920x1080 screen (media-dom previewSize). */
const PREVIEW_SIZE = 1920;
const inflate = promisify(zlib.inflate);

// ---- child modes: one measurement in a fresh process, printed as JSON ----
if (argv[0] === '--child') {
  const [, mode, dir, file] = argv;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const mainCpu0 = mainThreadCpuMs();
  let mainCpuMs = NaN;
  let check = 0;
  let ms = 0;
  let cpuMs = 0;
  if (mode === 'open') {
    const store = await ProjectStore.open(dir!);
    // Nothing written behind the answer: the uncached runs stay uncached.
    const session = new ProjectSession(store, { persistInBackground: false });
    const img = await session.current();
    ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
    mainCpuMs = mainThreadCpuMs() - mainCpu0;
    check = img.pixels[img.pixels.length >> 1]!;
    await session.close();
  } else if (mode === 'persist') {
    const store = await ProjectStore.open(dir!);
    const session = new ProjectSession(store, { persistInBackground: false });
    check = Number(await session.persistCache());
    await session.close();
  } else if (mode === 'view') {
    // What the app does on open now: the screen-sized preview of the current image (from cache/ once it
    // was shown), without decoding the original or any patch.
    const store = await ProjectStore.open(dir!);
    const session = new ProjectSession(store, { persistInBackground: false });
    const p = await session.preview({ kind: 'current' }, PREVIEW_SIZE);
    ms = performance.now() - t0;
    check = p.cached ? 1 : 0;
    await session.close();
  } else if (mode === 'history') {
    const store = await ProjectStore.open(dir!);
    check = store.layers().length;
    ms = performance.now() - t0;
    await store.close();
  } else if (mode === 'baseline') {
    JSON.parse(await fs.readFile(path.join(dir!, 'project.json'), 'utf8'));
    const img = await loadPhoto(new Uint8Array(await fs.readFile(file!)));
    check = img.pixels[img.pixels.length >> 1]!;
    ms = performance.now() - t0;
  }
  process.stdout.write(
    JSON.stringify({
      ms,
      cpuMs,
      mainCpuMs,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      check,
    }),
  );
  process.exit(0);
}

/**
 * The main thread's own CPU time so far (Linux: /proc/self/task/PID/stat, in clock ticks of 10 ms; NaN
 * elsewhere). Load on a shared machine stretches the wall time but not this: the main thread's work is the
 * part of a flatten that no other thread can take.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A layer-like patch (ellipsePatch) of 300-1600 px per side at a random place. */
function makePatch(photo: Photo, rand: () => number): Patch {
  const w = 300 + Math.floor(rand() * 1300);
  const h = 300 + Math.floor(rand() * 1300);
  const x = Math.floor(rand() * (photo.width - w));
  const y = Math.floor(rand() * (photo.height - h));
  return ellipsePatch(photo, { x, y, width: w, height: h }, rand);
}

function child(
  mode: string,
  dir: string,
  file = '',
  bench = import.meta.filename,
): { ms: number; cpuMs: number; mainCpuMs: number; maxRssMB: number; check: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bench, '--child', mode, dir, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 120_000,
    // The other checkout's sources (and its tsx) are its own.
    cwd: path.dirname(path.dirname(bench)),
  });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    ms: number;
    cpuMs: number;
    mainCpuMs?: number;
    maxRssMB: number;
    check: number;
  };
  // An older checkout's bench (--against) does not report the main thread's time.
  return { ...out, mainCpuMs: out.mainCpuMs ?? NaN };
}

/** What the runs need of a built project (kept in meta.json beside a --project folder). */
interface Built {
  channels: number;
  depth: number;
  photoBytes: number;
  perLayerBytes: number[];
  manifestBytes: number;
  fullFrameBytes: number[];
  topFile: string;
}

/** Builds the project into dir and the full-frame baseline files into root. */
async function buildProject(root: string, dir: string): Promise<Built> {
  const photoBytes = await fixtureJpeg(W, H);
  const photo = await loadPhoto(photoBytes);
  const store = await ProjectStore.create(dir, {
    photo: photoBytes,
    name: 'bench.jpg',
    width: W,
    height: H,
    format: 'jpeg',
  });

  const rand = rng(42);
  const t0 = performance.now();
  const samplePatches: Patch[] = [];
  // A pool of distinct encoded layers, reused at different places (the rect is the manifest's) to keep the
  // build within the bench's time budget; every layer still has its own files on disk.
  const POOL = Math.min(LAYERS, 25);
  const pool: Array<{ patch: Patch; files: { patch: Uint8Array; mask: Uint8Array; thumb: Uint8Array } }> = [];
  for (let i = 0; i < POOL; i++) {
    const patch = makePatch(photo, rand);
    const alpha = new Uint8Array(patch.rect.width * patch.rect.height);
    for (let k = 0; k < alpha.length; k++) alpha[k] = patch.rgba[k * 4 + 3]!;
    const [p, m, t] = await Promise.all([
      encodePatch(patch),
      encodeMaskPng({ width: patch.rect.width, height: patch.rect.height, data: alpha }),
      makeThumbnail(patch, { format: 'webp' }),
    ]);
    pool.push({ patch, files: { patch: p, mask: m, thumb: t } });
  }
  for (let i = 0; i < LAYERS; i++) {
    const src = pool[i % POOL]!;
    const { width, height } = src.patch.rect;
    const rect = { x: Math.floor(rand() * (W - width)), y: Math.floor(rand() * (H - height)), width, height };
    const patch: Patch = { ...src.patch, rect };
    if (i < FULLFRAME_SAMPLES) samplePatches.push(patch);
    const { patch: p, mask: m, thumb: t } = src.files;
    await store.appendLayer(syntheticLayer(rect, { prompt: `layer ${i}`, requestId: `bench-${i}` }), {
      patch: p,
      mask: m,
      thumb: t,
      thumbExt: 'webp',
    });
    if ((i + 1) % 50 === 0)
      console.log(`  built ${i + 1} layers (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const layers = store.layers();
  await store.close();
  console.log(`  built ${LAYERS} layers in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const perLayerBytes = layers.map((l) => l.bytes.patch + l.bytes.mask + l.bytes.thumb);
  const manifestBytes = (await fs.stat(path.join(dir, 'project.json'))).size;

  // Baseline: a full-frame PNG per layer (the image after each of the first few layers).
  const fullFrameBytes: number[] = [];
  let current = photo;
  let topFile = '';
  for (let i = 0; i < samplePatches.length; i++) {
    current = applyPatches(current, [samplePatches[i]!]);
    // libpng through sharp at its default level: what a straightforward "PNG per layer" store would write.
    const png = await sharp(current.pixels, { raw: { width: W, height: H, channels: current.channels } })
      .png({ compressionLevel: 6 })
      .toBuffer();
    topFile = path.join(root, `full-${i}.png`);
    await fs.writeFile(topFile, png);
    fullFrameBytes.push(png.byteLength);
  }

  return {
    channels: photo.channels,
    depth: photo.depth,
    photoBytes: photoBytes.byteLength,
    perLayerBytes,
    manifestBytes,
    fullFrameBytes,
    topFile,
  };
}

async function main(): Promise<void> {
  const root = KEEP
    ? path.resolve(KEEP)
    : await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-bench-history-'));
  const dir = path.join(root, 'project');
  console.log(
    `history bench: ${W}x${H} (${((W * H) / 1e6).toFixed(0)} MP) photo, ${LAYERS} layers, ${RUNS} runs${quick ? ' (quick)' : ''}`,
  );
  const metaFile = path.join(root, `meta-${LAYERS}.json`);
  let built: Built | null = null;
  if (KEEP) {
    built = await fs.readFile(metaFile, 'utf8').then(
      (t) => JSON.parse(t) as Built,
      () => null,
    );
    // A kept project's derived files (the flattened cache, previews) go: the first runs are cold opens.
    if (built) await fs.rm(path.join(dir, 'cache'), { recursive: true, force: true });
    else await fs.rm(root, { recursive: true, force: true });
  }
  if (!built) {
    await fs.mkdir(root, { recursive: true });
    built = await buildProject(root, dir);
    if (KEEP) await fs.writeFile(metaFile, JSON.stringify(built));
  }
  const { perLayerBytes, manifestBytes, fullFrameBytes, topFile } = built;
  const againstBench = AGAINST ? path.resolve(AGAINST, 'bench/history.bench.ts') : null;
  type Sample = { ms: number; cpuMs: number; mainCpuMs: number; maxRssMB: number };
  const open: Sample[] = [];
  const hist: Sample[] = [];
  const base: Sample[] = [];
  /** The other checkout's flatten (--against), uncached and cached. */
  const openAgainst: Sample[] = [];
  const cachedAgainst: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Interleaved so that machine noise hits both sides alike. No flattened cache exists yet: cold opens.
    open.push(child('open', dir));
    if (againstBench) openAgainst.push(child('open', dir, '', againstBench));
    base.push(child('baseline', dir, topFile));
    hist.push(child('history', dir));
  }
  // Then with the flattened image the app / CLI keep in cache/current.bin once the stack is deep (on a
  // shallower stack there is none: those rows say so).
  const persisted = child('persist', dir).check === 1;
  if (persisted !== LAYERS >= CACHE_MIN_LAYERS)
    throw new Error(`cache/current.bin was ${persisted ? '' : 'not '}written for ${LAYERS} layers`);
  const cacheFile = path.join(dir, 'cache', 'current.bin');
  const cacheBytes = persisted ? (await fs.stat(cacheFile)).size : null;
  const cached: Sample[] = [];
  const base2: Sample[] = [];
  for (let r = 0; r < RUNS && persisted; r++) {
    cached.push(child('open', dir));
    if (againstBench) cachedAgainst.push(child('open', dir, '', againstBench));
    base2.push(child('baseline', dir, topFile));
  }
  // Ready to view: the first view renders the preview (from the flattened cache) and keeps it in cache/.
  const firstView = child('view', dir);
  const view: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    const v = child('view', dir);
    if (v.check !== 1) throw new Error('the preview was not read from cache/');
    view.push(v);
  }
  // The cache file's format: raw pixels (read as they are) against the same pixels deflated at level 1.
  const rawRead: number[] = [];
  const deflatedRead: number[] = [];
  let deflatedBytes: number | null = null;
  if (persisted) {
    const rawFile = await fs.readFile(cacheFile);
    const pixelBytes = W * H * built.channels * (built.depth / 8);
    const pixels = rawFile.subarray(rawFile.length - pixelBytes);
    const deflated = zlib.deflateSync(pixels, { level: 1 });
    deflatedBytes = deflated.byteLength;
    const deflatedFile = path.join(root, 'current.deflated');
    await fs.writeFile(deflatedFile, deflated);
    for (let r = 0; r < RUNS; r++) {
      rawRead.push(await time(() => fs.readFile(cacheFile)));
      deflatedRead.push(await time(async () => inflate(await fs.readFile(deflatedFile))));
    }
  }

  const med = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
  /** A median, or null for rows without samples (no cache file below CACHE_MIN_LAYERS). */
  const medOrNull = (xs: Sample[], k: keyof Sample) => (xs.length > 0 ? med(xs, k) : null);
  const ratioOrNull = (a: number | null, b: number) => (a === null ? null : a / b);
  const baseMs = med([...base, ...base2], 'ms');
  const basePeak = med([...base, ...base2], 'maxRssMB');
  const rows = {
    viewMs: med(view, 'ms'),
    viewPeakMB: med(view, 'maxRssMB'),
    firstViewMs: firstView.ms,
    openMs: med(open, 'ms'),
    openPeakMB: med(open, 'maxRssMB'),
    openCpuMs: med(open, 'cpuMs'),
    openMainCpuMs: med(open, 'mainCpuMs'),
    cachedOpenMs: medOrNull(cached, 'ms'),
    cachedOpenPeakMB: medOrNull(cached, 'maxRssMB'),
    historyOnlyMs: med(hist, 'ms'),
    baselineOpenMs: baseMs,
    baselinePeakMB: basePeak,
    diskPerLayerKB: median(perLayerBytes) / 1024,
    baselineDiskPerLayerKB: median(fullFrameBytes) / 1024,
    cacheRawReadMs: persisted ? median(rawRead) : null,
    cacheDeflatedReadMs: persisted ? median(deflatedRead) : null,
  };
  const ratios = {
    viewTime: rows.viewMs / baseMs,
    openTime: rows.openMs / baseMs,
    openPeakMemory: rows.openPeakMB / basePeak,
    cachedOpenTime: ratioOrNull(rows.cachedOpenMs, baseMs),
    cachedOpenPeakMemory: ratioOrNull(rows.cachedOpenPeakMB, basePeak),
    historyOnlyTime: rows.historyOnlyMs / baseMs,
    diskPerLayer: rows.diskPerLayerKB / rows.baselineDiskPerLayerKB,
  };
  const table: Array<[string, number | null, number | null, number | null]> = [
    ['open, ready to view, ms', rows.viewMs, baseMs, ratios.viewTime],
    ['  peak RSS, MB', rows.viewPeakMB, basePeak, rows.viewPeakMB / basePeak],
    ['open + full flatten, no cache, ms', rows.openMs, baseMs, ratios.openTime],
    ['  peak RSS, MB', rows.openPeakMB, basePeak, ratios.openPeakMemory],
    ['  CPU time, all threads, ms', rows.openCpuMs, null, null],
    ['  CPU time, main thread, ms', rows.openMainCpuMs, null, null],
    ['open + full flatten, cache, ms', rows.cachedOpenMs, baseMs, ratios.cachedOpenTime],
    ['  peak RSS, MB', rows.cachedOpenPeakMB, basePeak, ratios.cachedOpenPeakMemory],
    ['history only (no pixels), ms', rows.historyOnlyMs, baseMs, ratios.historyOnlyTime],
    ['disk per layer, KB', rows.diskPerLayerKB, rows.baselineDiskPerLayerKB, ratios.diskPerLayer],
  ];
  console.log('');
  console.log(
    '| measure (median)                  | patch layers | full-frame PNG per layer (baseline) | ratio |',
  );
  console.log(
    '|-----------------------------------|-------------:|------------------------------------:|------:|',
  );
  for (const [name, a, b, r] of table) {
    console.log(
      `| ${name.padEnd(33)} | ${(a === null ? NO_CACHE : a.toFixed(0)).padStart(12)} | ${(b === null ? '' : b.toFixed(0)).padStart(35)} | ${(r === null ? '' : r.toFixed(r < 0.1 ? 3 : 2)).padStart(5)} |`,
    );
  }
  if (againstBench) {
    console.log('');
    console.log(`against ${AGAINST} (its own code, the same project, alternated):`);
    const pair = (name: string, a: Sample[], b: Sample[], k: keyof Sample) => {
      if (a.length === 0 || b.length === 0) return;
      const [x, y] = [med(a, k), med(b, k)];
      console.log(
        `  ${name.padEnd(38)} ${x.toFixed(0).padStart(6)} vs ${y.toFixed(0).padStart(6)} (${(x / y).toFixed(2)})`,
      );
    };
    pair('open + full flatten, no cache, ms', open, openAgainst, 'ms');
    pair('  CPU time, all threads, ms', open, openAgainst, 'cpuMs');
    pair('  CPU time, main thread, ms', open, openAgainst, 'mainCpuMs');
    pair('  peak RSS, MB', open, openAgainst, 'maxRssMB');
    pair('open + full flatten, cache, ms', cached, cachedAgainst, 'ms');
  }
  const totalLayerMB = perLayerBytes.reduce((a, b) => a + b, 0) / 2 ** 20;
  console.log('');
  console.log(
    `${LAYERS} layers: ${totalLayerMB.toFixed(0)} MB of layer files, manifest ${(manifestBytes / 1024).toFixed(0)} KB, ` +
      `flattened cache ${cacheBytes === null ? NO_CACHE : `${(cacheBytes / 2 ** 20).toFixed(0)} MB (one per project)`}, ` +
      `original ${(built.photoBytes / 2 ** 20).toFixed(1)} MB.`,
  );
  const { cacheRawReadMs: rawMs, cacheDeflatedReadMs: deflatedMs } = rows;
  console.log(
    cacheBytes === null || deflatedBytes === null || rawMs === null || deflatedMs === null
      ? `cache file: ${NO_CACHE}.`
      : `cache file: raw ${(cacheBytes / 2 ** 20).toFixed(0)} MB read in ${rawMs.toFixed(0)} ms; ` +
          `deflated (level 1) ${(deflatedBytes / 2 ** 20).toFixed(0)} MB read + inflated in ${deflatedMs.toFixed(0)} ms ` +
          `(${(deflatedMs / rawMs).toFixed(1)}x).`,
  );

  const out = {
    bench: 'history',
    quick,
    photo: { width: W, height: H },
    layers: LAYERS,
    runs: RUNS,
    against: AGAINST ?? null,
    medians: rows,
    ratios,
    totals: {
      layerFilesMB: totalLayerMB,
      manifestKB: manifestBytes / 1024,
      flattenedCacheMB: cacheBytes === null ? null : cacheBytes / 2 ** 20,
      flattenedCacheDeflatedMB: deflatedBytes === null ? null : deflatedBytes / 2 ** 20,
    },
    samples: {
      open,
      cached,
      view,
      firstView,
      baseline: [...base, ...base2],
      openAgainst,
      cachedAgainst,
      history: hist,
      cacheRawRead: rawRead,
      cacheDeflatedRead: deflatedRead,
    },
  };
  mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'history.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
  if (!KEEP) await fs.rm(root, { recursive: true, force: true });
}

await main();
