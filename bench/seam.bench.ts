/**
 * Seam benchmark: today's global colour match (one gain and offset per channel from a ring) beside the
 * seamless field, in the same run, on the same inputs.
 *  - seam: a 3000x2000 gradient sky, a 1000x700 elliptical mask, a "model" that returns the frame with a
 *    drift added (no new content), so every bit of colour jump at the edge is error. Seam ΔE as in
 *    tests/unit/core/imaging/seam-measure.ts (mean and max over the boundary).
 *  - the same on rocket.jpg (Adobe RGB), against the raw round trip of the undrifted result.
 *  - time: result bytes -> patch on a 6000x4000 (24 MP) sky with a 2000x1400 mask, untagged and tagged
 *    Adobe RGB; CPU-time medians of off, global and seamless.
 * Writes before/after crops of the edge to $TMPDIR/maskroom-seam-bench/.
 * Usage: npx tsx bench/seam.bench.ts [--quick]
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  applyPatches,
  buildApiInputs,
  compositeResult,
  loadPhoto,
  planRegion,
  type Mask,
  type Photo,
} from '../electron/core/imaging';
import {
  drifts,
  driftModel,
  ellipseMask,
  gradientSky,
  seamDeltaE,
  type Drift,
} from '../tests/unit/core/imaging/seam-measure';
import { photoBytes } from '../tests/unit/core/imaging/helpers';

const quick = process.argv.includes('--quick');
const reps = quick ? 3 : 7;
const outDir = path.join(os.tmpdir(), 'maskroom-seam-bench');
mkdirSync(outDir, { recursive: true });

type Method = 'off' | 'global' | 'seamless';
const methods: Method[] = ['off', 'global', 'seamless'];
const opts = (m: Method) => ({
  feather: 4,
  colorMatch: m !== 'off',
  colorMethod: m === 'global' ? ('global' as const) : ('seamless' as const),
});

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function crop(p: Photo, x: number, y: number, w: number, h: number, file: string): Promise<void> {
  const data = new Uint8Array(w * h * 3);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++)
      for (let c = 0; c < 3; c++)
        data[(j * w + i) * 3 + c] = p.pixels[((y + j) * p.width + x + i) * p.channels + c]!;
  // Contrast stretched x4 around each channel's mean so a seam of a few levels is visible.
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let i = c; i < data.length; i += 3) mean += data[i]!;
    mean /= data.length / 3;
    for (let i = c; i < data.length; i += 3)
      data[i] = Math.max(0, Math.min(255, Math.round(128 + 4 * (data[i]! - mean))));
  }
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path.join(outDir, file));
}

async function seamTable(): Promise<void> {
  const photo = gradientSky(3000, 2000);
  const mask = ellipseMask(3000, 2000, 1500, 1000, 500, 350);
  const plan = planRegion(mask, photo);
  const inputs = await buildApiInputs(photo, mask, plan);
  const rows: [string, Drift][] = [
    ['uniform +12', drifts(12).uniform!],
    ['left-right ramp ±15', drifts(15)['left-right ramp']!],
    ['diagonal ramp ±20', drifts(20)['diagonal ramp']!],
  ];
  for (const [name, d] of Object.entries(drifts(25))) rows.push([`${name} ±25`, d]);
  console.log('\nSeam ΔE (mean / max), 1000x700 ellipse on a 3000x2000 gradient sky:');
  console.log('| drift | off | today (global) | seamless |');
  console.log('|---|---|---|---|');
  for (const [name, drift] of rows) {
    const result = await driftModel(inputs.image, drift);
    const cells: string[] = [];
    for (const m of methods) {
      const patch = await compositeResult(photo, result, mask, plan, opts(m));
      const out = applyPatches(photo, [patch]);
      const s = seamDeltaE(photo, out, mask);
      cells.push(`${s.mean.toFixed(2)} / ${s.max.toFixed(2)}`);
      if (name.startsWith('left-right')) {
        // The ellipse's left edge (x = 1000), where the ramp's drift is largest.
        await crop(out, 940, 940, 120, 120, `edge-${m}.png`);
      }
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  console.log(`(crops of the left edge, contrast x4: ${outDir}/edge-{off,global,seamless}.png)`);
}

/** Result -> patch CPU time for off, global and seamless on a 24 MP sky, untagged or in `icc`'s profile. */
async function timing(label: string, icc: Uint8Array | null): Promise<void> {
  const photo: Photo = { ...gradientSky(6000, 4000), icc };
  const mask: Mask = ellipseMask(6000, 4000, 3000, 2000, 1000, 700);
  const plan = planRegion(mask, photo);
  const inputs = await buildApiInputs(photo, mask, plan);
  const result = await driftModel(inputs.image, drifts(25)['diagonal ramp']!);
  const times: Record<Method, number[]> = { off: [], global: [], seamless: [] };
  // CPU time beside wall time: on a shared machine the wall clock mostly measures the other processes.
  const cpu: Record<Method, number[]> = { off: [], global: [], seamless: [] };
  for (let r = 0; r < reps; r++) {
    for (const m of methods) {
      const t = performance.now();
      const u = process.cpuUsage();
      await compositeResult(photo, result, mask, plan, opts(m));
      times[m].push(performance.now() - t);
      cpu[m].push(cpuMs(u));
    }
  }
  console.log(
    `\nResult -> patch, 24 MP photo (${label}), 2000x1400 mask (crop ${plan.crop.width}x${plan.crop.height}), median of ${reps}:`,
  );
  for (const m of methods)
    console.log(
      `  ${m.padEnd(8)} ${median(times[m]).toFixed(0)} ms wall, ${median(cpu[m]).toFixed(0)} ms CPU`,
    );
  console.log(
    `  seamless - off: ${(median(cpu.seamless) - median(cpu.off)).toFixed(0)} ms CPU (median of the per-run differences: ${median(cpu.seamless.map((v, i) => v - cpu.off[i]!)).toFixed(0)} ms)`,
  );
}

/** The same seam table on the Adobe RGB fixture photo (range brought into 30..226 as in the unit test). */
async function rocketTable(): Promise<void> {
  const src = await loadPhoto(photoBytes('rocket.jpg'));
  const photo: Photo = { ...src, pixels: src.pixels.map((v) => 30 + Math.round((v * 196) / 255)) };
  const W = photo.width;
  const H = photo.height;
  const mask = ellipseMask(W, H, W * 0.5, H * 0.5, W * 0.2, H * 0.18);
  const plan = planRegion(mask, photo);
  const inputs = await buildApiInputs(photo, mask, plan);
  const ref = applyPatches(photo, [
    await compositeResult(photo, await driftModel(inputs.image, () => [0, 0, 0]), mask, plan, opts('off')),
  ]);
  console.log('\nSeam ΔE (mean / max), rocket.jpg (Adobe RGB), against the raw round trip:');
  console.log('| drift | off | today (global) | seamless |');
  console.log('|---|---|---|---|');
  for (const a of [25, -25]) {
    for (const [name, drift] of Object.entries(drifts(a))) {
      const result = await driftModel(inputs.image, drift);
      const cells: string[] = [];
      for (const m of methods) {
        const out = applyPatches(photo, [await compositeResult(photo, result, mask, plan, opts(m))]);
        const s = seamDeltaE(ref, out, mask);
        cells.push(`${s.mean.toFixed(2)} / ${s.max.toFixed(2)}`);
      }
      console.log(`| ${name} ${a > 0 ? '+' : ''}${a} | ${cells.join(' | ')} |`);
    }
  }
}

await seamTable();
await rocketTable();
const adobe = (await loadPhoto(photoBytes('rocket.jpg'))).icc;
await timing('untagged', null);
await timing('Adobe RGB', adobe);
