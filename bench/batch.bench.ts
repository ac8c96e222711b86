/**
 * Batch throughput and memory, against the fake Segmind.
 *   npx tsx bench/batch.bench.ts [--quick]   (or: npm run bench -- batch)
 *
 * 1. Service-bound: 12 photos at concurrency 4 with a model latency of L. The ideal is ceil(12/4) rounds of
 *    one job's service time, measured in the same run as a batch of one photo (same code, same latency).
 *    Reports wall / ideal (the target is at most 1.3).
 * 2. Memory: 50 generated 24 MP photos (--quick: 16) at concurrency 8 through the CLI in a child process;
 *    reports wall time against ceil(n/8) x one job's service time, and the child's peak RSS (VmHWM from
 *    /proc, polled), against the 1.5 GB budget.
 * Nothing here asserts a time: the numbers are printed and written to bench/results/batch.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { SharedRateLimiter, createEditApi } from '../electron/core/edit-api';
import { BatchJournal, planRows, runBatch, type BatchSpec } from '../electron/core/batch';
import { startFakeSegmind, type FakeSegmind } from '../tests/fake-segmind/server';

const QUICK = process.argv.includes('--quick');
const LATENCY_MS = QUICK ? 2000 : 4000;
const BIG_COUNT = QUICK ? 16 : 50;
const root = path.resolve(import.meta.dirname, '..');

async function photo(file: string, w: number, h: number, i: number): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><linearGradient id="g"><stop offset="0" stop-color="rgb(${(i * 37) % 255},90,160)"/><stop offset="1" stop-color="rgb(230,${(i * 53) % 255},40)"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${w / 2}" cy="${h / 2}" r="${h / 4}" fill="#eee"/></svg>`;
  await sharp(Buffer.from(svg), { limitInputPixels: false }).jpeg({ quality: 90 }).toFile(file);
}

async function mask(file: string, w: number, h: number): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${w / 2}" cy="${h / 2}" rx="${w / 6}" ry="${h / 6}" fill="white"/></svg>`;
  await sharp(Buffer.from(svg), { limitInputPixels: false }).greyscale().png().toFile(file);
}

async function inProcessBatch(
  fake: FakeSegmind,
  dir: string,
  images: string[],
  maskFile: string,
  concurrency: number,
) {
  const out = path.join(dir, `out-${images.length}-${concurrency}`);
  const spec: BatchSpec = {
    prompt: 'bench',
    params: {
      size: 'auto',
      quality: 'low',
      background: 'opaque',
      outputFormat: 'png',
      outputCompression: 95,
      moderation: 'auto',
    },
    feather: 4,
    colorMatch: true,
    references: [],
    mask: { kind: 'one', file: maskFile },
    concurrency,
  };
  const journal = await BatchJournal.create(out, spec, planRows(out, spec, images));
  const limiter = new SharedRateLimiter();
  const api = createEditApi(
    {
      apiKey: fake.apiKey,
      apiBase: fake.apiBase,
      storageBase: fake.storageBase,
      transport: 'upload',
      mode: 'async',
      pollIntervalMs: 100,
    },
    { limiter },
  );
  const t0 = performance.now();
  const s = await runBatch(journal, {
    pipeline: { api, transport: 'upload', mode: 'async' },
    limiter,
    collectHow: 'resume it',
  });
  const wall = performance.now() - t0;
  await api.close();
  if (s.done !== images.length)
    throw new Error(`only ${s.done} of ${images.length} done: ${s.rows.find((r) => r.error)?.error}`);
  return wall;
}

function peakRssOfChild(
  args: string[],
  env: Record<string, string>,
): Promise<{ wallMs: number; peakBytes: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin/maskroom.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let peak = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      } catch {
        // The child has just exited.
      }
    }, 100);
    const limit = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve({ wallMs: performance.now() - t0, peakBytes: peak, code, stderr });
    });
  });
}

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-batch-bench-'));
const fake = await startFakeSegmind({ latencyMs: LATENCY_MS });
const results: Record<string, unknown> = { quick: QUICK, latencyMs: LATENCY_MS };
try {
  // 1. Service-bound throughput.
  const small = path.join(work, 'small');
  await fs.mkdir(small);
  const smallImages: string[] = [];
  for (let i = 0; i < 13; i++) {
    const f = path.join(small, `p${String(i).padStart(2, '0')}.jpg`);
    await photo(f, 1200, 800, i);
    smallImages.push(f);
  }
  const smallMask = path.join(work, 'small-mask.png');
  await mask(smallMask, 1200, 800);
  const one = await inProcessBatch(fake, work, smallImages.slice(12), smallMask, 1);
  const twelve = await inProcessBatch(fake, work, smallImages.slice(0, 12), smallMask, 4);
  const ideal = Math.ceil(12 / 4) * one;
  results.serviceBound = {
    oneJobMs: Math.round(one),
    wallMs: Math.round(twelve),
    idealMs: Math.round(ideal),
    ratio: +(twelve / ideal).toFixed(3),
  };
  console.log(
    `12 photos at concurrency 4: ${(twelve / 1000).toFixed(2)} s; one job ${(one / 1000).toFixed(2)} s; ideal ${(ideal / 1000).toFixed(2)} s; ratio ${(twelve / ideal).toFixed(2)} (target <= 1.3)`,
  );

  // 2. Memory at 24 MP.
  const big = path.join(work, 'big');
  await fs.mkdir(big);
  for (let i = 0; i < BIG_COUNT; i++)
    await photo(path.join(big, `big${String(i).padStart(2, '0')}.jpg`), 6000, 4000, i);
  const bigMask = path.join(work, 'big-mask.png');
  await mask(bigMask, 6000, 4000);
  const r = await peakRssOfChild(
    [
      'batch',
      '--out',
      path.join(work, 'big-out'),
      '--images',
      big,
      '--mask',
      bigMask,
      '--prompt',
      'bench',
      '--quality',
      'low',
      '--concurrency',
      '8',
      '--json',
    ],
    {
      SEGMIND_API_BASE: fake.apiBase,
      SEGMIND_STORAGE_BASE: fake.storageBase,
      SEGMIND_API_KEY: fake.apiKey,
      MASKROOM_POLL_INTERVAL_MS: '200',
    },
  );
  if (r.code !== 0) throw new Error(`the 24 MP batch failed: ${r.stderr}`);
  const bigIdeal = Math.ceil(BIG_COUNT / 8) * one;
  results.memory = {
    photos: BIG_COUNT,
    megapixels: 24,
    concurrency: 8,
    wallMs: Math.round(r.wallMs),
    idealMs: Math.round(bigIdeal),
    ratio: +(r.wallMs / bigIdeal).toFixed(3),
    peakRssBytes: r.peakBytes,
    budgetBytes: 1.5 * 2 ** 30,
  };
  console.log(
    `${BIG_COUNT} photos of 24 MP at concurrency 8: ${(r.wallMs / 1000).toFixed(1)} s against an ideal of ${(bigIdeal / 1000).toFixed(1)} s (ratio ${(r.wallMs / bigIdeal).toFixed(2)}); peak RSS ${(r.peakBytes / 2 ** 20).toFixed(0)} MB (budget 1536 MB)`,
  );
} finally {
  await fake.close();
  await fs.rm(work, { recursive: true, force: true });
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/batch.json'), `${JSON.stringify(results, null, 2)}\n`);
