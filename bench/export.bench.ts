/**
 * Export at photographers' scale, each row beside a baseline measured in the same run:
 *  - 24 MP (6000x4000) photo with 4 layers to JPEG: decode the original, decode and apply the 4 patches,
 *    encode (what Export does from a cold session) — against a plain decode + encode of the same JPEG by
 *    sharp. The earlier path (a tagged PNG of the image, decoded again by sharp) is timed beside it.
 *  - A big photo (full: 12000x8400 = 100 MP, quick: 7700x5200) in every export format and depth (JPEG, PNG
 *    8/16, WebP, TIFF 8/16, layered PSD 8/16 with 4 small layers): peak resident memory above the photo
 *    itself (child process, /proc VmHWM after clear_refs), median of the runs, as a ratio of the photo's own
 *    bytes and of the JPEG row, and (one run) the same export written to a file as it is encoded
 *    (exportImageToFile: what the CLI and save back do). Goal: every format within 1 GB above the photo.
 * Usage: npx tsx bench/export.bench.ts [--quick] [--formats jpeg8,png16,...]   (or: npm run bench -- export)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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

function memory(format: string, depth: 8 | 16, where: 'memory' | 'file' = 'memory'): Memory {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', CHILD, format, String(BIG.width), String(BIG.height), String(depth), where],
    { encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`export child (${format} ${depth}-bit) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as Memory;
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
  const mem: Record<
    string,
    { samples: Memory[]; toFile: Memory; aboveMB: number; peakMB: number; fileMB: number; toFileMB: number }
  > = {};
  for (const row of selectedRows()) {
    const samples: Memory[] = [];
    for (let r = 0; r < MEM_RUNS; r++) samples.push(memory(row.format, row.depth));
    // Written to a file as it is encoded (the CLI's export, save back): one run, the file itself never held.
    const toFile = memory(row.format, row.depth, 'file');
    mem[row.name] = {
      samples,
      toFile,
      aboveMB: median(samples.map((m) => (m.peak - m.before) / MB)),
      peakMB: median(samples.map((m) => m.peak / MB)),
      fileMB: median(samples.map((m) => m.bytes / MB)),
      toFileMB: (toFile.peak - toFile.before) / MB,
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
    '| format | photo MB | file MB | above MB | ÷ photo | ÷ JPEG | ≤ 1024 MB | to a file: above MB |',
  );
  console.log(
    '|--------|---------:|--------:|---------:|--------:|-------:|:---------:|--------------------:|',
  );
  const jpegAbove = mem.jpeg8!.aboveMB;
  const memRatios: Record<string, { vsPhoto: number; vsJpeg: number }> = {};
  for (const row of selectedRows()) {
    const m = mem[row.name]!;
    const vsPhoto = m.aboveMB / photoMB(row.depth);
    const vsJpeg = m.aboveMB / jpegAbove;
    memRatios[row.name] = { vsPhoto, vsJpeg };
    console.log(
      `| ${row.name.padEnd(6)} | ${photoMB(row.depth).toFixed(0).padStart(8)} | ${m.fileMB.toFixed(0).padStart(7)} | ${m.aboveMB.toFixed(0).padStart(8)} | ${vsPhoto.toFixed(2).padStart(7)} | ${vsJpeg.toFixed(1).padStart(6)} | ${(m.aboveMB <= 1024 ? 'yes' : 'NO').padStart(9)} | ${m.toFileMB.toFixed(0).padStart(19)} |`,
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
          ...memRatios[k],
        },
      ]),
    ),
    samples: {
      ours,
      previous,
      baseline,
      memory: Object.fromEntries(Object.entries(mem).map(([k, m]) => [k, m.samples])),
    },
  };
  mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'export.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
}

await main();
