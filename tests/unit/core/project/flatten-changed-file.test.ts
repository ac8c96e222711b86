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
import {
  applyPatches,
  decodePatch,
  loadPhoto,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { encodeBandedPatch } from '../../../../electron/core/imaging/patch-bands';
import { ownLayout } from '../../../../electron/core/imaging/patch';
import { textChunk } from '../../../../electron/core/imaging/png';
import { appendPatchLayer, randomPhotoProject } from '../../../support/flatten';
import { rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

/** The file's bytes up to its IDAT chunk (signature, IHDR, tEXt, mrIX). */
function headOf(file: Uint8Array): Uint8Array {
  const own = ownLayout(file)!;
  return file.subarray(0, file.length - 12 - own.idat.length - 12);
}

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
      // The new version is translucent: the layer below shows through it again. Keeping the old head, its
      // stream must be as long as the old one (the old head's IDAT length is what the index pass read):
      // colours and alphas are drawn until one deflates to that length (bounded; one always has, in runs).
      const keepsHead = seed % 2 === 0;
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
        // The old head (its index claims the layer opaque) and a stream of the same length with other pixels.
        expect(ownLayout(fresh)!.idat.length).toBe(oldLength);
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
      const session = new ProjectSession(store, { persistInBackground: false, ...threads });
      const got = await session.current();
      const now = [
        await decodePatch(await store.readLayerFile(ids[0]!, 'patch'), rect),
        await decodePatch(replacement, rect),
      ];
      const expected = applyPatches(await loadPhoto(png), now);
      expect(swapped).toBe(true);
      expect(bytesOf(got).equals(bytesOf(expected)), `seed ${seed}`).toBe(true);
      await session.close();
    }
  });
});
