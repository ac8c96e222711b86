/**
 * FlattenStripes once it has failed: a worker's messages already on their way still arrive after
 * terminate() (node delivers what the worker posted before it ended), and a pool that has failed (or been
 * closed) must tell no more layers applied, since the session's flatten has then moved on (to the main
 * thread's flatten from the start, which reports its own progress). The workers here are stand-ins whose
 * messages the test sends, in the order a real worker's could arrive.
 */
import type * as WorkerThreads from 'node:worker_threads';
import type { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { FlattenStripes, type ToWorker } from '../../../../electron/core/imaging/flatten-stripes';
import { rng } from '../../../support/prng';

const made = vi.hoisted(() => [] as Array<EventEmitter & { posted: ToWorker[] }>);

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof WorkerThreads>();
  const { EventEmitter } = await import('node:events');
  class Worker extends EventEmitter {
    posted: ToWorker[] = [];
    constructor() {
      super();
      made.push(this);
    }
    postMessage(m: ToWorker): void {
      this.posted.push(m);
    }
    terminate(): Promise<number> {
      return Promise.resolve(1);
    }
  }
  return { ...real, Worker, default: { ...real, Worker } };
});

describe('FlattenStripes after a failure', () => {
  it('tells no layer applied once a worker failed or the pool was closed, whatever arrives after', async () => {
    const r = rng(77);
    for (let t = 0; t < 20; t++) {
      made.length = 0;
      const width = 3;
      const height = 8;
      const pool = new FlattenStripes(2, width, height);
      const told: number[] = [];
      const top = new Uint8Array(new SharedArrayBuffer(width * height));
      await pool.plan(top, new Float64Array(height).fill(1), (k) => told.push(k));
      // Stripes: rows 0-3 (worker 0) and 4-7 (worker 1). Layers alternate between them, one row each.
      const n = 2 + Math.floor(r() * 6);
      for (let k = 1; k <= n; k++) {
        const y = k % 2 === 0 ? 1 : 5;
        const rows = new Uint8Array(1 + width * 4);
        await pool.layer(k, { x: 0, y, width, height: 1 }, new Uint32Array([width]), [
          { y: 0, count: 1, rows },
        ]);
      }
      const sent = made.map((w) => w.posted.filter((m) => m.t === 'layer'));
      expect(sent.flat().length, `t ${t}`).toBe(n);
      // Some layers acknowledged in order, then the pool fails (a worker's error, or closed).
      const before = Math.floor(r() * n);
      const ack = (k: number) => {
        const w = k % 2 === 0 ? 0 : 1;
        made[w]!.emit('message', { t: 'ack', k, bytes: 1 + width * 4 });
      };
      for (let k = 1; k <= before; k++) ack(k);
      expect(told, `t ${t}`).toEqual(Array.from({ length: before }, (_, i) => i + 1));
      if (r() < 0.5) made[Math.floor(r() * 2)]!.emit('error', new Error('worker failed'));
      else pool.close();
      // What the workers had posted before they ended still comes in.
      for (let k = before + 1; k <= n; k++) ack(k);
      expect(told, `t ${t}: nothing told after the failure`).toHaveLength(before);
      pool.close();
    }
  });
});
