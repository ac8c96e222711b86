/**
 * buildApiInputs and paintedAt against the code they replaced, kept here as oracles: the crop of an 8-bit RGB
 * photo is taken by sharp instead of copied in JS, the image and mask are encoded side by side, and paintedAt
 * skips unpainted rows. The image sent must stay pixel for pixel, and the mask byte for byte, what the old
 * code sent, for every photo layout (8/16 bit, RGB/RGBA, tagged or not), mask, size option and scale (down
 * and up).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ApiSize, Rect } from '../../../../shared/contract';
import { buildApiInputs, planRegion, type Mask, type Photo } from '../../../../electron/core/imaging';
import { paintedAt } from '../../../../electron/core/imaging/api-inputs';
import { extendEdges } from '../../../../electron/core/imaging/api-inputs';
import { apiDims, cropInApi, cutRegion } from '../../../../electron/core/imaging/region';
import type { RegionPlan } from '../../../../electron/core/imaging/types';
import { bufToU8, extract8, fromProfileToSrgb } from '../../../../electron/core/imaging/util';
import { pick, rng } from '../../../support/prng';

/** The paintedAt before: every row of the crop scanned pixel by pixel. */
function oraclePaintedAt(mask: Mask, crop: Rect, dw: number, dh: number): Uint8Array {
  const fp = (len: number, n: number) => {
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      start[i] = Math.floor((i * len) / n);
      end[i] = Math.max(start[i]! + 1, Math.ceil(((i + 1) * len) / n));
    }
    return { start, end };
  };
  const fx = fp(crop.width, dw);
  const fy = fp(crop.height, dh);
  const rows = new Uint8Array(crop.height * dw);
  for (let y = 0; y < crop.height; y++) {
    const s = (crop.y + y) * mask.width + crop.x;
    const line = mask.data.subarray(s, s + crop.width);
    for (let x = 0; x < dw; x++)
      for (let i = fx.start[x]!; i < fx.end[x]!; i++)
        if (line[i] !== 0) {
          rows[y * dw + x] = 1;
          break;
        }
  }
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++)
    for (let r = fy.start[y]!; r < fy.end[y]!; r++)
      for (let x = 0; x < dw; x++) if (rows[r * dw + x] !== 0) out[y * dw + x] = 1;
  return out;
}

/** The buildApiInputs before: extract8 copy, resize, extend, sRGB, PNG; then the mask, one after the other. */
async function oracleInputs(base: Photo, mask: Mask, plan: RegionPlan) {
  const { crop } = plan;
  const api = apiDims(plan.apiSize);
  const dst = cropInApi(plan);
  const padded = dst.width !== api.width || dst.height !== api.height;
  const rgb = extract8(base, crop, 3);
  const scaled = await sharp(rgb, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .resize(dst.width, dst.height, { fit: 'fill', kernel: plan.scale < 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer();
  const full = padded ? extendEdges(bufToU8(scaled), dst, api.width, api.height, 3) : bufToU8(scaled);
  // The pixels the old code encoded (it wrote them with libvips' PNG encoder; the file is now written by
  // encodePngBands, whose own tests hold it to its pixels).
  const image = await fromProfileToSrgb(full, api.width, api.height, 3, base.icc).raw().toBuffer();
  const painted = oraclePaintedAt(mask, crop, dst.width, dst.height);
  const rgba = new Uint8Array(api.width * api.height * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (let y = 0; y < dst.height; y++) {
    let o = ((dst.y + y) * api.width + dst.x) * 4 + 3;
    for (let x = 0; x < dst.width; x++, o += 4) if (painted[y * dst.width + x]) rgba[o] = 0;
  }
  const maskPng = await sharp(rgba, { raw: { width: api.width, height: api.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { pixels: bufToU8(image), mask: bufToU8(maskPng) };
}

/** Whether a PNG decodes to exactly `pixels`: 8-bit RGB at the plan's API size. */
async function samePixels(png: Uint8Array, pixels: Uint8Array, plan: RegionPlan): Promise<boolean> {
  const api = apiDims(plan.apiSize);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return (
    info.width === api.width &&
    info.height === api.height &&
    info.channels === 3 &&
    Buffer.from(data).equals(Buffer.from(pixels))
  );
}

function randomMask(w: number, h: number, r: () => number): Mask {
  const data = new Uint8Array(w * h);
  const kind = Math.floor(r() * 4);
  if (kind === 0) data[Math.floor(r() * h) * w + Math.floor(r() * w)] = 1 + Math.floor(r() * 255);
  else if (kind === 1) data.fill(255);
  else {
    for (let k = 0; k < 1 + r() * 3; k++) {
      const cx = r() * w;
      const cy = r() * h;
      const rad = 1 + r() * Math.min(w, h) * 0.3;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (Math.hypot(x - cx, y - cy) < rad) data[y * w + x] = kind === 2 ? 255 : 128;
    }
  }
  return { width: w, height: h, data };
}

/** Each pixel painted with a probability that itself varies by row: from single specks to near solid. */
function speckledMask(w: number, h: number, r: () => number): Mask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const p = r();
    for (let x = 0; x < w; x++) if (r() < p) data[y * w + x] = 1 + Math.floor(r() * 255);
  }
  return { width: w, height: h, data };
}

function randomPhoto(
  w: number,
  h: number,
  r: () => number,
  depth: 8 | 16,
  channels: 3 | 4,
  icc: Uint8Array | null,
): Photo {
  const n = w * h * channels;
  const pixels = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  const max = depth === 8 ? 255 : 65535;
  // Smooth gradients plus noise: resampling differences would show.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++)
        pixels[(y * w + x) * channels + c] = Math.min(
          max,
          Math.floor((((x * (c + 1) + y * 3) % 256) / 255) * max * 0.8 + r() * max * 0.2),
        );
  return { width: w, height: h, channels, depth, pixels, icc, exif: null, format: 'png' };
}

describe('buildApiInputs', () => {
  it('sends the pixels and the mask the copy-then-resize code sent, over random photos, masks and sizes', async () => {
    const p3 = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
      .withIccProfile('p3')
      .png()
      .toBuffer()
      .then((b) => sharp(b).metadata())
      .then((m) => new Uint8Array(m.icc!));
    const r = rng(2024);
    const sizes: (ApiSize | 'auto')[] = ['auto', '1024x1024', '1536x1024', '1024x1536'];
    for (let t = 0; t < 18; t++) {
      // Small photos (upscaled to the API size) and larger ones (downscaled), panoramas and strips.
      const big = t % 3 === 0;
      const w = big ? 1100 + Math.floor(r() * 900) : 20 + Math.floor(r() * 600);
      const h = big
        ? 900 + Math.floor(r() * 600)
        : t % 5 === 0
          ? 3 + Math.floor(r() * 20)
          : 20 + Math.floor(r() * 500);
      const depth = t % 4 === 1 ? 16 : 8;
      const channels = t % 4 === 2 ? 4 : 3;
      const base = randomPhoto(w, h, r, depth, channels, t % 6 === 5 ? p3 : null);
      const mask = randomMask(w, h, r);
      const plan = planRegion(mask, base, { size: pick(r, sizes) });
      const got = await buildApiInputs(base, mask, plan);
      const want = await oracleInputs(base, mask, plan);
      const what = `${w}x${h} ${depth}-bit ${channels}ch ${plan.apiSize} scale ${plan.scale.toFixed(3)}`;
      expect(await samePixels(got.image, want.pixels, plan), `image ${what}`).toBe(true);
      expect(Buffer.from(got.mask).equals(Buffer.from(want.mask)), `mask ${what}`).toBe(true);
    }
  }, 120_000);
});

describe('buildApiInputs from a region', () => {
  it('sends the same pixels and mask from any region holding the crop as the oracle does from the whole photo', async () => {
    const r = rng(4711);
    const sizes: (ApiSize | 'auto')[] = ['auto', '1024x1024', '1536x1024', '1024x1536'];
    for (let t = 0; t < 16; t++) {
      const w = 20 + Math.floor(r() * (t % 4 === 0 ? 1800 : 500));
      const h = t % 5 === 0 ? 3 + Math.floor(r() * 20) : 20 + Math.floor(r() * 700);
      const depth = t % 4 === 1 ? 16 : 8;
      const channels = t % 3 === 2 ? 4 : 3;
      const base = randomPhoto(w, h, r, depth, channels, null);
      const mask = randomMask(w, h, r);
      const plan = planRegion(mask, base, { size: pick(r, sizes) });
      const { crop } = plan;
      // The crop exactly, or with a random margin (clamped to the photo) on each side.
      const m = () => (t % 2 === 0 ? 0 : Math.floor(r() * 40));
      const x0 = Math.max(0, crop.x - m());
      const y0 = Math.max(0, crop.y - m());
      const x1 = Math.min(w, crop.x + crop.width + m());
      const y1 = Math.min(h, crop.y + crop.height + m());
      const region = cutRegion(base, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
      const got = await buildApiInputs(region, mask, plan);
      const want = await oracleInputs(base, mask, plan);
      const what = `${w}x${h} ${depth}-bit ${channels}ch region ${JSON.stringify(region.rect)} crop ${JSON.stringify(crop)}`;
      expect(await samePixels(got.image, want.pixels, plan), `image ${what}`).toBe(true);
      expect(Buffer.from(got.mask).equals(Buffer.from(want.mask)), `mask ${what}`).toBe(true);
    }
  }, 120_000);

  it('refuses a region that does not hold the crop', async () => {
    const base = randomPhoto(60, 40, rng(1), 8, 3, null);
    const mask = randomMask(60, 40, rng(2));
    mask.data.fill(0);
    mask.data[20 * 60 + 30] = 255;
    const plan = planRegion(mask, base, { size: '1024x1024' });
    const short = cutRegion(base, { x: 0, y: 0, width: 59, height: 40 });
    await expect(buildApiInputs(short, mask, plan)).rejects.toThrow(/does not hold/);
  });
});

describe('paintedAt', () => {
  it('equals the row-by-row scan on random masks, crops and output sizes (down and up)', () => {
    const r = rng(99);
    for (let t = 0; t < 300; t++) {
      const w = 1 + Math.floor(r() * 120);
      const h = 1 + Math.floor(r() * 90);
      // Empty, speckled (many runs a row, single pixels and gaps among them) or shapes.
      const mask =
        t % 7 === 0
          ? { width: w, height: h, data: new Uint8Array(w * h) }
          : t % 7 === 1
            ? speckledMask(w, h, r)
            : randomMask(w, h, r);
      const cw = 1 + Math.floor(r() * w);
      const ch = 1 + Math.floor(r() * h);
      const crop = {
        x: Math.floor(r() * (w - cw + 1)),
        y: Math.floor(r() * (h - ch + 1)),
        width: cw,
        height: ch,
      };
      const dw = 1 + Math.floor(r() * 2 * cw);
      const dh = 1 + Math.floor(r() * 2 * ch);
      expect(paintedAt(mask, crop, dw, dh), `${w}x${h} crop ${JSON.stringify(crop)} -> ${dw}x${dh}`).toEqual(
        oraclePaintedAt(mask, crop, dw, dh),
      );
    }
  });
});
