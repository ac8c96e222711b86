/**
 * Property tests of the geometry that maps a mask on a photo to the two API inputs and the result back:
 * random photo sizes (1x1 to 100 MP, panoramas, strips), random masks, every size option. The expected
 * geometry is derived from the plan alone (the frame scaled uniformly by plan.scale), not from the code
 * under test.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ApiSize } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import {
  applyPatches,
  buildApiInputs,
  compositeResult,
  planRegion,
  type Mask,
  type Photo,
} from '../../../../electron/core/imaging';
import { apiDims, cropInApi } from '../../../../electron/core/imaging/region';
import type { RegionPlan } from '../../../../electron/core/imaging/types';
import { rng as prng } from '../../../support/prng';

type MaskKind = 'box' | 'ellipse' | 'pixel' | 'edges' | 'border' | 'whole';
const KINDS: MaskKind[] = ['box', 'ellipse', 'pixel', 'edges', 'border', 'whole'];
const OPTIONS: (ApiSize | 'auto')[] = ['auto', '1024x1024', '1536x1024', '1024x1536'];

function makeMask(kind: MaskKind, w: number, h: number, rnd: () => number): Mask {
  const data = new Uint8Array(w * h);
  const int = (n: number) => Math.floor(rnd() * n);
  const box = (x0: number, y0: number, bw: number, bh: number) => {
    for (let y = y0; y < y0 + bh; y++) data.fill(255, y * w + x0, y * w + x0 + bw);
  };
  switch (kind) {
    case 'whole':
      data.fill(255);
      break;
    case 'pixel':
      data[int(h) * w + int(w)] = 1 + int(255); // one pixel, any strength
      break;
    case 'box': {
      const bw = 1 + int(w);
      const bh = 1 + int(h);
      box(int(w - bw + 1), int(h - bh + 1), bw, bh);
      break;
    }
    case 'edges': {
      // A box glued to one or two sides of the photo.
      const bw = 1 + int(w);
      const bh = 1 + int(h);
      box(rnd() < 0.5 ? 0 : w - bw, rnd() < 0.5 ? 0 : h - bh, bw, bh);
      break;
    }
    case 'border': {
      // A thin stroke along every edge: its box is the whole photo.
      const t = 1 + int(3);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (x < t || y < t || x >= w - t || y >= h - t) data[y * w + x] = 255;
      break;
    }
    case 'ellipse': {
      const cx = rnd() * w;
      const cy = rnd() * h;
      const rx = 0.5 + rnd() * w * 0.4;
      const ry = 0.5 + rnd() * h * 0.4;
      const x0 = Math.max(0, Math.floor(cx - rx - 2));
      const x1 = Math.min(w, Math.ceil(cx + rx + 2));
      const y0 = Math.max(0, Math.floor(cy - ry - 2));
      const y1 = Math.min(h, Math.ceil(cy + ry + 2));
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const d = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry);
          // Soft edge: values between 1 and 254 count as painted too.
          if (d <= 1) data[y * w + x] = 255;
          else if (d < 1.15) data[y * w + x] = Math.round((255 * (1.15 - d)) / 0.15);
        }
      if (!data.some((v) => v !== 0))
        data[Math.min(h - 1, Math.floor(cy)) * w + Math.min(w - 1, Math.floor(cx))] = 255;
      break;
    }
  }
  return { width: w, height: h, data };
}

/**
 * A smooth pattern whose period is at least 96 API pixels and 16 photo pixels, so a resampled value can be
 * checked against the photo's neighbourhood. 16-bit photos get low bits that 8-bit conversion drops.
 */
function makePhoto(w: number, h: number, depth: 8 | 16, scale: number): Photo {
  const period = Math.max(16, 96 / scale);
  const gx = new Uint8Array(w);
  const gy = new Uint8Array(h);
  for (let x = 0; x < w; x++) gx[x] = Math.round(128 + 100 * Math.sin((2 * Math.PI * x) / period));
  for (let y = 0; y < h; y++) gy[y] = Math.round(128 + 100 * Math.sin((2 * Math.PI * y) / period + 1));
  const n = w * h * 3;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  let i = 0;
  for (let y = 0; y < h; y++) {
    const b = gy[y]!;
    for (let x = 0; x < w; x++, i += 3) {
      const a = gx[x]!;
      const c = (a + b) >> 1;
      if (depth === 16) {
        const lo = (x * 31 + y * 17) % 128;
        pixels[i] = a * 257 + lo;
        pixels[i + 1] = b * 257 + lo;
        pixels[i + 2] = c * 257 + lo;
      } else {
        pixels[i] = a;
        pixels[i + 1] = b;
        pixels[i + 2] = c;
      }
    }
  }
  return { width: w, height: h, channels: 3, depth, pixels, icc: null, exif: null, format: 'png' };
}

/** Summed-area table of a predicate over a w x h grid; count(x0, y0, x1, y1) over [x0,x1) x [y0,y1). */
function sat(w: number, h: number, on: (i: number) => boolean) {
  const t = new Uint32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      if (on(y * w + x)) row++;
      t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1]! + row;
    }
  }
  return (x0: number, y0: number, x1: number, y1: number): number => {
    x0 = Math.max(0, Math.min(w, x0));
    x1 = Math.max(0, Math.min(w, x1));
    y0 = Math.max(0, Math.min(h, y0));
    y1 = Math.max(0, Math.min(h, y1));
    if (x1 <= x0 || y1 <= y0) return 0;
    const W = w + 1;
    return t[y1 * W + x1]! - t[y0 * W + x1]! - t[y1 * W + x0]! + t[y0 * W + x0]!;
  };
}

const value8 = (p: Photo, x: number, y: number, c: number): number => {
  const v = p.pixels[(y * p.width + x) * 3 + c]!;
  return p.depth === 16 ? Math.round(v / 257) : v;
};

/** Channel c of the photo at a fractional point, bilinear, the point clamped to `r`. */
function bilinear(
  p: Photo,
  r: { x: number; y: number; width: number; height: number },
  u: number,
  v: number,
  c: number,
): number {
  const cu = Math.min(r.x + r.width - 1, Math.max(r.x, u));
  const cv = Math.min(r.y + r.height - 1, Math.max(r.y, v));
  const x0 = Math.floor(cu);
  const y0 = Math.floor(cv);
  const x1 = Math.min(r.x + r.width - 1, x0 + 1);
  const y1 = Math.min(r.y + r.height - 1, y0 + 1);
  const fx = cu - x0;
  const fy = cv - y0;
  const top = value8(p, x0, y0, c) * (1 - fx) + value8(p, x1, y0, c) * fx;
  const bottom = value8(p, x0, y1, c) * (1 - fx) + value8(p, x1, y1, c) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Largest differences seen (printed once, to show how much room the tolerances leave). */
const stats = { sent: 0, back: 0 };
const SENT_TOLERANCE = 8;
const BACK_TOLERANCE = 7;

async function checkCase(
  photo: Photo,
  mask: Mask,
  plan: RegionPlan,
  rnd: () => number,
  label: string,
): Promise<void> {
  const api = apiDims(plan.apiSize);
  const { crop, pad, scale } = plan;
  const inputs = await buildApiInputs(photo, mask, plan);

  // 1. Exactly the API size, image and mask alike.
  const img = await sharp(inputs.image).raw().toBuffer({ resolveWithObject: true });
  const msk = await sharp(inputs.mask).raw().toBuffer({ resolveWithObject: true });
  expect([img.info.width, img.info.height, img.info.channels], label).toEqual([api.width, api.height, 3]);
  expect([msk.info.width, msk.info.height, msk.info.channels], label).toEqual([api.width, api.height, 4]);
  const alpha = (x: number, y: number) => msk.data[(y * api.width + x) * 4 + 3]!;

  // 2. The crop's place in the API image is the frame's uniform scale, rounded by at most half a pixel
  // (a photo side thinner than one API pixel gets exactly one).
  const dst = cropInApi(plan);
  const ex = { x0: pad.left * scale, x1: (pad.left + crop.width) * scale };
  const ey = { y0: pad.top * scale, y1: (pad.top + crop.height) * scale };
  const slackX = crop.width * scale < 1 ? 1 : 0.5;
  const slackY = crop.height * scale < 1 ? 1 : 0.5;
  expect(Math.abs(dst.x - ex.x0), label).toBeLessThanOrEqual(slackX + 1e-9);
  expect(Math.abs(dst.x + dst.width - ex.x1), label).toBeLessThanOrEqual(slackX + 1e-9);
  expect(Math.abs(dst.y - ey.y0), label).toBeLessThanOrEqual(slackY + 1e-9);
  expect(Math.abs(dst.y + dst.height - ey.y1), label).toBeLessThanOrEqual(slackY + 1e-9);
  expect(dst.x >= 0 && dst.y >= 0 && dst.x + dst.width <= api.width && dst.y + dst.height <= api.height).toBe(
    true,
  );

  // 3. The mask: alpha is 0 or 255; 255 on all padding; 0 only near painted photo pixels, 0 wherever the
  // photo is painted all around, and no painted pixel vanishes. Photo x of API x: (ax / scale) - pad + crop.
  const painted = sat(crop.width, crop.height, (i) => {
    const y = Math.floor(i / crop.width);
    return mask.data[(crop.y + y) * photo.width + crop.x + (i - y * crop.width)] !== 0;
  });
  const toCropX = (ax: number) => ax / scale - pad.left;
  const toCropY = (ay: number) => ay / scale - pad.top;
  let bad = 0;
  for (let ay = 0; ay < api.height; ay++) {
    for (let ax = 0; ax < api.width; ax++) {
      const a = alpha(ax, ay);
      if (a !== 0 && a !== 255) bad++;
      const inside = ax >= dst.x && ax < dst.x + dst.width && ay >= dst.y && ay < dst.y + dst.height;
      if (!inside) {
        if (a !== 255) bad++;
        continue;
      }
      // Footprint grown by one API pixel on each side, in crop pixels.
      const gx0 = Math.floor(toCropX(ax - 1));
      const gx1 = Math.ceil(toCropX(ax + 2));
      const gy0 = Math.floor(toCropY(ay - 1));
      const gy1 = Math.ceil(toCropY(ay + 2));
      const near = painted(gx0, gy0, gx1, gy1);
      if (a === 0 && near === 0) bad++;
      const cells =
        (Math.min(crop.width, gx1) - Math.max(0, gx0)) * (Math.min(crop.height, gy1) - Math.max(0, gy0));
      if (a === 255 && cells > 0 && near === cells) bad++;
    }
  }
  expect(bad, `${label}: mask pixels off the geometry`).toBe(0);
  const change = sat(api.width, api.height, (i) => msk.data[i * 4 + 3] === 0);
  let lost = 0;
  for (let y = 0; y < crop.height; y++)
    for (let x = 0; x < crop.width; x++) {
      if (mask.data[(crop.y + y) * photo.width + crop.x + x] === 0) continue;
      const ax = Math.floor((x + pad.left + 0.5) * scale);
      const ay = Math.floor((y + pad.top + 0.5) * scale);
      if (change(ax - 1, ay - 1, ax + 2, ay + 2) === 0) lost++;
    }
  expect(lost, `${label}: painted photo pixels missing from the API mask`).toBe(0);

  // 4. The image: padding repeats the crop's nearest edge pixel; inside, the value at an API pixel lies
  // within the photo's values around the point it maps to.
  let padBad = 0;
  for (let ay = 0; ay < api.height; ay++) {
    const sy = Math.min(dst.y + dst.height - 1, Math.max(dst.y, ay));
    for (let ax = 0; ax < api.width; ax++) {
      const sx = Math.min(dst.x + dst.width - 1, Math.max(dst.x, ax));
      if (sx === ax && sy === ay) continue;
      const o = (ay * api.width + ax) * 3;
      const s = (sy * api.width + sx) * 3;
      if (
        img.data[o] !== img.data[s] ||
        img.data[o + 1] !== img.data[s + 1] ||
        img.data[o + 2] !== img.data[s + 2]
      )
        padBad++;
    }
  }
  expect(padBad, `${label}: padding that is not an edge copy`).toBe(0);
  // The crop scaled onto dst: photo point of an API pixel's centre, compared with the photo there.
  const kx = crop.width / dst.width;
  const ky = crop.height / dst.height;
  let worstIn = 0;
  for (let k = 0; k < 400; k++) {
    const ax = dst.x + Math.floor(rnd() * dst.width);
    const ay = dst.y + Math.floor(rnd() * dst.height);
    const u = crop.x + (ax - dst.x + 0.5) * kx - 0.5;
    const v = crop.y + (ay - dst.y + 0.5) * ky - 0.5;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(img.data[(ay * api.width + ax) * 3 + c]! - bilinear(photo, crop, u, v, c));
      if (d > worstIn) worstIn = d;
    }
  }
  stats.sent = Math.max(stats.sent, worstIn);
  expect(worstIn, `${label}: sent image differs from the photo crop scaled`).toBeLessThanOrEqual(
    SENT_TOLERANCE,
  );

  // 5. Back: a model that returns the sent image unchanged. The patch lies inside the crop, pixels the
  // feathered mask leaves at 0 are bit-identical, and where the patch is opaque it shows the photo again.
  const feather = Math.floor(rnd() * 7);
  const colorMatch = rnd() < 0.5;
  const patch = await compositeResult(photo, inputs.image, mask, plan, { feather, colorMatch });
  const r = patch.rect;
  expect(r.x >= crop.x && r.y >= crop.y, label).toBe(true);
  expect(r.x + r.width <= crop.x + crop.width && r.y + r.height <= crop.y + crop.height, label).toBe(true);
  expect(patch.depth).toBe(photo.depth);
  const out = applyPatches(photo, [patch]);
  const max = photo.depth === 16 ? 65535 : 255;
  let changedOutside = 0;
  let paintedUnblended = 0;
  for (let y = 0; y < photo.height; y++)
    for (let x = 0; x < photo.width; x++) {
      const inRect = x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
      const a = inRect ? patch.rgba[((y - r.y) * r.width + (x - r.x)) * 4 + 3]! : 0;
      const i = (y * photo.width + x) * 3;
      if (a === 0) {
        if (
          out.pixels[i] !== photo.pixels[i] ||
          out.pixels[i + 1] !== photo.pixels[i + 1] ||
          out.pixels[i + 2] !== photo.pixels[i + 2]
        )
          changedOutside++;
        if (mask.data[y * photo.width + x] !== 0) paintedUnblended++;
      }
    }
  expect(changedOutside, `${label}: pixels outside the feathered mask changed`).toBe(0);
  expect(paintedUnblended, `${label}: painted pixels left out of the patch`).toBe(0);
  if (!colorMatch) {
    let worstBack = 0;
    for (let k = 0; k < 400; k++) {
      const x = r.x + Math.floor(rnd() * r.width);
      const y = r.y + Math.floor(rnd() * r.height);
      const o = ((y - r.y) * r.width + (x - r.x)) * 4;
      if (patch.rgba[o + 3] !== max) continue;
      for (let c = 0; c < 3; c++) {
        const got = photo.depth === 16 ? Math.round(patch.rgba[o + c]! / 257) : patch.rgba[o + c]!;
        const d = Math.abs(got - value8(photo, x, y, c));
        if (d > worstBack) worstBack = d;
      }
    }
    stats.back = Math.max(stats.back, worstBack);
    expect(worstBack, `${label}: the result mapped back is not the photo again`).toBeLessThanOrEqual(
      BACK_TOLERANCE,
    );
  }
}

describe('API input geometry (property)', () => {
  it('every photo size, mask and size option gives API-size inputs that map back exactly', async () => {
    const rnd = prng(20240611);
    const sizes: [number, number][] = [
      [1, 1],
      [2, 1],
      [1, 2],
      [200, 150],
      [640, 427],
      [12000, 400],
      [300, 2400],
      [20000, 200],
      [4000, 1],
    ];
    for (let i = 0; i < 8; i++) {
      // Log-uniform sides from 1 to ~3000 px.
      sizes.push([
        Math.max(1, Math.round(Math.exp(rnd() * 8))),
        Math.max(1, Math.round(Math.exp(rnd() * 8))),
      ]);
    }
    let cases = 0;
    for (const [w, h] of sizes) {
      for (let j = 0; j < OPTIONS.length; j++) {
        const kind: MaskKind = j === 0 ? 'whole' : KINDS[Math.floor(rnd() * KINDS.length)]!;
        const mask = makeMask(kind, w, h, rnd);
        const plan = planRegion(mask, { width: w, height: h }, { size: OPTIONS[j] });
        const depth = rnd() < 0.3 ? 16 : 8;
        const photo = makePhoto(w, h, depth, plan.scale);
        await checkCase(photo, mask, plan, rnd, `${w}x${h} ${kind} ${OPTIONS[j]} ${depth}-bit`);
        cases++;
      }
    }
    expect(cases).toBe(sizes.length * OPTIONS.length);
    console.log(`largest difference: sent ${stats.sent.toFixed(1)}, back ${stats.back.toFixed(1)}`);
  }, 120_000);

  it('a 100 MP photo (12000x8400) with an ellipse mask', async () => {
    const rnd = prng(99);
    const w = 12000;
    const h = 8400;
    const mask: Mask = { width: w, height: h, data: new Uint8Array(w * h) };
    const cx = 7000;
    const cy = 3000;
    for (let y = cy - 900; y <= cy + 900; y++)
      for (let x = cx - 1400; x <= cx + 1400; x++)
        if (((x - cx) / 1400) ** 2 + ((y - cy) / 900) ** 2 <= 1) mask.data[y * w + x] = 255;
    const plan = planRegion(mask, { width: w, height: h });
    const photo = makePhoto(w, h, 8, plan.scale);
    await checkCase(photo, mask, plan, rnd, '12000x8400 ellipse');
  }, 60_000);
});

describe('results the geometry cannot take back', () => {
  const photo = makePhoto(640, 427, 8, 1);
  const mask: Mask = { width: 640, height: 427, data: new Uint8Array(640 * 427) };
  for (let y = 100; y < 300; y++) mask.data.fill(255, y * 640 + 200, y * 640 + 400);
  const plan = planRegion(mask, photo, { size: '1536x1024' });
  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
      .then((b) => new Uint8Array(b));
  const refusal = async (w: number, h: number): Promise<AppError | null> => {
    try {
      await compositeResult(photo, await png(w, h), mask, plan, { feather: 2, colorMatch: false });
      return null;
    } catch (e) {
      return e as AppError;
    }
  };

  it('refuses a result smaller than half the requested size on either side, in one sentence', async () => {
    for (const [w, h] of [
      [8, 8],
      [767, 512],
      [768, 511],
      [96, 64],
    ] as const) {
      const e = await refusal(w, h);
      expect(e, `${w}x${h}`).toBeInstanceOf(AppError);
      expect(e?.code).toBe('bad-response');
      expect(e?.message).toBe(
        `The edit service returned an image of ${w}x${h} pixels, too small for the 1536x1024 that was asked for; run the edit again.`,
      );
    }
    // Half the size exactly, same aspect: taken back.
    expect(await refusal(768, 512)).toBeNull();
  });

  it('refuses another aspect, and takes a nearly-same aspect back by a uniform scale (never stretched)', async () => {
    const other = await refusal(1536, 1000);
    expect(other?.code).toBe('bad-response');
    expect(other?.message).toBe(
      'The edit service returned an image of 1536x1000 pixels for a 1536x1024 request; run the edit again.',
    );
    // The sent image with 3 extra rows above and below (under 1% off the aspect): a uniform mapping
    // takes back exactly the sent rows; stretching 1030 rows onto 1024 would shift them by up to 3.
    const inputs = await buildApiInputs(photo, mask, plan);
    const sent = await sharp(inputs.image).raw().toBuffer();
    const taller = await sharp(sent, { raw: { width: 1536, height: 1024, channels: 3 } })
      .extend({ top: 3, bottom: 3, background: '#ff00ff' })
      .png()
      .toBuffer();
    const exact = await compositeResult(photo, inputs.image, mask, plan, { feather: 0, colorMatch: false });
    const fromTaller = await compositeResult(photo, new Uint8Array(taller), mask, plan, {
      feather: 0,
      colorMatch: false,
    });
    expect(fromTaller.rect).toEqual(exact.rect);
    expect(Buffer.from(fromTaller.rgba.buffer).equals(Buffer.from(exact.rgba.buffer))).toBe(true);
  });
});
