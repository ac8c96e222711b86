/**
 * Imaging core benchmark on a 24 MP (6000x4000) JPEG. Two stages, each beside a naive baseline measured in
 * the same run:
 *  - prepare: "edit requested" -> API inputs ready (ours: plan the region and send it; naive: the whole photo
 *    scaled down to 1536x1024 plus a whole-photo mask);
 *  - finish: result bytes -> patch + thumbnail ready (ours: composite the region; naive: scale the whole
 *    result up to 6000x4000 and blend it over the whole photo, thumbnail of the whole).
 * Usage: npx tsx bench/imaging.bench.ts [--quick]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {
  applyPatches,
  buildApiInputs,
  compositeResult,
  loadPhoto,
  makeThumbnail,
  planRegion,
  type Mask,
  type Photo,
} from '../electron/core/imaging';
import { here, median, quick, time } from './support';

const runs = quick ? 3 : 7;
const W = 6000;
const H = 4000;

function disc(cx: number, cy: number, r: number): Mask {
  const data = new Uint8Array(W * H);
  for (let y = cy - r; y <= cy + r; y++)
    for (let x = cx - r; x <= cx + r; x++) if (Math.hypot(x - cx, y - cy) <= r) data[y * W + x] = 255;
  return { width: W, height: H, data };
}

async function naivePrepare(photo: Photo, mask: Mask) {
  const image = await sharp(photo.pixels, { raw: { width: W, height: H, channels: photo.channels } })
    .resize(1536, 1024, { fit: 'fill' })
    .png({ compressionLevel: 3 })
    .toBuffer();
  const m = await sharp(mask.data, { raw: { width: W, height: H, channels: 1 } })
    .resize(1536, 1024, { fit: 'fill' })
    .raw()
    .toBuffer();
  const rgba = new Uint8Array(1536 * 1024 * 4);
  for (let i = 0; i < 1536 * 1024; i++) rgba[i * 4 + 3] = m[i]! > 0 ? 0 : 255;
  const maskPng = await sharp(rgba, { raw: { width: 1536, height: 1024, channels: 4 } })
    .png()
    .toBuffer();
  return { image, maskPng };
}

async function naiveFinish(photo: Photo, result: Uint8Array, mask: Mask) {
  const up = await sharp(result).removeAlpha().resize(W, H, { fit: 'fill' }).raw().toBuffer();
  const out = new Uint8Array(photo.pixels);
  for (let i = 0; i < W * H; i++) {
    const a = mask.data[i]!;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = Math.round((out[i * 3 + c]! * (255 - a) + up[i * 3 + c]! * a) / 255);
  }
  const thumb = await sharp(out, { raw: { width: W, height: H, channels: 3 } })
    .resize(256, 256, { fit: 'inside' })
    .webp()
    .toBuffer();
  return { out, thumb };
}

async function main() {
  const src = readFileSync(path.join(here, '../../shared/fixtures/photos/coffee.png'));
  const jpeg = new Uint8Array(
    await sharp(src).resize(W, H, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer(),
  );
  const photo = await loadPhoto(jpeg); // decoded once; later edits hit the cache
  const mask = disc(3600, 1500, 400); // an 800 px object on the 24 MP frame
  const plan = planRegion(mask, photo);
  const inputs = await buildApiInputs(photo, mask, plan);
  // A stand-in for the model's answer at the requested size.
  const result = new Uint8Array(await sharp(inputs.image).modulate({ brightness: 1.05 }).png().toBuffer());
  const naiveResult = new Uint8Array(
    await sharp((await naivePrepare(photo, mask)).image)
      .png()
      .toBuffer(),
  );

  const rows: Record<string, number[]> = {
    prepare: [],
    prepareNaive: [],
    finish: [],
    finishNaive: [],
    decodeCached: [],
  };
  for (let i = 0; i < runs; i++) {
    rows.decodeCached!.push(await time(() => loadPhoto(jpeg)));
    rows.prepare!.push(await time(async () => buildApiInputs(photo, mask, planRegion(mask, photo))));
    rows.prepareNaive!.push(await time(() => naivePrepare(photo, mask)));
    rows.finish!.push(
      await time(async () => {
        const patch = await compositeResult(photo, result, mask, plan, { feather: 4, colorMatch: true });
        await makeThumbnail(applyPatches(photo, [patch]), { rect: patch.rect });
      }),
    );
    rows.finishNaive!.push(await time(() => naiveFinish(photo, naiveResult, mask)));
  }
  const med = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
  const table = [
    {
      stage: 'edit requested -> API inputs',
      ours_ms: med.prepare!,
      naive_ms: med.prepareNaive!,
      ratio: med.prepare! / med.prepareNaive!,
    },
    {
      stage: 'result -> patch + thumbnail',
      ours_ms: med.finish!,
      naive_ms: med.finishNaive!,
      ratio: med.finish! / med.finishNaive!,
    },
  ].map((r) => ({
    ...r,
    ours_ms: +r.ours_ms.toFixed(1),
    naive_ms: +r.naive_ms.toFixed(1),
    ratio: +r.ratio.toFixed(3),
  }));
  console.log(`imaging bench: ${W}x${H} JPEG, ${runs} runs, medians (ratio = ours / naive; < 1 is faster)`);
  console.table(table);
  console.log(
    `cached loadPhoto of the same bytes (hash only): ${med.decodeCached!.toFixed(1)} ms; crop ${plan.crop.width}x${plan.crop.height} -> ${plan.apiSize}`,
  );
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(
    path.join(here, 'results/imaging.json'),
    `${JSON.stringify({ image: `${W}x${H}`, runs, quick, medians_ms: med, table, crop: plan.crop, apiSize: plan.apiSize }, null, 2)}\n`,
  );
}

await main();
