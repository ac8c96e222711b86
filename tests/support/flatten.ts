/**
 * Setup shared by the flatten tests: seeded random samples, the libvips patch decode and the back-to-front
 * flatten kept as their oracle, a project made on a generated original, and a layer appended from a ready
 * patch file with a mask that selects its whole rectangle.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Rect } from '../../shared/contract';
import { ProjectStore, type StoredLayer } from '../../electron/core/project';
import { applyPatches, encodeMaskPng, loadPhoto, type Patch, type Photo } from '../../electron/core/imaging';
import { ownLayout } from '../../electron/core/imaging/patch';
import { encodeBandedPatch } from '../../electron/core/imaging/patch-bands';
import { encodePng, textChunk } from '../../electron/core/imaging/png';
import { syntheticLayer } from './layers';

/** `n` samples of this depth, each drawn uniformly over the whole range with `rand`. */
export function randomSamples(depth: 8 | 16, n: number, rand: () => number): Uint8Array | Uint16Array {
  const a = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * (max + 1));
  return a;
}

/** A patch file decoded as it was before our own decoder: libvips, samples copied out of its buffer. */
export async function libvipsPatch(bytes: Uint8Array, rect: Rect): Promise<Patch> {
  const depth: 8 | 16 = bytes[24] === 16 ? 16 : 8;
  const img = sharp(bytes, { failOn: 'error', ignoreIcc: true }).ensureAlpha();
  const { data } =
    depth === 16
      ? await img.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
      : await img.raw().toBuffer({ resolveWithObject: true });
  const copy = new Uint8Array(data);
  return { rect, depth, rgba: depth === 16 ? new Uint16Array(copy.buffer) : copy };
}

/** The oracle flatten: the original decoded, then each listed layer's file decoded by libvips and applied in order. */
export async function flattenOracle(store: ProjectStore, ids: readonly string[]): Promise<Photo> {
  const original = await loadPhoto(await store.readOriginal());
  const patches: Patch[] = [];
  for (const id of ids)
    patches.push(await libvipsPatch(await store.readLayerFile(id, 'patch'), store.layer(id).rect));
  return applyPatches(original, patches);
}

/**
 * The image right after a layer drawn at random from the stack (one draw of `rand`): that layer's id and the
 * ids the oracle applies for it, the visible layers below it and the layer itself (shown or not).
 */
export function randomUpTo(store: ProjectStore, rand: () => number): { at: string; ids: string[] } {
  const layers = store.layers();
  const idx = Math.floor(rand() * layers.length);
  const ids = layers
    .slice(0, idx + 1)
    .filter((l, i) => i === idx || l.visible)
    .map((l) => l.id);
  return { at: layers[idx]!.id, ids };
}

/**
 * A new project at `<fresh temporary folder named by prefix>/p` whose original is a PNG of these pixels.
 * `root` is the temporary folder, for the caller to remove.
 */
export async function generatedProject(
  prefix: string,
  photo: {
    width: number;
    height: number;
    channels: 3 | 4;
    depth: 8 | 16;
    pixels: Uint8Array | Uint16Array;
    name?: string;
  },
): Promise<{ root: string; dir: string; store: ProjectStore; png: Uint8Array }> {
  const { width, height } = photo;
  const png = encodePng({
    width,
    height,
    channels: photo.channels,
    depth: photo.depth,
    pixels: photo.pixels,
  });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const dir = path.join(root, 'p');
  const store = await ProjectStore.create(dir, {
    photo: png,
    name: photo.name ?? 'gen.png',
    width,
    height,
    format: 'png',
  });
  return { root, dir, store, png };
}

/**
 * A layer appended as the pipeline records one (no feather, no colour match, no request), from a patch
 * file as given, with a full-white mask over its rectangle and `thumb` (a one-byte stand-in by default).
 */
export async function appendPatchLayer(
  store: ProjectStore,
  layer: { rect: Rect; patch: Uint8Array; prompt: string; thumb?: Uint8Array },
): Promise<StoredLayer> {
  const { rect } = layer;
  return store.appendLayer(
    syntheticLayer(rect, { prompt: layer.prompt, requestId: null, feather: 0, colorMatch: false }),
    {
      patch: layer.patch,
      mask: await encodeMaskPng({
        width: rect.width,
        height: rect.height,
        data: new Uint8Array(rect.width * rect.height).fill(255),
      }),
      thumb: layer.thumb ?? new Uint8Array([1]),
      thumbExt: 'webp',
    },
  );
}

/**
 * A generatedProject on a random original: depth and channel count drawn unless given (either with even
 * odds), then a width of `width[0]` plus up to `width[1]` (exclusive) and likewise a height, then every sample.
 */
export async function randomPhotoProject(
  prefix: string,
  rand: () => number,
  o: { width: [number, number]; height: [number, number]; depth?: 8 | 16; channels?: 3 | 4; name?: string },
) {
  const depth: 8 | 16 = o.depth ?? (rand() < 0.5 ? 8 : 16);
  const channels: 3 | 4 = o.channels ?? (rand() < 0.5 ? 3 : 4);
  const width = o.width[0] + Math.floor(rand() * o.width[1]);
  const height = o.height[0] + Math.floor(rand() * o.height[1]);
  const pixels = randomSamples(depth, width * height * channels, rand);
  const made = await generatedProject(prefix, { width, height, channels, depth, pixels, name: o.name });
  return { ...made, width, height, depth, channels };
}

/** Mostly opaque shapes (so that layers hide each other), some feathered, some noise. */
export function layerPatch(rect: Rect, depth: 8 | 16, rand: () => number): Patch {
  const { width: w, height: h } = rect;
  const max = depth === 16 ? 65535 : 255;
  const rgba = randomSamples(depth, w * h * 4, rand);
  const kind = Math.floor(rand() * 5); // 0-1 feathered ellipse, 2 hard ellipse, 3 opaque, 4 noise
  const core = 0.4 + rand() * 0.5;
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const d = Math.hypot((i + 0.5) / w - 0.5, (j + 0.5) / h - 0.5) * 2;
      const r = rand();
      rgba[(j * w + i) * 4 + 3] =
        kind <= 1
          ? d >= 1
            ? 0
            : d <= core
              ? max
              : Math.round(((1 - d) / (1 - core)) * max)
          : kind === 2
            ? d < 1
              ? max
              : 0
            : kind === 3
              ? max
              : r < 0.2
                ? 0
                : r < 0.5
                  ? max
                  : Math.floor(rand() * (max + 1));
    }
  return { rect, depth, rgba };
}

/** A file's bytes up to its IDAT chunk (signature, IHDR, tEXt, mrIX). */
function headOf(file: Uint8Array): Uint8Array {
  const own = ownLayout(file)!;
  return file.subarray(0, file.length - 12 - own.idat.length - 12);
}

/**
 * Two opaque whole-frame banded layers of one colour each appended to `store` (bands of 1 to 6 rows), and
 * the top one's file replaced by a translucent version right after the first part read of it (its head, as
 * a planned flatten reads it first; the store's readLayerFilePart is wrapped for that). With `keepsHead`
 * the replacement keeps the old head (whose index says the layer is opaque) and a stream of the old one's
 * length with other pixels; else it is a file of its own. `replacement` is the new file's bytes.
 */
export async function replacedOnRead(
  store: ProjectStore,
  rand: () => number,
  size: { width: number; height: number },
  keepsHead: boolean,
): Promise<{ ids: string[]; rect: Rect; replacement: Uint8Array; swapped: () => boolean }> {
  const { width, height } = size;
  const rect = { x: 0, y: 0, width, height };
  const text = textChunk('maskroom:rect', `0,0,${width},${height}`);
  /** One colour and one alpha over the whole frame (so two such files differ only in those). */
  const solid = (v: number, a: number): Patch => {
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([v, 255 - v, v >> 1, a], i);
    return { rect, depth: 8, rgba };
  };
  const bandRows = 1 + Math.floor(rand() * 6);
  const below = solid(Math.floor(rand() * 256), 255);
  const old = solid(Math.floor(rand() * 256), 255);
  const ids: string[] = [];
  for (const p of [below, old]) {
    const patch = await encodeBandedPatch(p, [text], bandRows);
    ids.push((await appendPatchLayer(store, { rect, patch, prompt: 'x' })).id);
  }
  const oldFile = await store.readLayerFile(ids[1]!, 'patch');
  // Kept head: the stream must be as long as the old one (the old head's IDAT length is what the index pass
  // read): colours and alphas are drawn until one deflates to that length (bounded; one always has, in runs).
  const oldLength = ownLayout(oldFile)!.idat.length;
  let fresh: Uint8Array = new Uint8Array(0);
  for (let tries = 0; tries < 300; tries++) {
    const v = Math.floor(rand() * 256);
    const a = 1 + Math.floor(rand() * 254);
    fresh = await encodeBandedPatch(solid(v, a), [text], bandRows);
    if (!keepsHead || ownLayout(fresh)!.idat.length === oldLength) break;
  }
  let replacement = fresh;
  if (keepsHead) {
    if (ownLayout(fresh)!.idat.length !== oldLength) throw new Error('no stream of the old length was drawn');
    const tail = fresh.subarray(headOf(fresh).length);
    replacement = new Uint8Array([...headOf(oldFile), ...tail]);
  }
  const readPart = store.readLayerFilePart.bind(store);
  let swapped = false;
  store.readLayerFilePart = async (id, kind, length, position = 0) => {
    const got = await readPart(id, kind, length, position);
    if (id === ids[1] && !swapped) {
      swapped = true;
      await fs.writeFile(store.layerFilePath(store.layer(id), 'patch'), replacement);
    }
    return got;
  };
  return { ids, rect, replacement, swapped: () => swapped };
}

/**
 * A patch as a file of one of the kinds a project may hold, chosen by `kind` in [0, 1): below 0.08 (8 bit
 * only) one written by libpng with its own filters (decoded by libvips); below 0.2 one from before banding
 * (no index: inflated whole); else banded, in bands of `bandRows()` rows (drawn only then).
 */
export async function patchFileOfKind(
  patch: Patch,
  kind: number,
  bandRows: () => number,
): Promise<Uint8Array> {
  const { x, y, width: w, height: h } = patch.rect;
  const text = textChunk('maskroom:rect', `${x},${y},${w},${h}`);
  if (kind < 0.08 && patch.depth === 8)
    return new Uint8Array(
      await sharp(patch.rgba, { raw: { width: w, height: h, channels: 4 } })
        .png({ adaptiveFiltering: true })
        .toBuffer(),
    );
  if (kind < 0.2)
    return encodePng(
      { width: w, height: h, channels: 4, depth: patch.depth, pixels: patch.rgba },
      { level: 3, chunks: [text] },
    );
  return encodeBandedPatch(patch, [text], bandRows());
}
