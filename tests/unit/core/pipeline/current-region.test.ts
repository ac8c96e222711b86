/**
 * ProjectSession.currentRegion: the current image inside a rectangle, made without the whole frame (the
 * original decoded in the rectangle only, the layers reaching into it planned over the rectangle and applied
 * cut to it), must be sample for sample current() there, and the whole-frame oracle (every visible file
 * decoded by libvips, applied bottom to top): for 8/16-bit, RGB/RGBA originals and JPEGs under every EXIF
 * orientation; shallow and deep stacks (up to 20 layers, opaque, hard, feathered and noisy, files banded,
 * without an index or written by libpng) with layers overlapping, covering, crossing or missing rectangles
 * inside, at the edges and one pixel wide; hidden layers left out; with the original held or not; with an
 * image of part of the stack held; with a damaged file (not opened when hidden inside the rectangle), or one
 * replaced since its head was read; a rectangle not inside the frame refused whatever is held. Also what it
 * reads: nothing of a layer hidden inside the rectangle or away from it, only the bands of rows that show,
 * no whole-frame flatten and no cache/current.bin at any depth. And the composite's preparation made from
 * such a region is the one made from the whole image.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/project-session';
import {
  applyPatches,
  decodePatch,
  encodeMaskPng,
  encodePatch,
  loadPhoto,
  makeThumbnail,
  planRegion,
  type Mask,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { prepareComposite } from '../../../../electron/core/imaging/composite';
import * as load from '../../../../electron/core/imaging/load';
import { clearPhotoCache, loadPhotoRegion } from '../../../../electron/core/imaging/load';
import {
  bandBytes,
  encodeBandedPatch,
  parseBandIndex,
  readPatchHead,
  type PatchHead,
} from '../../../../electron/core/imaging/patch-bands';
import { encodePng } from '../../../../electron/core/imaging/png';
import { cutRegion, type PhotoRegion } from '../../../../electron/core/imaging/region';
import {
  appendPatchLayer,
  flattenOracle,
  layerPatch,
  patchFileOfKind,
  randomPhotoProject,
  replacedOnRead,
} from '../../../support/flatten';
import { syntheticLayer } from '../../../support/layers';
import { pick, rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

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

/** A generated original of this kind, about sw x sh before its orientation, and its upright size. */
async function originalFile(original: Original, sw: number, sh: number, r: () => number) {
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
  return { bytes, depth, width: swap ? sh : sw, height: swap ? sw : sh };
}

/** A new project (in a fresh temporary folder) on a generated original. */
async function projectOn(original: Original, sw: number, sh: number, r: () => number) {
  const { bytes, depth, width, height } = await originalFile(original, sw, sh, r);
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-region-')), 'p');
  dirs.push(path.dirname(dir));
  const store = await ProjectStore.create(dir, {
    photo: bytes,
    name: `gen.${original.kind}`,
    width,
    height,
    format: original.kind,
  });
  return { dir, store, width, height, depth };
}

/** A project from a generated original with `layers` random patches (soft alpha, some of them hidden). */
async function project(original: Original, layers: number, r: () => number) {
  const made = await projectOn(original, 30 + Math.floor(r() * 90), 30 + Math.floor(r() * 70), r);
  const { store, width, height, depth } = made;
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
  return made;
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

/** Rectangles of every kind: inside, at the bottom-right and top-left corners, 1 px wide or high, 1x1, whole. */
function edgyRect(r: () => number, w: number, h: number): Rect {
  const base = randomRect(r, w, h);
  switch (Math.floor(r() * 7)) {
    case 0:
      return base;
    case 1:
      return { ...base, x: w - base.width, y: h - base.height };
    case 2:
      return { ...base, x: 0, y: 0 };
    case 3:
      return { ...base, width: 1 };
    case 4:
      return { ...base, height: 1 };
    case 5:
      return { ...base, width: 1, height: 1 };
    default:
      return { x: 0, y: 0, width: w, height: h };
  }
}

/** Every original the region decodes: PNG of both depths with and without alpha, JPEG under every orientation. */
const ORIGINALS: readonly Original[] = [
  ...PNG_ORIGINALS,
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((orientation) => ({ kind: 'jpeg' as const, orientation })),
];

/**
 * A project of up to 20 layers (layerPatch: opaque, hard-edged, feathered and noisy ones), most of them
 * piled around one spot as edits of one area are, the others anywhere, some as large as the frame; a
 * patch of the other depth now and then, some layers hidden.
 */
async function deepProject(seed: number) {
  const r = rng(seed);
  const original = pick(r, ORIGINALS);
  const made = await projectOn(original, 40 + Math.floor(r() * 160), 40 + Math.floor(r() * 130), r);
  const { store, width, height, depth } = made;
  const count = 1 + Math.floor(r() * 20);
  const cx = r() * width;
  const cy = r() * height;
  const place = (size: number, total: number, c: number) =>
    Math.max(
      0,
      Math.min(
        total - size,
        r() < 0.7 ? Math.round(c - size / 2 + (r() - 0.5) * 12) : Math.floor(r() * (total - size + 1)),
      ),
    );
  for (let i = 0; i < count; i++) {
    const w = 1 + Math.floor(r() * width * (r() < 0.2 ? 1 : 0.6));
    const h = 1 + Math.floor(r() * height * (r() < 0.2 ? 1 : 0.6));
    const rect = { x: place(w, width, cx), y: place(h, height, cy), width: w, height: h };
    const pd: 8 | 16 = r() < 0.08 ? (depth === 8 ? 16 : 8) : depth;
    // Files of every kind: libpng's, from before banding (no index), banded in bands of 1 to 16 rows.
    const patch = await patchFileOfKind(layerPatch(rect, pd, r), r(), () => 1 + Math.floor(r() * 16));
    const layer = await appendPatchLayer(store, { rect, patch, prompt: `layer ${i}` });
    if (r() < 0.15) await store.setVisible(layer.id, false);
  }
  return { ...made, original };
}

/** `got` is `want`: the same rectangle, frame size, metadata and samples. */
function expectSameRegion(got: PhotoRegion, want: PhotoRegion, what: string): void {
  expect(got.rect, what).toEqual(want.rect);
  expect([got.width, got.height], what).toEqual([want.width, want.height]);
  const { pixels: _g, ...gotMeta } = got.photo;
  const { pixels: _w, ...wantMeta } = want.photo;
  expect(gotMeta, what).toEqual(wantMeta);
  expect(bytesOf(got.photo).equals(bytesOf(want.photo)), what).toBe(true);
}

/**
 * The layer files' reads made through `store` from now on: part reads (id, position, length asked) and
 * whole-file reads; `bodies` are a layer's part reads past its head (position 0).
 */
function recordReads(store: ProjectStore) {
  const all: Array<{ id: string; position: number; length: number }> = [];
  const whole: string[] = [];
  const part = store.readLayerFilePart;
  const file = store.readLayerFile;
  store.readLayerFilePart = (id, kind, length, position = 0) => {
    if (kind === 'patch') all.push({ id, position, length });
    return part.call(store, id, kind, length, position);
  };
  store.readLayerFile = (id, kind) => {
    if (kind === 'patch') whole.push(id);
    return file.call(store, id, kind);
  };
  const parts = (id: string) =>
    all.filter((x) => x.id === id).map(({ position, length }) => ({ position, length }));
  return {
    all,
    whole,
    parts,
    bodies: (id: string) => parts(id).filter((x) => x.position > 0),
    stop: () => {
      store.readLayerFilePart = part;
      store.readLayerFile = file;
    },
  };
}

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

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

  it('is the oracle cut to the rectangle over random deep stacks of every kind of file, at any rectangle', async () => {
    let compared = 0;
    let deep = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const { dir, store, width, height, original } = await deepProject(seed);
      const visible = store.visibleLayers().map((l) => l.id);
      if (visible.length >= 8) deep++;
      const truth = await flattenOracle(store, visible);
      await store.close();
      const r = rng(7919 * seed);
      for (let k = 0; k < 5; k++) {
        // A column one pixel wide down the whole frame first (it crosses every band), then any kind.
        const rect =
          k === 0 ? { x: Math.floor(r() * width), y: 0, width: 1, height } : edgyRect(r, width, height);
        const held = k % 2 === 1;
        clearPhotoCache();
        const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
        try {
          if (held) await s.originalPhoto();
          const whole = vi.spyOn(s, 'current');
          const got = await s.currentRegion(rect);
          expect(whole).not.toHaveBeenCalled();
          const what = `seed ${seed} ${JSON.stringify(original)}, ${visible.length} visible, rect ${JSON.stringify(rect)} held ${held}`;
          expectSameRegion(got, cutRegion(truth, rect), what);
          compared++;
        } finally {
          await s.close();
        }
      }
    }
    expect(compared).toBe(16 * 5);
    // Deep stacks were drawn (the depth from which the region used to be the whole flatten's).
    expect(deep).toBeGreaterThan(4);
  }, 180_000);
});

describe('a rectangle not inside the frame', () => {
  it('is refused by currentRegion on every path, in the words of loadPhotoRegion', async () => {
    const r = rng(8080);
    const width = 60;
    const height = 40;
    const { dir, store } = await projectOn({ kind: 'png', depth: 8, channels: 3 }, width, height, r);
    const add = async () => {
      const rect = randomRect(r, width, height);
      const patch = await encodeBandedPatch(layerPatch(rect, 8, r), [], 4);
      await appendPatchLayer(store, { rect, patch, prompt: 'l' });
    };
    await add();
    await add();
    const bytes = await store.readOriginal();
    await store.close();
    /** A rectangle with at least one side past the frame's, or empty; drawn at random. */
    const outside = (): Rect => {
      const rect = randomRect(r, width, height);
      switch (Math.floor(r() * 6)) {
        case 0:
          return { ...rect, x: -1 - Math.floor(r() * 5) };
        case 1:
          return { ...rect, y: -1 - Math.floor(r() * 5) };
        case 2:
          return { ...rect, x: width - rect.width + 1 + Math.floor(r() * 5) };
        case 3:
          return { ...rect, y: height - rect.height + 1 + Math.floor(r() * 5) };
        case 4:
          return { ...rect, width: 0 };
        default:
          return { x: 0, y: 0, width: width + 1, height };
      }
    };
    const paths = ['not held', 'original held', 'part of the stack held', 'whole stack held'] as const;
    let refused = 0;
    for (let k = 0; k < 24; k++) {
      const rect = outside();
      const said = await loadPhotoRegion(bytes, rect).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(said?.message, JSON.stringify(rect)).toMatch(/outside the 60x40 photo/);
      for (const held of paths) {
        const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
        try {
          if (held === 'original held') await s.originalPhoto();
          if (held === 'whole stack held') await s.current();
          if (held === 'part of the stack held') {
            await s.store.setVisible(s.store.layers()[1]!.id, false);
            await s.current();
            await s.store.setVisible(s.store.layers()[1]!.id, true);
          }
          const what = `${held}, rect ${JSON.stringify(rect)}`;
          await expect(s.currentRegion(rect), what).rejects.toThrow(said!.message);
          refused++;
        } finally {
          await s.close();
        }
      }
    }
    expect(refused).toBe(24 * paths.length);
  }, 60_000);
});

describe('what currentRegion reads', () => {
  it('nothing of a layer hidden inside the rectangle or missing it, and only the bands of rows that show', async () => {
    const r = rng(31337);
    const width = 48;
    const height = 160;
    const { dir, store } = await projectOn({ kind: 'png', depth: 8, channels: 3 }, width, height, r);
    const bandRows = 4;
    const add = async (rect: Rect, alpha: () => number, prompt: string) => {
      const rgba = samples(8, rect.width * rect.height * 4, r);
      for (let i = 3; i < rgba.length; i += 4) rgba[i] = alpha();
      const patch = await encodeBandedPatch({ rect, depth: 8, rgba }, [], bandRows);
      return { id: (await appendPatchLayer(store, { rect, patch, prompt })).id, patch };
    };
    const noise = () => pick(r, [0, 255, Math.floor(r() * 256)]);
    // Bottom to top: noise over the whole frame; an opaque layer reaching out of the rectangle on both
    // sides (columns 2-45); an opaque band of rows 50-99 over the rectangle's columns (4-43) only, so the
    // layer below it shows outside the rectangle but not inside; a translucent layer away from the rectangle.
    const below = await add({ x: 0, y: 0, width, height }, noise, 'below');
    const hidden = await add({ x: 2, y: 60, width: 44, height: 20 }, () => 255, 'hidden');
    const cover = await add({ x: 4, y: 50, width: 40, height: 50 }, () => 255, 'cover');
    const away = await add({ x: 0, y: 0, width: 10, height: 10 }, () => 128, 'away');
    await store.close();
    const rect = { x: 4, y: 40, width: 40, height: 80 }; // rows 40-119
    /** Where bands first..last of a layer's file lie in it. */
    const bands = (file: Uint8Array, h: number, first: number, last: number) => {
      const head = readPatchHead(file) as PatchHead;
      const index = parseBandIndex(head.index!, width, h)!;
      const { from, to } = bandBytes(index, first, last);
      return { position: head.idatAt + from, length: to - from };
    };
    const stream = (file: Uint8Array) => {
      const head = readPatchHead(file) as PatchHead;
      return { position: head.idatAt, length: head.idatLength };
    };

    const run = async (hide: string[]) => {
      const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
      for (const id of hide) await s.store.setVisible(id, false);
      const reads = recordReads(s.store);
      const flat = vi.spyOn(s, 'current');
      const decoded = vi.spyOn(load, 'loadPhoto');
      const decodedPart = vi.spyOn(load, 'loadPhotoRegion');
      const got = await s.currentRegion(rect);
      reads.stop();
      expect(flat).not.toHaveBeenCalled();
      // The original decoded once, in the rectangle only (the oracle below decodes it whole).
      expect(decoded).not.toHaveBeenCalled();
      expect(decodedPart.mock.calls.map((c) => c[1])).toEqual([rect]);
      decoded.mockRestore();
      decodedPart.mockRestore();
      const ids = s.store.visibleLayers().map((l) => l.id);
      const truth = await flattenOracle(s.store, ids);
      expectSameRegion(got, cutRegion(truth, rect), `hidden ${hide.length}`);
      await s.close();
      return { reads, truth };
    };

    const { reads: a, truth } = await run([]);
    // The layer hidden inside the rectangle shows outside it: the frame without it differs there only.
    const st = await ProjectStore.open(dir);
    const without = await flattenOracle(
      st,
      [below, cover, away].map((l) => l.id),
    );
    await st.close();
    expect(bytesOf(cutRegion(without, rect).photo).equals(bytesOf(cutRegion(truth, rect).photo))).toBe(true);
    expect(bytesOf(without).equals(bytesOf(truth))).toBe(false);
    expect(a.whole).toEqual([]);
    // The hidden layer and the one away from the rectangle: not a byte, not even their heads.
    expect(a.parts(hidden.id)).toEqual([]);
    expect(a.parts(away.id)).toEqual([]);
    // The cover: its head, then its whole stream (every row of it shows).
    expect(a.bodies(cover.id)).toEqual([stream(cover.patch)]);
    // Below: only the bands of rows 40-49 (bands 10-12) and 100-119 (25-29), not those above, under or
    // outside the rectangle.
    expect(a.bodies(below.id)).toEqual([
      bands(below.patch, height, 10, 12),
      bands(below.patch, height, 25, 29),
    ]);

    // Without the cover, the layer inside shows (rows 60-79) and hides those rows of the one below.
    const { reads: b } = await run([cover.id]);
    expect(b.whole).toEqual([]);
    expect(b.parts(cover.id)).toEqual([]);
    expect(b.parts(away.id)).toEqual([]);
    expect(b.bodies(hidden.id)).toEqual([stream(hidden.patch)]);
    expect(b.bodies(below.id)).toEqual([
      bands(below.patch, height, 10, 14),
      bands(below.patch, height, 20, 29),
    ]);
  }, 60_000);

  // The region used to go through current() (the whole flatten) once the stack was one edit short of
  // cache/current.bin, so that the image was at hand for the cache's write after the edit; that cost a
  // whole-frame flatten before the upload. The region is now planned over the rectangle at any depth, and
  // persistCache flattens on its own when the cache is due, after the edit.
  it('flattens no whole frame for a deep stack, nor reads cache/current.bin (which holds the stack)', async () => {
    const r = rng(99);
    const { dir, store, width, height } = await project({ kind: 'png', depth: 8, channels: 3 }, 14, r);
    for (const l of store.layers()) await store.setVisible(l.id, true);
    const writer = new ProjectSession(store, { persistInBackground: false });
    expect(await writer.persistCache()).toBe(true);
    await writer.close();
    for (const held of [false, true]) {
      const rect = randomRect(r, width, height);
      const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
      expect(s.usableVisible().length).toBe(14);
      if (held) await s.originalPhoto();
      const flat = vi.spyOn(s, 'current');
      const flatten = vi.spyOn(s, 'flatten');
      const cache = vi.spyOn(s.store, 'readCache');
      const reads = recordReads(s.store);
      const got = await s.currentRegion(rect);
      reads.stop();
      expect(flat).not.toHaveBeenCalled();
      expect(flatten).not.toHaveBeenCalled();
      expect(cache).not.toHaveBeenCalled();
      expect(reads.whole).toEqual([]);
      const ids = s.store.visibleLayers().map((l) => l.id);
      expectSameRegion(got, cutRegion(await flattenOracle(s.store, ids), rect), `held ${held}`);
      await s.close();
    }
  }, 60_000);

  it('cuts an image the session holds of part of the stack, and reads only the layers after it', async () => {
    const r = rng(4711);
    const { dir, store, width, height } = await projectOn({ kind: 'png', depth: 16, channels: 4 }, 90, 70, r);
    const whole = { x: 0, y: 0, width, height };
    /**
     * Adds a layer at `rect` (random without one) whose alpha never reaches its maximum: it hides nothing, so
     * every layer reaching into a rectangle has its file opened (its head read) when it is applied.
     */
    const add = async (rect = randomRect(r, width, height), to = store) => {
      const patch = layerPatch(rect, 16, r);
      for (let i = 3; i < patch.rgba.length; i += 4) patch.rgba[i] = Math.min(patch.rgba[i]!, 65534);
      const file = await encodeBandedPatch(patch, [], 1 + Math.floor(r() * 8));
      return (await appendPatchLayer(to, { rect, patch: file, prompt: 'more' })).id;
    };
    // Three layers (the first as large as the frame), cache/current.bin of them; then two more as large as
    // the frame and the current image of all five held; then two more. The held image and the cache hold
    // different stacks: had the cache's been used, the fourth and fifth would be read.
    const first = [await add(whole), await add(), await add()];
    const s = new ProjectSession(store, { persistInBackground: false, diskCacheMinLayers: 2 });
    await s.current();
    expect(await s.persistCache()).toBe(true);
    const middle = [await add(whole), await add(whole)];
    await s.current();
    const sixth = await add();
    const seventh = await add();
    /** currentRegion of `session` at random rectangles reads only layers of `fresh`, and all of `must`. */
    const check = async (session: ProjectSession, name: string, fresh: string[], must: string[]) => {
      for (let k = 0; k < 6; k++) {
        const rect = edgyRect(r, width, height);
        const what = `${name}, rect ${JSON.stringify(rect)}`;
        const original = vi.spyOn(session.store, 'readOriginal');
        const cache = vi.spyOn(session.store, 'readCache');
        const reads = recordReads(session.store);
        const got = await session.currentRegion(rect);
        reads.stop();
        expect(original, what).not.toHaveBeenCalled();
        expect(cache, what).not.toHaveBeenCalled();
        expect(reads.whole, what).toEqual([]);
        const touched = new Set(reads.all.map((x) => x.id));
        for (const id of touched) expect(fresh, what).toContain(id);
        for (const id of must) expect(touched.has(id), what).toBe(true);
        original.mockRestore();
        cache.mockRestore();
        const ids = session.store.visibleLayers().map((l) => l.id);
        expectSameRegion(got, cutRegion(await flattenOracle(session.store, ids), rect), what);
      }
    };
    // The current image of the five, held (the cache holds three): only the two after it are applied.
    await check(s, 'held current image', [sixth, seventh], []);
    await s.close();

    // A fresh session that reads cache/current.bin (the three) while it flattens all seven; then the seventh
    // hidden and an eighth added, so its current image is of no prefix: the cache as read is cut, and the
    // layers after it (the fourth and fifth among them, as large as the frame) applied.
    const c = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    const cacheRead = vi.spyOn(c.store, 'readCache');
    await c.current();
    expect(cacheRead).toHaveBeenCalledTimes(1);
    cacheRead.mockRestore();
    await c.store.setVisible(seventh, false);
    const eighth = await add(undefined, c.store);
    expect(c.store.visibleLayers().map((l) => l.id)).toEqual([...first, ...middle, sixth, eighth]);
    await check(c, 'cache as read', [...middle, sixth, eighth], middle);
    await c.close();
  }, 60_000);
});

describe('currentRegion and damaged or changed files', () => {
  it('says a damaged layer it needs as current() does, leaves it out, and opens none hidden', async () => {
    const r = rng(2024);
    const width = 90;
    const height = 70;
    const { dir, store } = await projectOn({ kind: 'png', depth: 8, channels: 3 }, width, height, r);
    const rects = [
      { x: 0, y: 0, width, height },
      { x: 5, y: 10, width: 30, height: 40 },
      { x: 50, y: 5, width: 30, height: 50 },
    ];
    const ids: string[] = [];
    for (const rect of rects) {
      const patch = await encodeBandedPatch(layerPatch(rect, 8, r), [], 8);
      ids.push((await appendPatchLayer(store, { rect, patch, prompt: 'l' })).id);
    }
    const damagedId = ids[1]!;
    const without = ids.filter((id) => id !== damagedId);
    const truth = await flattenOracle(store, without);
    const file = store.layerFilePath(store.layer(damagedId), 'patch');
    await store.close();
    const rect = { x: 0, y: 5, width: 45, height: 60 };
    // Bytes that are no image (as many as the file had, so opening does not see it): found when read, said
    // in the same words by both, then left out by both.
    await fs.writeFile(file, new Uint8Array((await fs.stat(file)).size).fill(7));
    const whole = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    const said = await whole.current().then(
      () => null,
      (e: unknown) => e,
    );
    expect(said).toMatchObject({ code: 'damaged-layer' });
    expectSameRegion(cutRegion(await whole.current(), rect), cutRegion(truth, rect), 'current()');
    await whole.close();
    const s = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    await expect(s.currentRegion(rect)).rejects.toMatchObject({
      code: 'damaged-layer',
      message: (said as Error).message,
    });
    expectSameRegion(await s.currentRegion(rect), cutRegion(truth, rect), 'after the damage was said');
    await s.close();
    // A file missing when the project opens: left out from the start.
    await fs.rm(file);
    const m = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    expect(m.store.damaged(damagedId)).not.toBeNull();
    expectSameRegion(await m.currentRegion(rect), cutRegion(truth, rect), 'missing file');
    await m.close();

    // A damaged file of a layer hidden inside the rectangle: never opened, so nothing is said, and the
    // region is still the oracle's (the layer cannot change it), where current() says the damage. Accepted:
    // opening it only to say so would read what the plan saves.
    const more = await ProjectStore.open(dir);
    const under = { x: 50, y: 40, width: 30, height: 25 }; // rows 40-64
    const over = { x: 48, y: 38, width: 34, height: 18 }; // opaque, rows 38-55: hides rows 40-55 of `under`
    const opaque = layerPatch(over, 8, r);
    for (let i = 3; i < opaque.rgba.length; i += 4) opaque.rgba[i] = 255;
    const underId = (
      await appendPatchLayer(more, {
        rect: under,
        patch: await encodeBandedPatch(layerPatch(under, 8, r), [], 4),
        prompt: 'under',
      })
    ).id;
    const overId = (
      await appendPatchLayer(more, {
        rect: over,
        patch: await encodeBandedPatch(opaque, [], 4),
        prompt: 'over',
      })
    ).id;
    const intact = await flattenOracle(more, [...without, underId, overId]);
    const underFile = more.layerFilePath(more.layer(underId), 'patch');
    await more.close();
    await fs.writeFile(underFile, new Uint8Array((await fs.stat(underFile)).size).fill(7));
    const inside = { x: 45, y: 42, width: 40, height: 12 }; // `under` shows below it (rows 56-64), not in it
    const h = new ProjectSession(await ProjectStore.open(dir), { persistInBackground: false });
    const reads = recordReads(h.store);
    expectSameRegion(await h.currentRegion(inside), cutRegion(intact, inside), 'damaged but hidden');
    reads.stop();
    expect(reads.parts(underId)).toEqual([]);
    expect(reads.whole).not.toContain(underId);
    expect(h.store.damaged(underId)).toBeNull();
    await expect(h.current()).rejects.toMatchObject({ code: 'damaged-layer' });
    expect(h.store.damaged(underId)).not.toBeNull();
    await h.close();
  }, 60_000);

  it('reads a file replaced since its head was read as it now is, never by the plan of the old one', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const rand = rng(seed);
      const { root, store, png, width, height } = await randomPhotoProject('maskroom-region-changed-', rand, {
        width: [24, 30],
        height: [30, 40],
        depth: 8,
        channels: 3,
        name: 'g.png',
      });
      dirs.push(root);
      const {
        ids,
        rect: full,
        replacement,
        swapped,
      } = await replacedOnRead(store, rand, { width, height }, seed % 2 === 0);
      const rect = edgyRect(rand, width, height);
      const session = new ProjectSession(store, { persistInBackground: false });
      const got = await session.currentRegion(rect);
      const now = [
        await decodePatch(await store.readLayerFile(ids[0]!, 'patch'), full),
        await decodePatch(replacement, full),
      ];
      expect(swapped()).toBe(true);
      expectSameRegion(got, cutRegion(applyPatches(await loadPhoto(png), now), rect), `seed ${seed}`);
      await session.close();
    }
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
