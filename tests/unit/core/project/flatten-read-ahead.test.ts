/**
 * How far a flatten reads ahead of the layer it applies is bounded in bytes (SessionOptions.aheadBytes) on
 * each of its three paths: the plain stream (files without a band index), the planned flatten on the main
 * thread, and the planned flatten on worker threads. With a budget smaller than any one layer, the next
 * layer's read starts only once the one before it is taken; with the default, several are read at once. The
 * image is the oracle's either way.
 */
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProjectSession, type SessionOptions } from '../../../../electron/core/project-session';
import type { Photo } from '../../../../electron/core/imaging';
import { encodeBandedPatch } from '../../../../electron/core/imaging/patch-bands';
import { encodePng } from '../../../../electron/core/imaging/png';
import { appendPatchLayer, flattenOracle, layerPatch, randomPhotoProject } from '../../../support/flatten';
import { rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

/** Ten layers, each a band of rows of its own (so every one is read), banded files or not. */
async function stack(seed: number, banded: boolean) {
  const rand = rng(seed);
  const { root, store, width } = await randomPhotoProject('maskroom-read-ahead-', rand, {
    width: [30, 20],
    height: [40, 1],
    depth: 8,
    channels: 3,
  });
  dirs.push(root);
  for (let i = 0; i < 10; i++) {
    const rect = { x: 0, y: i * 4, width, height: 4 };
    const patch = layerPatch(rect, 8, rand);
    const file = banded
      ? await encodeBandedPatch(patch, [], 2)
      : encodePng({ width, height: 4, channels: 4, depth: 8, pixels: patch.rgba }, { level: 3 });
    await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
  }
  return store;
}

/**
 * Flattens with `opts`, holding back every layer read the flatten starts (`method` of ProjectSession) for
 * a moment: how many were started before the first of them could finish, and the image.
 */
async function readsAtOnce(store: Awaited<ReturnType<typeof stack>>, method: string, opts: SessionOptions) {
  const proto = ProjectSession.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const original = proto[method]!;
  let started = 0;
  let atGate = -1;
  const gate = new Promise<void>((resolve) =>
    setTimeout(() => {
      atGate = started;
      resolve();
    }, 40),
  );
  const spy = vi.spyOn(proto, method).mockImplementation(async function (this: unknown, ...args: unknown[]) {
    started++;
    await gate;
    return original.apply(this, args);
  });
  const session = new ProjectSession(store, { persistInBackground: false, ...opts });
  const image = await session.current();
  await session.close();
  spy.mockRestore();
  return { atGate, calls: started, image };
}

describe('a flatten reads ahead within its byte budget', () => {
  const paths: Array<{ name: string; banded: boolean; method: string; opts: SessionOptions }> = [
    { name: 'the plain stream', banded: false, method: 'rowsOf', opts: { flattenWorkers: 0 } },
    { name: 'the planned flatten here', banded: true, method: 'readPlanned', opts: { flattenWorkers: 0 } },
    {
      name: 'the planned flatten on workers',
      banded: true,
      method: 'readParts',
      opts: { flattenWorkers: 2, flattenWorkersFrom: 2 },
    },
  ];
  for (const p of paths) {
    it(`on ${p.name}`, async () => {
      const store = await stack(p.name.length, p.banded);
      const expected = bytesOf(
        await flattenOracle(
          store,
          store.visibleLayers().map((l) => l.id),
        ),
      );
      const free = await readsAtOnce(store, p.method, p.opts);
      expect(free.calls).toBe(10);
      expect(free.atGate).toBeGreaterThan(1);
      expect(bytesOf(free.image).equals(expected)).toBe(true);
      const tight = await readsAtOnce(store, p.method, { ...p.opts, aheadBytes: 1 });
      expect(tight.calls).toBe(10);
      expect(tight.atGate).toBe(1);
      expect(bytesOf(tight.image).equals(expected)).toBe(true);
    });
  }
});
