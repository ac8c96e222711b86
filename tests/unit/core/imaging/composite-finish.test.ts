/**
 * The patch takes its pixels from the result scaled back to the crop, of which compositePrepared resamples
 * only the blend box (resize then extract in one libvips pipeline). Held here to the plain computation: the
 * whole result part scaled to the whole crop, the box cut out in JS, bit for bit, for random photos, masks,
 * crops both sides of the API size (both kernels), 8 and 16 bit. And the seamless field's dithered add, held
 * to the per-pixel lookup it replaced.
 */
import os from 'node:os';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { compositeResult, planRegion } from '../../../../electron/core/imaging';
import {
  correctInSrgb,
  prepareComposite,
  rowCuts,
  scaleBack,
  scaleBackInRows,
  scaleParts,
  type SeamPrep,
} from '../../../../electron/core/imaging/composite';
import { samplePositions, seamFieldFrom } from '../../../../electron/core/imaging/seamless';
import { apiDims, cropInApi } from '../../../../electron/core/imaging/region';
import { discMask, gradientNoisePhoto as photo } from './helpers';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function noisePng(w: number, h: number, r: () => number): Promise<Uint8Array> {
  const raw = new Uint8Array(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(r() * 256);
  return new Uint8Array(
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** The whole result part scaled to the whole crop, then `box` (crop-relative) cut out of it. */
async function plainScaleBack(
  src: Uint8Array,
  dst: { width: number; height: number },
  crop: { width: number; height: number },
  box: { x: number; y: number; width: number; height: number },
  kernel: 'lanczos3' | 'mitchell',
): Promise<Uint8Array> {
  const whole = await sharp(src, { raw: { width: dst.width, height: dst.height, channels: 3 } })
    .resize(crop.width, crop.height, { fit: 'fill', kernel })
    .raw()
    .toBuffer();
  const out = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const s = ((box.y + y) * crop.width + box.x) * 3;
    out.set(whole.subarray(s, s + box.width * 3), y * box.width * 3);
  }
  return out;
}

describe('the scale back resamples only the blend box, bit for bit the whole resize', () => {
  it('scaleBack equals the whole resize cut to the box (random sizes, boxes, up and down, seeded)', async () => {
    const r = rng(7);
    for (let t = 0; t < 24; t++) {
      const dst = { width: 40 + Math.floor(r() * 700), height: 40 + Math.floor(r() * 700) };
      const k = t % 2 ? 1.05 + r() * 1.2 : 0.4 + r() * 0.55;
      const crop = {
        width: Math.max(2, Math.round(dst.width * k)),
        height: Math.max(2, Math.round(dst.height * k)),
      };
      const x = Math.floor(r() * crop.width);
      const y = Math.floor(r() * crop.height);
      const box = {
        x,
        y,
        width: 1 + Math.floor(r() * (crop.width - x)),
        height: 1 + Math.floor(r() * (crop.height - y)),
      };
      const src = new Uint8Array(dst.width * dst.height * 3);
      for (let i = 0; i < src.length; i++) src[i] = Math.floor(r() * 256);
      const kernel = t % 4 < 2 ? 'lanczos3' : 'mitchell';
      const got = await scaleBack(src, dst, crop, box, kernel);
      expect(got.length).toBe(box.width * box.height * 3);
      expect(Buffer.from(got).equals(Buffer.from(await plainScaleBack(src, dst, crop, box, kernel)))).toBe(
        true,
      );
    }
  });

  it('the box scaled in row parts side by side is the box scaled whole, for 1 to 4 parts (seeded)', async () => {
    const r = rng(19);
    for (let t = 0; t < 12; t++) {
      const dst = { width: 60 + Math.floor(r() * 500), height: 60 + Math.floor(r() * 500) };
      const k = t % 2 ? 1.05 + r() * 0.8 : 0.5 + r() * 0.45;
      const crop = { width: Math.round(dst.width * k), height: Math.round(dst.height * k) };
      const y = Math.floor(r() * (crop.height / 3));
      const box = { x: Math.floor(r() * (crop.width / 3)), y, width: 0, height: crop.height - y };
      box.width = 1 + Math.floor(r() * (crop.width - box.x));
      const src = new Uint8Array(dst.width * dst.height * 3);
      for (let i = 0; i < src.length; i++) src[i] = Math.floor(r() * 256);
      const kernel = t % 4 < 2 ? 'lanczos3' : 'mitchell';
      const whole = Buffer.from(await scaleBack(src, dst, crop, box, kernel));
      for (let parts = 1; parts <= 4; parts++) {
        const cuts = rowCuts(box.height, parts);
        expect(cuts[0]).toBe(0);
        expect(cuts[parts]).toBe(box.height);
        for (let i = 1; i <= parts; i++) expect(cuts[i]!).toBeGreaterThan(cuts[i - 1]!);
        const pieces = await scaleBackInRows(src, dst, crop, box, kernel, cuts);
        expect(Buffer.concat(pieces).equals(whole), `case ${t}, ${parts} parts`).toBe(true);
      }
    }
  });

  it('cuts the box into parts only for the cores libvips leaves idle, of 64 rows at least', () => {
    const before = sharp.concurrency();
    try {
      const cores = os.availableParallelism();
      sharp.concurrency(cores);
      expect(scaleParts(5000)).toBe(1);
      sharp.concurrency(1);
      expect(scaleParts(5000)).toBe(Math.min(4, cores));
      expect(scaleParts(63)).toBe(1);
      expect(scaleParts(130)).toBe(Math.min(2, cores));
    } finally {
      sharp.concurrency(before);
    }
  });

  it(
    'the patch holds the whole scale back of the result wherever its alpha is not 0 (random photos, seeded)',
    { timeout: 120_000 },
    async () => {
      const r = rng(11);
      const cases = [
        { w: 420, h: 300, rad: 60, depth: 8 as const },
        { w: 900, h: 700, rad: 150, depth: 16 as const },
        { w: 2600, h: 1800, rad: 700, depth: 8 as const },
        { w: 2200, h: 2400, rad: 650, depth: 16 as const },
        { w: 640, h: 900, rad: 120, depth: 8 as const },
      ];
      for (const c of cases) {
        const p = photo(c.w, c.h, c.depth, r);
        const cx = c.rad + 8 + Math.floor(r() * (c.w - 2 * c.rad - 16));
        const cy = c.rad + 8 + Math.floor(r() * (c.h - 2 * c.rad - 16));
        const mask = discMask(c.w, c.h, cx, cy, c.rad);
        const plan = planRegion(mask, p);
        const api = apiDims(plan.apiSize);
        const result = await noisePng(api.width, api.height, r);
        // With one libvips thread an operation (the box scaled in parts side by side on a machine of
        // several cores) and with every core (scaled whole): the same patch.
        const before = sharp.concurrency();
        let patch: Awaited<ReturnType<typeof compositeResult>>;
        let patchAllCores: typeof patch;
        try {
          sharp.concurrency(1);
          patch = await compositeResult(p, result, mask, plan, { feather: 4, colorMatch: false });
          sharp.concurrency(os.availableParallelism());
          patchAllCores = await compositeResult(p, result, mask, plan, { feather: 4, colorMatch: false });
        } finally {
          sharp.concurrency(before);
        }
        expect(Buffer.from(patchAllCores.rgba.buffer).equals(Buffer.from(patch.rgba.buffer))).toBe(true);
        // The plain computation: the decoded result's crop part, scaled to the whole crop, the patch's box.
        const dst = cropInApi(plan);
        const part = await sharp(result)
          .extract({ left: dst.x, top: dst.y, width: dst.width, height: dst.height })
          .raw()
          .toBuffer();
        const box = { ...patch.rect, x: patch.rect.x - plan.crop.x, y: patch.rect.y - plan.crop.y };
        const kernel = plan.scale > 1 ? 'lanczos3' : 'mitchell';
        const want = await plainScaleBack(new Uint8Array(part), dst, plan.crop, box, kernel);
        const unit = c.depth === 16 ? 257 : 1;
        let bad = 0;
        let blended = 0;
        for (let i = 0; i < box.width * box.height; i++) {
          if (patch.rgba[i * 4 + 3] === 0) continue;
          blended++;
          for (let ch = 0; ch < 3; ch++) if (patch.rgba[i * 4 + ch] !== want[i * 3 + ch]! * unit) bad++;
        }
        expect(blended).toBeGreaterThan(0);
        expect(bad).toBe(0);
      }
    },
  );
});

const BAYER = new Float32Array(
  [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map((v) => (v + 0.5) / 16 - 0.5),
);

/** The field added pixel by pixel: both grid rows interpolated along x and then along y at every pixel. */
function correctOracle(inCrop: Uint8Array, dst: Rect, seam: SeamPrep): Uint8Array {
  const { area } = seam;
  const res = new Uint8Array(area.width * area.height * 3);
  for (let y = 0; y < area.height; y++) {
    const s = ((area.y + y) * dst.width + area.x) * 3;
    res.set(inCrop.subarray(s, s + area.width * 3), y * area.width * 3);
  }
  const field = seamFieldFrom(seam.sampling, res);
  if (!field) return inCrop;
  const x1 = Math.min(area.width, field.x0 + field.gw * field.cell);
  const y1 = Math.min(area.height, field.y0 + field.gh * field.cell);
  const out = inCrop.slice();
  const cols = samplePositions(field.x0, x1 - field.x0, field.x0, field.cell, field.gw);
  const rows = samplePositions(field.y0, y1 - field.y0, field.y0, field.cell, field.gh);
  const v = field.values;
  const gw = field.gw;
  for (let y = field.y0; y < y1; y++) {
    const cy = rows.lo[y - field.y0]!;
    const ty = rows.t[y - field.y0]!;
    const cy1 = cy + (field.gh > 1 ? 1 : 0);
    for (let x = field.x0; x < x1; x++) {
      const cx = cols.lo[x - field.x0]!;
      const tx = cols.t[x - field.x0]!;
      const cx1 = cx + (gw > 1 ? 1 : 0);
      const ax = area.x + x;
      const ay = area.y + y;
      const d = BAYER[(ay & 3) * 4 + (ax & 3)]!;
      const i = (ay * dst.width + ax) * 3;
      for (let c = 0; c < 3; c++) {
        const t =
          v[(cy * gw + cx) * 3 + c]! + tx * (v[(cy * gw + cx1) * 3 + c]! - v[(cy * gw + cx) * 3 + c]!);
        const b =
          v[(cy1 * gw + cx) * 3 + c]! + tx * (v[(cy1 * gw + cx1) * 3 + c]! - v[(cy1 * gw + cx) * 3 + c]!);
        const val = Math.round(inCrop[i + c]! + (t + ty * (b - t)) + d);
        out[i + c] = val < 0 ? 0 : val > 255 ? 255 : val;
      }
    }
  }
  return out;
}

describe('the seamless field is added row by row as it was pixel by pixel', () => {
  it(
    'correctInSrgb equals the per-pixel lookup for random photos, masks and drifting results (seeded)',
    { timeout: 120_000 },
    async () => {
      const r = rng(23);
      let corrected = 0;
      for (let t = 0; t < 8; t++) {
        const w = 300 + Math.floor(r() * 1800);
        const h = 300 + Math.floor(r() * 1800);
        const rad = 30 + Math.floor(r() * (Math.min(w, h) / 2 - 40));
        const p = photo(w, h, 8, r);
        const cx = rad + 4 + Math.floor(r() * (w - 2 * rad - 8));
        const cy = rad + 4 + Math.floor(r() * (h - 2 * rad - 8));
        const mask = discMask(w, h, cx, cy, rad);
        const plan = planRegion(mask, p);
        const prep = await prepareComposite(p, mask, plan, {
          feather: 1 + Math.floor(r() * 8),
          colorMatch: true,
        });
        if (!prep.seam) continue;
        const dst = cropInApi(plan);
        // A result that drifts (a ramp plus noise, clipped at both ends) so the field is far from 0.
        const inCrop = new Uint8Array(dst.width * dst.height * 3);
        const k = (r() - 0.5) * 0.3;
        for (let i = 0; i < inCrop.length; i++) {
          inCrop[i] = Math.max(0, Math.min(255, Math.round(r() * 255 + k * ((i / 3) % dst.width))));
        }
        const got = correctInSrgb(inCrop, dst, prep.seam);
        expect(Buffer.from(got).equals(Buffer.from(correctOracle(inCrop, dst, prep.seam)))).toBe(true);
        if (got !== inCrop) corrected++;
      }
      expect(corrected).toBeGreaterThan(3);
    },
  );
});
