import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  featherMask,
  growMask,
  invertMask,
  maskBounds,
  maskFromFile,
  maskFromPayload,
  planRegion,
  shrinkMask,
} from '../../../../electron/core/imaging';
import { frameSize } from '../../../../electron/core/imaging/region';
import type { AppError } from '../../../../shared/errors';
import { discMask, rectMask } from './helpers';

describe('masks', () => {
  it('reads raw bytes, RGBA (alpha) and PNG/file masks (white = change, soft values kept)', async () => {
    const m = discMask(64, 48, 30, 20, 10);
    expect(
      (await maskFromPayload({ kind: 'raw', width: 64, height: 48, data: new Uint8Array(m.data) }, 64, 48))
        .data,
    ).toEqual(m.data);
    const rgba = new Uint8Array(64 * 48 * 4);
    m.data.forEach((v, i) => (rgba[i * 4 + 3] = v));
    expect((await maskFromPayload({ kind: 'raw', width: 64, height: 48, data: rgba }, 64, 48)).data).toEqual(
      m.data,
    );
    const png = new Uint8Array(
      await sharp(m.data, { raw: { width: 64, height: 48, channels: 1 } })
        .png()
        .toBuffer(),
    );
    expect((await maskFromPayload({ kind: 'png', data: png }, 64, 48)).data).toEqual(m.data);
    // White strokes on a transparent canvas read the same as white on black.
    const canvas = new Uint8Array(64 * 48 * 4);
    m.data.forEach((v, i) => canvas.set([255, 255, 255, v], i * 4));
    const canvasPng = new Uint8Array(
      await sharp(canvas, { raw: { width: 64, height: 48, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const fromCanvas = await maskFromFile(canvasPng, 64, 48);
    for (let i = 0; i < m.data.length; i++)
      expect(Math.abs(fromCanvas.data[i]! - m.data[i]!)).toBeLessThanOrEqual(1);
  });

  it('refuses a mask of another size or length, and unreadable mask files', async () => {
    const bad = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as AppError).code;
    expect(
      await bad(maskFromPayload({ kind: 'raw', width: 10, height: 10, data: new Uint8Array(100) }, 20, 10)),
    ).toBe('invalid-input');
    expect(
      await bad(maskFromPayload({ kind: 'raw', width: 10, height: 10, data: new Uint8Array(99) }, 10, 10)),
    ).toBe('invalid-input');
    const png = new Uint8Array(
      await sharp({ create: { width: 10, height: 12, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    expect(await bad(maskFromFile(png, 10, 10))).toBe('invalid-input');
    expect(await bad(maskFromFile(new TextEncoder().encode('nope'), 10, 10))).toBe('unsupported-image');
    // Far larger (or smaller) than the photo: named as a size mismatch, whatever the ratio.
    for (const [w, h] of [
      [50, 50],
      [10, 400],
      [1, 1],
    ] as const) {
      const other = new Uint8Array(
        await sharp({ create: { width: w, height: h, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      );
      const e = (await maskFromFile(other, 10, 10).catch((x: unknown) => x)) as AppError;
      expect(e.code).toBe('invalid-input');
      expect(e.message).toBe(
        `The mask is ${w}x${h} but the photo is 10x10; paint the mask on this photo again.`,
      );
    }
  });

  it('grows, shrinks, inverts and feathers', () => {
    const m = rectMask(100, 80, 40, 30, 20, 10);
    expect(maskBounds(m)).toEqual({ x: 40, y: 30, width: 20, height: 10 });
    expect(maskBounds(growMask(m, 5))).toEqual({ x: 35, y: 25, width: 30, height: 20 });
    expect(maskBounds(shrinkMask(m, 3))).toEqual({ x: 43, y: 33, width: 14, height: 4 });
    expect(maskBounds(shrinkMask(m, 5))).toBeNull();
    // Shrinking does not pull a mask away from the photo's border.
    expect(maskBounds(shrinkMask(rectMask(100, 80, 0, 0, 30, 30), 4))).toEqual({
      x: 0,
      y: 0,
      width: 26,
      height: 26,
    });
    // Grow near the border stays inside.
    expect(maskBounds(growMask(rectMask(100, 80, 0, 0, 10, 10), 8))).toEqual({
      x: 0,
      y: 0,
      width: 18,
      height: 18,
    });
    const inv = invertMask(m);
    expect(inv.data[0]).toBe(255);
    expect(inv.data[35 * 100 + 45]).toBe(0);
    const f = featherMask(m, 6);
    const fb = maskBounds(f)!;
    expect(fb.x).toBeLessThan(40);
    expect(fb.x).toBeGreaterThan(40 - 12);
    // Soft ramp across the left edge, monotonic, full strength deep inside a bigger mask.
    const row = 35 * 100;
    for (let x = fb.x; x < 45; x++) expect(f.data[row + x + 1]!).toBeGreaterThanOrEqual(f.data[row + x]!);
    const big = featherMask(rectMask(100, 80, 20, 20, 60, 40), 4);
    expect(big.data[40 * 100 + 50]).toBe(255);
    expect(big.data[0]).toBe(0);
    // A large radius on a big mask: the round element reaches r along the axes, r/√2 along the diagonal.
    const huge = growMask(rectMask(2000, 1500, 500, 500, 800, 400), 150);
    expect(maskBounds(huge)).toEqual({ x: 350, y: 350, width: 1100, height: 700 });
    expect(huge.data[(500 - 107) * 2000 + 500 - 107]).toBe(0);
    expect(huge.data[(500 - 105) * 2000 + 500 - 105]).toBe(255);
  });
});

describe('planRegion', () => {
  const sizes = { '1024x1024': [1024, 1024], '1536x1024': [1536, 1024], '1024x1536': [1024, 1536] } as const;

  function check(plan: ReturnType<typeof planRegion>, photo: { width: number; height: number }) {
    const f = frameSize(plan);
    const [aw, ah] = sizes[plan.apiSize];
    // Exactly the API aspect: one uniform scale maps the frame onto the API image.
    expect(f.width * ah).toBe(f.height * aw);
    expect(plan.scale).toBeCloseTo(aw / f.width, 12);
    expect(plan.scale).toBeCloseTo(ah / f.height, 12);
    const c = plan.crop;
    expect(c.x).toBeGreaterThanOrEqual(0);
    expect(c.y).toBeGreaterThanOrEqual(0);
    expect(c.x + c.width).toBeLessThanOrEqual(photo.width);
    expect(c.y + c.height).toBeLessThanOrEqual(photo.height);
    for (const v of Object.values(plan.pad)) expect(v).toBeGreaterThanOrEqual(0);
    // Padding only on an axis where the frame is bigger than the photo.
    if (plan.pad.left + plan.pad.right > 0) expect(c.width).toBe(photo.width);
    if (plan.pad.top + plan.pad.bottom > 0) expect(c.height).toBe(photo.height);
  }

  it('refuses an empty mask with the agreed message', () => {
    const err = (() => {
      try {
        planRegion(rectMask(10, 10, 0, 0, 0, 0), { width: 10, height: 10 });
      } catch (e) {
        return e as AppError;
      }
      return null;
    })();
    expect(err?.code).toBe('invalid-input');
    expect(err?.message).toBe('Paint over the area to change first.');
  });

  it('picks the aspect that fits, keeps the mask and its context, stays inside the photo', () => {
    const photo = { width: 6000, height: 4000 };
    const wide = planRegion(rectMask(6000, 4000, 2000, 1500, 1200, 500), photo);
    expect(wide.apiSize).toBe('1536x1024');
    check(wide, photo);
    const c = wide.crop;
    expect(c.x).toBeLessThanOrEqual(2000 - 64);
    expect(c.x + c.width).toBeGreaterThanOrEqual(3200 + 64);
    const tall = planRegion(rectMask(6000, 4000, 100, 100, 200, 600), photo);
    expect(tall.apiSize).toBe('1024x1536');
    check(tall, photo);
    const square = planRegion(rectMask(6000, 4000, 5800, 3800, 190, 190), photo); // at a corner
    expect(square.apiSize).toBe('1024x1024');
    check(square, photo);
    expect(square.pad).toEqual({ left: 0, right: 0, top: 0, bottom: 0 });
    // A small region is scaled up, never stretched.
    expect(square.scale).toBeGreaterThan(1);
  });

  it('pads instead of stretching when the mask covers most of the photo', () => {
    const photo = { width: 3000, height: 1000 }; // 3:1, no API aspect fits
    const plan = planRegion(rectMask(3000, 1000, 10, 10, 2980, 980), photo);
    expect(plan.apiSize).toBe('1536x1024');
    check(plan, photo);
    expect(plan.crop).toEqual({ x: 0, y: 0, width: 3000, height: 1000 });
    expect(plan.pad.top + plan.pad.bottom).toBe(1000);
    const forced = planRegion(rectMask(3000, 1000, 10, 10, 2980, 980), photo, { size: '1024x1536' });
    check(forced, photo);
  });

  it('honours a margin setting and a fixed size, on random masks', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 40; i++) {
      const photo = { width: 200 + Math.floor(rnd() * 3000), height: 200 + Math.floor(rnd() * 3000) };
      const w = 1 + Math.floor(rnd() * (photo.width - 1));
      const h = 1 + Math.floor(rnd() * (photo.height - 1));
      const x = Math.floor(rnd() * (photo.width - w));
      const y = Math.floor(rnd() * (photo.height - h));
      const m = rectMask(photo.width, photo.height, x, y, w, h);
      const plan = planRegion(m, photo, {
        margin: Math.floor(rnd() * 200),
        size: i % 4 === 0 ? '1024x1536' : 'auto',
      });
      check(plan, photo);
      expect(plan.crop.x).toBeLessThanOrEqual(x);
      expect(plan.crop.y).toBeLessThanOrEqual(y);
      expect(plan.crop.x + plan.crop.width).toBeGreaterThanOrEqual(x + w);
      expect(plan.crop.y + plan.crop.height).toBeGreaterThanOrEqual(y + h);
    }
  });
});
