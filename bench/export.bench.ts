/**
 * Flat export at photographers' scale, each row beside a baseline measured in the same run:
 *  - 24 MP (6000x4000) photo with 4 layers to JPEG: decode the original, decode and apply the 4 patches,
 *    encode (what Export does from a cold session) — against a plain decode + encode of the same JPEG by
 *    sharp. The earlier path (a tagged PNG of the image, decoded again by sharp) is timed beside it.
 *  - 100 MP (12000x8400) JPEG export, peak resident memory above the photo itself (child process,
 *    /proc VmHWM after clear_refs) — against the TIFF export of the same photo.
 * Usage: npx tsx bench/export.bench.ts [--quick]   (or: npm run bench -- export)
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

function memory(format: string): { before: number; peak: number; bytes: number } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', CHILD, format, String(BIG.width), String(BIG.height)],
    { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`export child (${format}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { before: number; peak: number; bytes: number };
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
  const jpegMem = memory('jpeg');
  const tiffMem = memory('tiff');
  const MB = 2 ** 20;
  const photoMB = (BIG.width * BIG.height * 3) / MB;
  const rows = {
    export4LayersJpegMs: median(ours),
    previousPathMs: median(previous),
    decodeEncodeMs: median(baseline),
    bigJpegPeakAbovePhotoMB: (jpegMem.peak - jpegMem.before) / MB,
    bigJpegPeakMB: jpegMem.peak / MB,
    bigTiffPeakAbovePhotoMB: (tiffMem.peak - tiffMem.before) / MB,
    bigTiffPeakMB: tiffMem.peak / MB,
    bigPhotoMB: photoMB,
  };
  const ratios = {
    exportVsDecodeEncode: rows.export4LayersJpegMs / rows.decodeEncodeMs,
    previousVsDecodeEncode: rows.previousPathMs / rows.decodeEncodeMs,
    bigJpegPeakVsTiff: rows.bigJpegPeakMB / rows.bigTiffPeakMB,
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
  line(
    `JPEG ${((BIG.width * BIG.height) / 1e6).toFixed(0)} MP, peak RSS MB (vs TIFF)`,
    rows.bigJpegPeakMB,
    rows.bigTiffPeakMB,
    '',
  );
  console.log(
    `  above the ${photoMB.toFixed(0)} MB photo: JPEG ${rows.bigJpegPeakAbovePhotoMB.toFixed(0)} MB, TIFF ${rows.bigTiffPeakAbovePhotoMB.toFixed(0)} MB (goal: JPEG ≤ 1024 MB)`,
  );
  const out = {
    bench: 'export',
    quick,
    runs: RUNS,
    photo: { width: W, height: H },
    big: BIG,
    medians: rows,
    ratios,
    samples: { ours, previous, baseline, jpegMem, tiffMem },
  };
  mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'export.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
}

await main();
