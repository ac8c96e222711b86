/**
 * The flatten of a project (ProjectSession.current / upTo, and the rebuild after a hide) against the way it
 * was done before our own patch decoder, kept here as the oracle: every visible patch file decoded by
 * libvips, then applied in stack order onto the decoded original. Over random stacks (both photo depths,
 * 3 and 4 channels, patches of either depth, feathered and noisy alphas, files written by libpng with its
 * own filters among ours, hidden layers) the images are the same sample for sample; and a patch file that
 * does not decode is named in the same one-sentence error as before.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/project-session';
import { encodePatch, type Patch, type Photo } from '../../../../electron/core/imaging';
import {
  appendPatchLayer,
  flattenOracle,
  randomUpTo,
  randomPhotoProject,
  randomSamples,
} from '../../../support/flatten';
import { rng } from '../../../support/prng';

/** A layer-like patch: an opaque ellipse with a feathered edge, or (sometimes) noise in every alpha. */
function layerPatch(rect: Rect, depth: 8 | 16, rand: () => number): Patch {
  const { width: w, height: h } = rect;
  const max = depth === 16 ? 65535 : 255;
  const rgba = randomSamples(depth, w * h * 4, rand);
  const noisy = rand() < 0.25;
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const d = Math.hypot((i + 0.5) / w - 0.5, (j + 0.5) / h - 0.5) * 2;
      const r = rand();
      rgba[(j * w + i) * 4 + 3] = noisy
        ? r < 0.2
          ? 0
          : r < 0.4
            ? max
            : Math.floor(rand() * (max + 1))
        : d >= 1
          ? 0
          : d <= 0.7
            ? max
            : Math.round(((1 - d) / 0.3) * max);
    }
  return { rect, depth, rgba };
}

/** A project with a generated original and `count` random layers, some of them written by libpng. */
async function randomProject(seed: number, count: number) {
  const rand = rng(seed);
  const { dir, store, width, height, depth } = await randomPhotoProject('maskroom-flatten-oracle-', rand, {
    width: [30, 60],
    height: [20, 40],
  });
  let libpng = 0;
  for (let i = 0; i < count; i++) {
    const w = 1 + Math.floor(rand() * width * 0.7);
    const h = 1 + Math.floor(rand() * height * 0.7);
    const rect = {
      x: Math.floor(rand() * (width - w + 1)),
      y: Math.floor(rand() * (height - h + 1)),
      width: w,
      height: h,
    };
    // Mostly the photo's depth, as the app writes them; sometimes the other.
    const patch = layerPatch(rect, rand() < 0.8 ? depth : depth === 8 ? 16 : 8, rand);
    // Now and then an 8-bit patch as libpng writes it (its own filters): such files decode as before.
    const byLibpng = patch.depth === 8 && rand() < 0.2;
    if (byLibpng) libpng++;
    const file = byLibpng
      ? new Uint8Array(
          await sharp(patch.rgba, { raw: { width: w, height: h, channels: 4 } })
            .png({ adaptiveFiltering: true })
            .toBuffer(),
        )
      : await encodePatch(patch);
    const layer = await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
    if (rand() < 0.15) await store.setVisible(layer.id, false);
  }
  return { dir, store, rand, libpng };
}

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

describe('flatten', () => {
  it('gives the image the libvips decode of every patch gave, over random stacks', async () => {
    let libpng = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const { dir, store, rand, libpng: n } = await randomProject(seed, 1 + Math.floor(seed / 2));
      libpng += n;
      const what = `seed ${seed}`;
      const visible = store.visibleLayers().map((l) => l.id);
      const session = new ProjectSession(store, { persistInBackground: false });
      const current = await session.current();
      expect(bytesOf(current).equals(bytesOf(await flattenOracle(store, visible))), what).toBe(true);

      // The image right after some layer: the visible ones below it, and it.
      const upTo = randomUpTo(store, rand);
      expect(
        bytesOf(await session.upTo(upTo.at)).equals(bytesOf(await flattenOracle(store, upTo.ids))),
        what,
      ).toBe(true);

      // A hide: rebuilt from the held image inside the hidden layer's box (its patches cut to it).
      const shown = store.visibleLayers();
      if (shown.length > 1) {
        const hide = shown[Math.floor(rand() * shown.length)]!;
        await store.setVisible(hide.id, false);
        const after = store.visibleLayers().map((l) => l.id);
        expect(
          bytesOf(await session.current()).equals(bytesOf(await flattenOracle(store, after))),
          what,
        ).toBe(true);
      }
      await session.close();
      await fs.rm(path.dirname(dir), { recursive: true, force: true });
    }
    // Files from libpng were among the layers.
    expect(libpng).toBeGreaterThan(0);
  });

  it('names a patch file that does not decode in the same sentence as before, and leaves that layer out', async () => {
    const { dir, store } = await randomProject(5, 4);
    for (const l of store.layers()) await store.setVisible(l.id, true);
    const layers = store.layers();
    // The top layer: the flatten reads all of it (of a layer below, only what the layers above leave seen).
    const bad = layers[3]!;
    await store.close();
    // The same length (the store's size check passes), one byte of the pixel data changed.
    const file = path.join(dir, 'layers', bad.files.patch);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x5a;
    await fs.writeFile(file, bytes);

    const again = await ProjectStore.open(dir);
    expect(again.damaged(bad.id)).toBeNull();
    const session = new ProjectSession(again, { persistInBackground: false });
    await expect(session.current()).rejects.toMatchObject({
      code: 'damaged-layer',
      message:
        `Layer 4 ("${bad.prompt}", ${bad.id}) cannot be used because layers/${bad.files.patch} cannot be read ` +
        '(corrupt-project); put the file back (for example, let the cloud folder finish syncing) or hide that layer.',
    });
    expect(again.damaged(bad.id)).toContain(`layers/${bad.files.patch} cannot be read`);
    // The image without it is what the oracle gives for the other layers.
    const rest = layers.filter((l) => l.id !== bad.id).map((l) => l.id);
    expect(bytesOf(await session.current()).equals(bytesOf(await flattenOracle(again, rest)))).toBe(true);
    await session.close();
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });
});
