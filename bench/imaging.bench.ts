/**
 * Imaging core benchmark on a 24 MP (6000x4000) JPEG with an 800 px round mask, feather 4, colour matching
 * on (the seamless field). Each row beside a naive baseline measured in the same run:
 *  - "edit requested -> API inputs": plan the region and build the two files sent (naive: the whole photo
 *    scaled down to 1536x1024 plus a whole-photo mask);
 *  - "prep, during the wait": prepareComposite plus the layer's mask PNG, what runEdit starts right after
 *    the submit and the service's ~44 s wait hides (blend weight, the sent image over the field's area,
 *    the seam field's kept samples and photo sums) (naive: the same grow and feather of the mask over the
 *    whole 24 MP frame, what a whole-frame blend would need);
 *  - "result -> patch + thumbnail": what finish() does once the result is there, given the prep: decode,
 *    seamless field, scale back, patch, the patch PNG and the WebP thumbnail (the mask PNG was made in the
 *    prep) (naive: scale the whole result up to 6000x4000, blend it over the whole photo with the prepared
 *    weight, thumbnail of the whole; it writes no file, so the ratio favours the naive side);
 *  - "result -> patch + thumbnail, no prep": the same from scratch (finish() when the image changed
 *    during the wait, or after a resume): prep and finish in a row (naive: its prep and finish in a row).
 * Usage: npx tsx bench/imaging.bench.ts [--quick]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {
  buildApiInputs,
  compositeResult,
  encodeMaskPng,
  encodePatch,
  featherMask,
  growMask,
  loadPhoto,
  makeThumbnail,
  planRegion,
  type Mask,
  type Patch,
  type Photo,
} from '../electron/core/imaging';
import { compositePrepared, prepareComposite, type CompositePrep } from '../electron/core/imaging/composite';
import { cropMask } from '../electron/core/imaging/mask';
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

/** The naive blend weight: the same grow and feather over the whole frame. */
function naivePrep(mask: Mask): Mask {
  return featherMask(growMask(mask, 4), 4);
}

async function naiveFinish(photo: Photo, result: Uint8Array, weight: Mask) {
  const up = await sharp(result).removeAlpha().resize(W, H, { fit: 'fill' }).raw().toBuffer();
  const out = new Uint8Array(photo.pixels);
  for (let i = 0; i < W * H; i++) {
    const a = weight.data[i]!;
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

const OPTS = { feather: 4, colorMatch: true };

/** What runEdit prepares during the wait: the composite's result-independent part and the layer's mask. */
async function prep(photo: Photo, mask: Mask, plan: ReturnType<typeof planRegion>) {
  const composite = await prepareComposite(photo, mask, plan, OPTS);
  return { composite, maskPng: await encodeMaskPng(cropMask(mask, composite.rect)) };
}

/** The files finish() writes for a patch (the mask PNG given when prepared). */
async function files(patch: Patch, photo: Photo, mask: Mask, maskPng: Uint8Array | null) {
  const [png] = await Promise.all([
    encodePatch(patch),
    maskPng ?? encodeMaskPng(cropMask(mask, patch.rect)),
    makeThumbnail(patch, { icc: photo.icc, format: 'webp' }),
  ]);
  return png.length;
}

/** finish() given the prep: the rest of the composite, the patch PNG and the thumbnail. */
async function finishPrepared(
  photo: Photo,
  mask: Mask,
  p: { composite: CompositePrep; maskPng: Uint8Array },
  result: Uint8Array,
) {
  return files(await compositePrepared(p.composite, result), photo, mask, p.maskPng);
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
    prep: [],
    prepNaive: [],
    finish: [],
    finishNaive: [],
    scratch: [],
    scratchNaive: [],
    decodeCached: [],
  };
  let patchBytes = 0;
  for (let i = 0; i < runs; i++) {
    rows.decodeCached!.push(await time(() => loadPhoto(jpeg)));
    rows.prepare!.push(await time(async () => buildApiInputs(photo, mask, planRegion(mask, photo))));
    rows.prepareNaive!.push(await time(() => naivePrepare(photo, mask)));
    let p!: Awaited<ReturnType<typeof prep>>;
    rows.prep!.push(await time(async () => (p = await prep(photo, mask, plan))));
    let weight!: Mask;
    rows.prepNaive!.push(await time(async () => (weight = naivePrep(mask))));
    rows.finish!.push(await time(async () => (patchBytes = await finishPrepared(photo, mask, p, result))));
    rows.finishNaive!.push(await time(() => naiveFinish(photo, naiveResult, weight)));
    rows.scratch!.push(
      await time(async () =>
        files(await compositeResult(photo, result, mask, plan, OPTS), photo, mask, null),
      ),
    );
    rows.scratchNaive!.push(await time(async () => naiveFinish(photo, naiveResult, naivePrep(mask))));
  }
  const med = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
  const row = (stage: string, ours: string, naive: string) => ({
    stage,
    ours_ms: med[ours]!,
    naive_ms: med[naive]!,
    ratio: med[ours]! / med[naive]!,
  });
  const table = [
    row('edit requested -> API inputs', 'prepare', 'prepareNaive'),
    row('prep, during the wait', 'prep', 'prepNaive'),
    row('result -> patch + thumbnail', 'finish', 'finishNaive'),
    row('result -> patch + thumbnail, no prep', 'scratch', 'scratchNaive'),
  ].map((r) => ({
    ...r,
    ours_ms: +r.ours_ms.toFixed(1),
    naive_ms: +r.naive_ms.toFixed(1),
    ratio: +r.ratio.toFixed(3),
  }));
  console.log(`imaging bench: ${W}x${H} JPEG, ${runs} runs, medians (ratio = ours / naive; < 1 is faster)`);
  console.table(table);
  console.log(
    `cached loadPhoto of the same bytes (hash only): ${med.decodeCached!.toFixed(1)} ms; crop ${plan.crop.width}x${plan.crop.height} -> ${plan.apiSize}; patch PNG ${(patchBytes / 1024).toFixed(0)} KiB`,
  );
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(
    path.join(here, 'results/imaging.json'),
    `${JSON.stringify({ image: `${W}x${H}`, runs, quick, medians_ms: med, table, crop: plan.crop, apiSize: plan.apiSize, patchBytes }, null, 2)}\n`,
  );
}

await main();
