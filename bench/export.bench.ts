/**
 * Export at photographers' scale, each row beside a baseline measured in the same run:
 *  - 24 MP (6000x4000) photo with 4 layers to JPEG: decode the original, decode and apply the 4 patches,
 *    encode (what Export does from a cold session) — against a plain decode + encode of the same JPEG by
 *    sharp. The earlier path (a tagged PNG of the image, decoded again by sharp) is timed beside it.
 *  - A big photo (full: 12000x8400 = 100 MP, quick: 7700x5200) in every export format and depth (JPEG, PNG
 *    8/16, WebP, TIFF 8/16, layered PSD 8/16 with 4 small layers): peak resident memory above the photo
 *    itself (child process, /proc VmHWM after clear_refs), median of the runs, as a ratio of the photo's own
 *    bytes and of the JPEG row, and (one run each) the same export written to a file as it is encoded
 *    (exportImageToFile: what the CLI and save back do) and the app's Save As (export-app-child.ts: main's
 *    saveAs over a real workspace and project, the image flattened before). Goal: every format within 1 GB
 *    above the photo.
 * Usage: npx tsx bench/export.bench.ts [--quick] [--formats jpeg8,png16,...] [--where memory,file,app]
 *   (or: npm run bench -- export); --where picks the measurements of the big photo (default all three).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  applyPatches,
  clearPhotoCache,
  decodePatch,
  encodePatch,
  exportImage,
  loadPhoto,
  type Patch,
  type Photo,
} from '../electron/core/imaging';
import { taggedPng } from '../tests/unit/core/imaging/helpers';
import { median, quick, time } from './support';

const RUNS = quick ? 3 : 5;
/** Memory runs per format (each a fresh child process). */
const MEM_RUNS = quick ? 1 : 3;
const W = 6000;
const H = 4000;
const BIG = quick ? { width: 7700, height: 5200 } : { width: 12000, height: 8400 };
const CHILD = path.resolve(import.meta.dirname, '../tests/unit/core/imaging/export-memory-child.ts');
const APP_CHILD = path.resolve(import.meta.dirname, 'export-app-child.ts');

/** The export as it was before it encoded from the pixels: tagged PNG -> sharp -> JPEG. */
async function previousJpeg(image: Photo, quality: number): Promise<Buffer> {
  const png = taggedPng(image);
  return sharp(png, { limitInputPixels: false, ignoreIcc: true })
    .keepIccProfile()
    .keepExif()
    .flatten({ background: '#ffffff' })
    .jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0', mozjpeg: false })
    .toBuffer();
}

function patchOver(photo: Photo, seed: number): Patch {
  const w = 800 + ((seed * 331) % 900);
  const h = 600 + ((seed * 197) % 700);
  const x = (seed * 1013) % (photo.width - w);
  const y = (seed * 709) % (photo.height - h);
  const rgba = new Uint8Array(w * h * 4);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const dx = (i + 0.5) / w - 0.5;
      const dy = (j + 0.5) / h - 0.5;
      const d = Math.sqrt(dx * dx + dy * dy) * 2;
      const o = (j * w + i) * 4;
      const s = ((y + j) * photo.width + x + i) * photo.channels;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.min(255, photo.pixels[s + c]! + 20 * c);
      rgba[o + 3] = d >= 1 ? 0 : Math.round(255 * Math.min(1, (1 - d) * 6));
    }
  return { rect: { x, y, width: w, height: h }, depth: 8, rgba };
}

interface Memory {
  before: number;
  peak: number;
  bytes: number;
}

type Where = 'memory' | 'file' | 'app';

function child(args: string[], what: string): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`export child (${what}) failed: ${r.stderr}`);
  return r.stdout;
}

function memory(format: string, depth: 8 | 16, where: Where = 'memory'): Memory {
  const size = [String(BIG.width), String(BIG.height), String(depth)];
  const what = `${format} ${depth}-bit, ${where}`;
  if (where !== 'app')
    return JSON.parse(child(['--import', 'tsx', CHILD, format, ...size, where], what).trim()) as Memory;
  // The app's Save As: the project is made in one process, opened and exported in another (measured).
  const lib = mkdtempSync(path.join(os.tmpdir(), 'maskroom-export-app-'));
  try {
    const run = (mode: string) =>
      child(['--expose-gc', '--import', 'tsx', APP_CHILD, mode, lib, format, ...size], what);
    run('make');
    return JSON.parse(run('measure').trim()) as Memory;
  } finally {
    rmSync(lib, { recursive: true, force: true });
  }
}

/** The big photo's export rows: format, depth and the name printed for them. */
const MEMORY_ROWS: { name: string; format: string; depth: 8 | 16 }[] = [
  { name: 'jpeg8', format: 'jpeg', depth: 8 },
  { name: 'png8', format: 'png', depth: 8 },
  { name: 'png16', format: 'png', depth: 16 },
  { name: 'webp8', format: 'webp', depth: 8 },
  { name: 'tiff8', format: 'tiff', depth: 8 },
  { name: 'tiff16', format: 'tiff', depth: 16 },
  { name: 'psd8', format: 'psd', depth: 8 },
  { name: 'psd16', format: 'psd', depth: 16 },
];

function selectedRows(): typeof MEMORY_ROWS {
  const at = process.argv.indexOf('--formats');
  if (at < 0) return MEMORY_ROWS;
  const want = new Set((process.argv[at + 1] ?? '').split(','));
  // The JPEG row is every other row's baseline.
  return MEMORY_ROWS.filter((r) => r.name === 'jpeg8' || want.has(r.name));
}

/** The measurements of the big photo this run makes (--where). */
function selectedWhere(): Set<Where> {
  const at = process.argv.indexOf('--where');
  if (at < 0) return new Set(['memory', 'file', 'app']);
  return new Set((process.argv[at + 1] ?? '').split(',') as Where[]);
}

async function main(): Promise<void> {
  console.log(
    `export bench: ${W}x${H} with 4 layers, ${BIG.width}x${BIG.height} for memory, ${RUNS} runs${quick ? ' (quick)' : ''}`,
  );
  const fixtures =
    process.env.MASKROOM_FIXTURES || path.resolve(import.meta.dirname, '../../shared/fixtures/photos');
  const jpeg = new Uint8Array(
    await sharp(path.join(fixtures, 'coffee.png'))
      .removeAlpha()
      .resize(W, H)
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
  const photo = await loadPhoto(jpeg);
  const patches = await Promise.all([1, 2, 3, 4].map((i) => encodePatch(patchOver(photo, i))));
  const rects = [1, 2, 3, 4].map((i) => patchOver(photo, i).rect);

  const ours: number[] = [];
  const previous: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Interleaved, each from a cold decode cache: machine noise hits all sides alike.
    clearPhotoCache();
    ours.push(
      await time(async () => {
        const base = await loadPhoto(jpeg);
        const ps = await Promise.all(patches.map((p, i) => decodePatch(p, rects[i]!)));
        await exportImage(applyPatches(base, ps), { format: 'jpeg', quality: 92 });
      }),
    );
    clearPhotoCache();
    previous.push(
      await time(async () => {
        const base = await loadPhoto(jpeg);
        const ps = await Promise.all(patches.map((p, i) => decodePatch(p, rects[i]!)));
        await previousJpeg(applyPatches(base, ps), 92);
      }),
    );
    baseline.push(
      await time(() =>
        sharp(jpeg, { limitInputPixels: false }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer(),
      ),
    );
  }
  const MB = 2 ** 20;
  const where = selectedWhere();
  const mem: Record<
    string,
    {
      samples: Memory[];
      toFile: Memory | null;
      app: Memory | null;
      aboveMB: number;
      peakMB: number;
      fileMB: number;
      toFileMB: number;
      appMB: number;
    }
  > = {};
  const above = (m: Memory | null) => (m ? (m.peak - m.before) / MB : NaN);
  for (const row of selectedRows()) {
    const samples: Memory[] = [];
    // The JPEG row is every other row's baseline: always measured in memory.
    const runs = where.has('memory') || row.name === 'jpeg8' ? MEM_RUNS : 0;
    for (let r = 0; r < runs; r++) samples.push(memory(row.format, row.depth));
    // Written to a file as it is encoded (the CLI's export, save back): one run, the file itself never held.
    const toFile = where.has('file') ? memory(row.format, row.depth, 'file') : null;
    // The app's Save As (main's saveAs over the workspace): one run.
    const app = where.has('app') ? memory(row.format, row.depth, 'app') : null;
    const sizes = [...samples, ...(toFile ? [toFile] : []), ...(app ? [app] : [])];
    mem[row.name] = {
      samples,
      toFile,
      app,
      aboveMB: samples.length ? median(samples.map((m) => above(m))) : NaN,
      peakMB: samples.length ? median(samples.map((m) => m.peak / MB)) : NaN,
      fileMB: median(sizes.map((m) => m.bytes / MB)),
      toFileMB: above(toFile),
      appMB: above(app),
    };
  }
  const photoMB = (depth: 8 | 16) => (BIG.width * BIG.height * 3 * (depth / 8)) / MB;
  const rows = {
    export4LayersJpegMs: median(ours),
    previousPathMs: median(previous),
    decodeEncodeMs: median(baseline),
    bigPhotoMB: photoMB(8),
  };
  const ratios = {
    exportVsDecodeEncode: rows.export4LayersJpegMs / rows.decodeEncodeMs,
    previousVsDecodeEncode: rows.previousPathMs / rows.decodeEncodeMs,
  };
  console.log('');
  console.log('| measure (median)                        |    ours | baseline | ratio | goal |');
  console.log('|-----------------------------------------|--------:|---------:|------:|-----:|');
  const line = (name: string, a: number, b: number, goal: string) =>
    console.log(
      `| ${name.padEnd(39)} | ${a.toFixed(0).padStart(7)} | ${b.toFixed(0).padStart(8)} | ${(a / b).toFixed(2).padStart(5)} | ${goal.padStart(4)} |`,
    );
  line('4 layers -> JPEG, 24 MP, ms', rows.export4LayersJpegMs, rows.decodeEncodeMs, '≤ 2×');
  line('  (earlier path: tagged PNG), ms', rows.previousPathMs, rows.decodeEncodeMs, '');
  const mp = ((BIG.width * BIG.height) / 1e6).toFixed(0);
  console.log('');
  console.log(
    `${mp} MP export, peak RSS above the photo (median of ${MEM_RUNS}; PSD: 4 small layers, the composite held before):`,
  );
  console.log(
    '| format | photo MB | file MB | above MB | ÷ photo | ÷ JPEG | ≤ 1024 MB | to a file: above MB | app Save As: above MB | ≤ 1024 MB |',
  );
  console.log(
    '|--------|---------:|--------:|---------:|--------:|-------:|:---------:|--------------------:|----------------------:|:---------:|',
  );
  const jpegAbove = mem.jpeg8!.aboveMB;
  // A measurement this run did not make (--where) shows as '-'.
  const cell = (v: number, width: number, digits = 0) =>
    (Number.isNaN(v) ? '-' : v.toFixed(digits)).padStart(width);
  const within = (mb: number) => (Number.isNaN(mb) ? '-' : mb <= 1024 ? 'yes' : 'NO').padStart(9);
  const memRatios: Record<string, { vsPhoto: number; vsJpeg: number }> = {};
  for (const row of selectedRows()) {
    const m = mem[row.name]!;
    const vsPhoto = m.aboveMB / photoMB(row.depth);
    const vsJpeg = m.aboveMB / jpegAbove;
    memRatios[row.name] = { vsPhoto, vsJpeg };
    console.log(
      `| ${row.name.padEnd(6)} | ${photoMB(row.depth).toFixed(0).padStart(8)} | ${m.fileMB.toFixed(0).padStart(7)} | ${cell(m.aboveMB, 8)} | ${cell(vsPhoto, 7, 2)} | ${cell(vsJpeg, 6, 1)} | ${within(m.aboveMB)} | ${cell(m.toFileMB, 19)} | ${cell(m.appMB, 21)} | ${within(m.appMB)} |`,
    );
  }
  const out = {
    bench: 'export',
    quick,
    runs: RUNS,
    memoryRuns: MEM_RUNS,
    photo: { width: W, height: H },
    big: BIG,
    medians: rows,
    ratios,
    memory: Object.fromEntries(
      Object.entries(mem).map(([k, m]) => [
        k,
        {
          aboveMB: m.aboveMB,
          peakMB: m.peakMB,
          fileMB: m.fileMB,
          toFileAboveMB: m.toFileMB,
          appSaveAsAboveMB: m.appMB,
          ...memRatios[k],
        },
      ]),
    ),
    samples: {
      ours,
      previous,
      baseline,
      memory: Object.fromEntries(Object.entries(mem).map(([k, m]) => [k, m.samples])),
      toFile: Object.fromEntries(Object.entries(mem).map(([k, m]) => [k, m.toFile])),
      appSaveAs: Object.fromEntries(Object.entries(mem).map(([k, m]) => [k, m.app])),
    },
  };
  mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'export.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
}

await main();
