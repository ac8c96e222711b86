/**
 * The planned flatten where worker threads cannot be had: at a process's limit of threads (or of memory)
 * `new Worker` throws ERR_WORKER_INIT_FAILED itself. Here the pool's first worker starts and its second
 * cannot: the flatten is then done on the main thread, to the oracle's image and that of a session told to
 * use no workers, nothing fails, and the worker that did start is ended.
 */
import { promises as fs } from 'node:fs';
import type * as WorkerThreads from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProjectSession } from '../../../../electron/core/project-session';
import type { Photo } from '../../../../electron/core/imaging';
import { encodeBandedPatch } from '../../../../electron/core/imaging/patch-bands';
import { textChunk } from '../../../../electron/core/imaging/png';
import { appendPatchLayer, flattenOracle, layerPatch, randomPhotoProject } from '../../../support/flatten';
import { rng } from '../../../support/prng';

/** Workers made (every second one throws as `new Worker` does when no thread can be made) and ended. */
const threads = vi.hoisted(() => ({ made: 0, live: 0 }));

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof WorkerThreads>();
  const { EventEmitter } = await import('node:events');
  class Worker extends EventEmitter {
    private ended = false;
    constructor() {
      super();
      if (++threads.made % 2 === 0)
        throw Object.assign(new Error('Worker initialization failure: EAGAIN'), {
          code: 'ERR_WORKER_INIT_FAILED',
        });
      threads.live++;
    }
    // A worker that started but is never given the chance to answer.
    postMessage(): void {}
    terminate(): Promise<number> {
      if (!this.ended) threads.live--;
      this.ended = true;
      return Promise.resolve(1);
    }
  }
  return { ...real, Worker, default: { ...real, Worker } };
});

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

describe('the planned flatten when a worker thread cannot start', () => {
  it('is done on the main thread to the same image, the worker that started ended', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rand = rng(400 + seed);
      const { root, store, width, height } = await randomPhotoProject('maskroom-flatten-nothreads-', rand, {
        width: [20, 40],
        height: [16, 40],
        depth: 8,
      });
      dirs.push(root);
      const count = 8 + Math.floor(rand() * 8);
      for (let i = 0; i < count; i++) {
        const w = 1 + Math.floor(rand() * width);
        const h = 1 + Math.floor(rand() * height);
        const x = Math.floor(rand() * (width - w + 1));
        const y = Math.floor(rand() * (height - h + 1));
        const text = textChunk('maskroom:rect', `${x},${y},${w},${h}`);
        const rect = { x, y, width: w, height: h };
        const file = await encodeBandedPatch(layerPatch(rect, 8, rand), [text], 1 + Math.floor(rand() * 5));
        await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
      }
      const ids = store.visibleLayers().map((l) => l.id);
      const made = threads.made;
      const session = new ProjectSession(store, { persistInBackground: false, flattenWorkersFrom: 2 });
      const got = await session.current();
      await session.close();
      expect(threads.made, `seed ${seed}: the pool tried its two workers`).toBe(made + 2);
      expect(threads.live, `seed ${seed}: no worker left running`).toBe(0);
      const here = new ProjectSession(store, { persistInBackground: false, flattenWorkers: 0 });
      const expected = await here.current();
      await here.close();
      expect(bytesOf(got).equals(bytesOf(expected)), `seed ${seed}`).toBe(true);
      expect(bytesOf(got).equals(bytesOf(await flattenOracle(store, ids))), `seed ${seed}`).toBe(true);
    }
  });
});
