/**
 * The planned flatten on worker threads (flatten-stripes.ts, flatten-worker.ts): the frame cut into one
 * stripe per worker, each inflating and blending the bands that reach into its stripe. Over random stacks on
 * 8-bit photos (3 and 4 channels, frames and rectangles of sizes that are no multiple of the bands or the
 * stripes, bands of one to seven rows, feathered, hard and noisy alphas, files without an index, files
 * written by libpng, a 16-bit patch now and then, hidden layers) and one to three workers, the current image
 * and the image after a layer are the oracle's: every visible patch decoded by libvips and applied whole,
 * bottom to top. A worker that fails midway leaves no trace: the flatten is done again on the main thread
 * and gives the same image.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProjectSession } from '../../../../electron/core/project-session';
import type { Photo } from '../../../../electron/core/imaging';
import { FlattenStripes } from '../../../../electron/core/imaging/flatten-stripes';
import {
  appendPatchLayer,
  flattenOracle,
  layerPatch,
  patchFileOfKind,
  randomPhotoProject,
  randomUpTo,
} from '../../../support/flatten';
import { rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.MASKROOM_TEST_FLATTEN_WORKER_FAIL;
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

/** A random stack of `count` layers on a random 8-bit photo (files of every kind the flatten reads). */
async function randomStack(seed: number, count: number) {
  const rand = rng(seed);
  const { root, store, width, height } = await randomPhotoProject('maskroom-flatten-stripes-', rand, {
    width: [17, 60],
    height: [13, 70],
    depth: 8,
  });
  dirs.push(root);
  for (let i = 0; i < count; i++) {
    const w = 1 + Math.floor(rand() * width * (rand() < 0.3 ? 1 : 0.7));
    const h = 1 + Math.floor(rand() * height * (rand() < 0.3 ? 1 : 0.7));
    const x = Math.floor(rand() * (width - w + 1));
    const y = rand() < 0.15 ? height - h : Math.floor(rand() * (height - h + 1));
    const rect = { x, y, width: w, height: h };
    // Now and then a 16-bit patch (the whole flatten then stays on the main thread).
    const patch = layerPatch(rect, rand() < 0.04 ? 16 : 8, rand);
    // libpng's own filters (decoded by libvips, applied by the main thread between the workers' layers), from
    // before banding (no index: inflated whole, handed to the workers as rows), or banded.
    const file = await patchFileOfKind(patch, rand(), () => 1 + Math.floor(rand() * 7));
    const layer = await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
    if (rand() < 0.1) await store.setVisible(layer.id, false);
  }
  return { store, rand };
}

describe('the planned flatten on worker threads', () => {
  it('gives the oracle image over random stacks, stripe sizes and worker counts', async () => {
    const handed = vi.spyOn(FlattenStripes.prototype, 'layer');
    let striped = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const { store, rand } = await randomStack(seed, 2 + Math.floor(rand01(seed) * 19));
      const workers = 1 + (seed % 3);
      const what = `seed ${seed}, ${workers} workers`;
      const before = handed.mock.calls.length;
      const progress: number[] = [];
      const session = new ProjectSession(store, {
        persistInBackground: false,
        flattenWorkers: workers,
        flattenWorkersFrom: 2,
        onFlattenProgress: (applied) => progress.push(applied),
      });
      const visible = store.visibleLayers().map((l) => l.id);
      const current = await session.current();
      expect(bytesOf(current).equals(bytesOf(await flattenOracle(store, visible))), what).toBe(true);
      if (handed.mock.calls.length > before) {
        striped++;
        // Told in order, at every 8 layers as the main thread tells it, ending with the whole stack applied.
        expect(progress, what).toEqual([...progress].sort((a, b) => a - b));
        for (let m = 8; m < visible.length; m += 8) expect(progress, what).toContain(m);
        expect(progress[progress.length - 1], what).toBe(visible.length);
      }
      const upTo = randomUpTo(store, rand);
      const after = await session.upTo(upTo.at);
      expect(bytesOf(after).equals(bytesOf(await flattenOracle(store, upTo.ids))), `${what}, up to`).toBe(
        true,
      );
      await session.close();
    }
    // Most stacks went through the workers (the others: a 16-bit patch, or nothing to plan).
    expect(striped).toBeGreaterThan(12);
  });

  it('gives the same image from the main thread when a worker fails midway', async () => {
    let failed = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const { store } = await randomStack(100 + seed, 8);
      const visible = store.visibleLayers().map((l) => l.id);
      const expected = await flattenOracle(store, visible);
      const handed = vi.spyOn(FlattenStripes.prototype, 'layer');
      const here = vi.spyOn(ProjectSession.prototype as never, 'applyPlannedHere' as never);
      // Each worker throws once it has blended its first layer: the shared image is then half made.
      process.env.MASKROOM_TEST_FLATTEN_WORKER_FAIL = '1';
      const session = new ProjectSession(store, {
        persistInBackground: false,
        flattenWorkersFrom: 2,
      });
      const got = await session.current();
      delete process.env.MASKROOM_TEST_FLATTEN_WORKER_FAIL;
      expect(bytesOf(got).equals(bytesOf(expected)), `seed ${seed}`).toBe(true);
      if (handed.mock.calls.length > 0) {
        expect(here, `seed ${seed}`).toHaveBeenCalled();
        failed++;
      }
      await session.close();
      vi.restoreAllMocks();
    }
    expect(failed).toBeGreaterThan(3);
  });

  it('says an original of another size as the main thread does, while the workers wait for it', async () => {
    const { store } = await randomStack(300, 9);
    const other = await sharp({
      create: { width: store.width + 3, height: store.height, channels: 3, background: '#808080' },
    })
      .png()
      .toBuffer();
    store.readOriginal = async () => new Uint8Array(other);
    const handed = vi.spyOn(FlattenStripes.prototype, 'layer');
    const session = new ProjectSession(store, { persistInBackground: false, flattenWorkersFrom: 2 });
    await expect(session.current()).rejects.toMatchObject({ code: 'corrupt-project' });
    expect(handed).toHaveBeenCalled();
    await session.close();
  });
});

/** A number in [0, 1) for the seed, apart from the stack's own draws. */
function rand01(seed: number): number {
  return rng(seed * 7919)();
}
