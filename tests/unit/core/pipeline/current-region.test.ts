/**
 * ProjectSession.currentRegion: the current image inside a rectangle, made without the whole frame (the
 * original decoded in the rectangle only, the layers reaching into it applied cut to it), must be sample
 * for sample current() there: for 8/16-bit, RGB/RGBA originals and JPEGs under every EXIF orientation,
 * with layers overlapping, covering, crossing or missing the rectangle, hidden ones left out; with the
 * original held (a new project) or not (an existing one). Also what it reads: no whole-frame flatten
 * unless a stack deep enough for cache/current.bin asks for it. And the composite's preparation made from
 * such a region is the one made from the whole image.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/project-session';
import {
  encodeMaskPng,
  encodePatch,
  makeThumbnail,
  planRegion,
  type Mask,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { prepareComposite } from '../../../../electron/core/imaging/composite';
import { clearPhotoCache } from '../../../../electron/core/imaging/load';
import { encodePng } from '../../../../electron/core/imaging/png';
import { cutRegion, type PhotoRegion } from '../../../../electron/core/imaging/region';
import { syntheticLayer } from '../../../support/layers';
import { rng } from '../../../support/prng';

function samples(depth: 8 | 16, n: number, r: () => number): Uint8Array | Uint16Array {
  const a = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * (max + 1));
  return a;
}

type Original = { kind: 'png'; depth: 8 | 16; channels: 3 | 4 } | { kind: 'jpeg'; orientation: number };

/** A PNG original of every depth, with and without alpha. */
const PNG_ORIGINALS: readonly Original[] = [
  { kind: 'png', depth: 8, channels: 3 },
  { kind: 'png', depth: 8, channels: 4 },
  { kind: 'png', depth: 16, channels: 3 },
  { kind: 'png', depth: 16, channels: 4 },
];

/** A project from a generated original with `layers` random patches (soft alpha, some of them hidden). */
async function project(original: Original, layers: number, r: () => number) {
  const sw = 30 + Math.floor(r() * 90);
  const sh = 30 + Math.floor(r() * 70);
  let bytes: Uint8Array;
  let depth: 8 | 16 = 8;
  if (original.kind === 'png') {
    depth = original.depth;
    bytes = encodePng({
      width: sw,
      height: sh,
      channels: original.channels,
      depth,
      pixels: samples(depth, sw * sh * original.channels, r),
    });
  } else {
    bytes = new Uint8Array(
      await sharp(Buffer.from(samples(8, sw * sh * 3, r)), { raw: { width: sw, height: sh, channels: 3 } })
        .withMetadata({ orientation: original.orientation })
        .jpeg({ quality: 80 })
        .toBuffer(),
    );
  }
  const swap = original.kind === 'jpeg' && original.orientation >= 5;
  const width = swap ? sh : sw;
  const height = swap ? sw : sh;
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-region-')), 'p');
  const store = await ProjectStore.create(dir, {
    photo: bytes,
    name: `gen.${original.kind}`,
    width,
    height,
    format: original.kind,
  });
  for (let i = 0; i < layers; i++) {
    const w = 1 + Math.floor(r() * width * 0.7);
    const h = 1 + Math.floor(r() * height * 0.7);
    const rect = {
      x: Math.floor(r() * (width - w + 1)),
      y: Math.floor(r() * (height - h + 1)),
      width: w,
      height: h,
    };
    const rgba = samples(depth, w * h * 4, r);
    // Alpha of every kind: 0 (kept), max (replaced) and in between (blended).
    const max = depth === 16 ? 65535 : 255;
    for (let k = 3; k < rgba.length; k += 4) rgba[k] = k % 3 === 0 ? 0 : k % 3 === 1 ? max : rgba[k]!;
    const patch: Patch = { rect, depth, rgba };
    const layer = await store.appendLayer(
      syntheticLayer(rect, { prompt: `layer ${i}`, requestId: null, feather: 0, colorMatch: false }),
      {
        patch: await encodePatch(patch),
        mask: await encodeMaskPng({ width: w, height: h, data: new Uint8Array(w * h).fill(255) }),
        thumb: await makeThumbnail(patch, { format: 'webp' }),
        thumbExt: 'webp',
      },
    );
    if (r() < 0.2) await store.setVisible(layer.id, false);
  }
  return { dir, store, width, height };
}

function randomRect(r: () => number, w: number, h: number): Rect {
  const width = 1 + Math.floor(r() * w);
  const height = 1 + Math.floor(r() * h);
  return {
    x: Math.floor(r() * (w - width + 1)),
    y: Math.floor(r() * (h - height + 1)),
    width,
    height,
  };
}

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

/** `got` cut to `rect` when it is the whole width x height frame, else as it is. */
const cutIfWhole = (got: PhotoRegion, rect: Rect, width: number, height: number): PhotoRegion =>
  got.rect.width === width && got.rect.height === height ? cutRegion(got.photo, rect) : got;

/** The oracle: current() of a fresh session (the whole flatten), cut to the rectangle. */
async function truthOf(dir: string, rect: Rect): Promise<PhotoRegion> {
  clearPhotoCache();
  const store = await ProjectStore.open(dir);
  const session = new ProjectSession(store, { persistInBackground: false });
  try {
    return cutRegion(await session.current(), rect);
  } finally {
    await session.close();
  }
}

describe('ProjectSession.currentRegion', () => {
  it('is current() cut to the rectangle, for every original and stack, with the original held or not', async () => {
    const r = rng(424242);
    const originals: Original[] = [
      ...PNG_ORIGINALS,
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((orientation) => ({ kind: 'jpeg' as const, orientation })),
    ];
    let compared = 0;
    for (const original of originals) {
      const { dir, store, width, height } = await project(original, Math.floor(r() * 6), r);
      await store.close();
      for (let k = 0; k < 3; k++) {
        const rect = randomRect(r, width, height);
        const want = await truthOf(dir, rect);
        for (const held of [false, true]) {
          clearPhotoCache();
          const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
          try {
            if (held) await s.originalPhoto();
            const got = await s.currentRegion(rect);
            const what = `${JSON.stringify(original)} rect ${JSON.stringify(rect)} held ${held}`;
            expect(got.rect, what).toEqual(rect);
            expect([got.width, got.height], what).toEqual([width, height]);
            const { pixels: _g, ...gotMeta } = got.photo;
            const { pixels: _w, ...wantMeta } = want.photo;
            expect(gotMeta, what).toEqual(wantMeta);
            expect(bytesOf(got.photo).equals(bytesOf(want.photo)), what).toBe(true);
            compared++;
          } finally {
            await s.close();
          }
        }
      }
    }
    expect(compared).toBe(originals.length * 3 * 2);
  }, 120_000);

  it('reads no whole frame for a shallow stack, and goes through current() for a deep one', async () => {
    const r = rng(99);
    const { dir, store, width, height } = await project({ kind: 'png', depth: 8, channels: 3 }, 3, r);
    await store.close();
    const rect = randomRect(r, width, height);
    const want = await truthOf(dir, rect);
    const shallow = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    const whole = vi.spyOn(shallow, 'current');
    await shallow.currentRegion(rect);
    expect(whole).not.toHaveBeenCalled();
    await shallow.close();
    // Three visible layers or fewer, and cache/current.bin from 4: the edit about to be made reaches it.
    const deep = new ProjectSession(await ProjectStore.open(dir), {
      persistInBackground: false,
      diskCacheMinLayers: 4,
    });
    const flat = vi.spyOn(deep, 'current');
    const visible = deep.usableVisible().length;
    const got = await deep.currentRegion(rect);
    expect(flat).toHaveBeenCalledTimes(visible + 1 >= 4 ? 1 : 0);
    const cut = cutIfWhole(got, rect, width, height);
    expect(bytesOf(cut.photo).equals(bytesOf(want.photo))).toBe(true);
    await deep.close();
  }, 60_000);
});

describe('prepareComposite from a region', () => {
  it('is the preparation made from the whole image, for random photos, masks and regions', async () => {
    const r = rng(5150);
    for (let t = 0; t < 10; t++) {
      const depth: 8 | 16 = t % 3 === 1 ? 16 : 8;
      const channels: 3 | 4 = t % 4 === 3 ? 4 : 3;
      const w = 40 + Math.floor(r() * 160);
      const h = 40 + Math.floor(r() * 140);
      const whole: Photo = {
        width: w,
        height: h,
        channels,
        depth,
        pixels: samples(depth, w * h * channels, r),
        icc: null,
        exif: null,
        format: 'png',
      };
      const mask: Mask = { width: w, height: h, data: new Uint8Array(w * h) };
      const cx = r() * w;
      const cy = r() * h;
      const rad = 2 + r() * Math.min(w, h) * 0.3;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (Math.hypot(x - cx, y - cy) < rad) mask.data[y * w + x] = 255;
      const plan = planRegion(mask, whole, { size: 'auto' });
      const opts = {
        feather: Math.floor(r() * 8),
        colorMatch: true,
        colorMethod: t % 5 === 4 ? 'global' : 'seamless',
      } as const;
      const region = cutRegion(whole, plan.crop);
      expect(await prepareComposite(region, mask, plan, opts), `case ${t}`).toEqual(
        await prepareComposite(whole, mask, plan, opts),
      );
    }
  }, 120_000);
});
