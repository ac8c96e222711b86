/**
 * The planned flatten reads a layer's file twice (its head for the index, then the bands it needs). A file
 * replaced in between (a sync client putting another version in place) must not mix the two: the plan made
 * from the old index is dropped and the stack applied as the files now are, as the plain back-to-front
 * flatten does. Over layers of random opaque and translucent alpha, replaced by a file of another layout or
 * by one that keeps the old head and stream length with other pixels.
 */
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectSession } from '../../../../electron/core/project-session';
import { applyPatches, decodePatch, loadPhoto, type Photo } from '../../../../electron/core/imaging';
import { randomPhotoProject, replacedOnRead } from '../../../support/flatten';
import { rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

describe('a layer file replaced while the flatten reads it', () => {
  // On the main thread, and on worker threads (which check the bands the main thread read).
  it.each([
    ['on the main thread', { flattenWorkers: 0 }],
    ['on worker threads', { flattenWorkersFrom: 2 }],
  ])('is applied as it now is, never with the plan of the file it replaced (%s)', async (_, threads) => {
    for (let seed = 1; seed <= 8; seed++) {
      const rand = rng(seed);
      const { root, store, png, width, height } = await randomPhotoProject(
        'maskroom-flatten-changed-',
        rand,
        {
          width: [24, 20],
          height: [20, 20],
          depth: 8,
          channels: 3,
          name: 'g.png',
        },
      );
      dirs.push(root);
      const { ids, rect, replacement, swapped } = await replacedOnRead(
        store,
        rand,
        { width, height },
        seed % 2 === 0,
      );
      const session = new ProjectSession(store, { persistInBackground: false, ...threads });
      const got = await session.current();
      const now = [
        await decodePatch(await store.readLayerFile(ids[0]!, 'patch'), rect),
        await decodePatch(replacement, rect),
      ];
      const expected = applyPatches(await loadPhoto(png), now);
      expect(swapped()).toBe(true);
      expect(bytesOf(got).equals(bytesOf(expected)), `seed ${seed}`).toBe(true);
      await session.close();
    }
  });
});
