/**
 * The weighted semaphore that bounds how many photo pixels a batch decodes at once: over random workloads the
 * units held never exceed the capacity, everyone gets through, and a large request is not starved by smaller
 * ones that arrive after it.
 */
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../../electron/core/batch';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Semaphore', () => {
  it('never holds more than its capacity and lets every holder through', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const capacity = 1 + Math.floor(r() * 50);
      const sem = new Semaphore(capacity);
      let held = 0;
      let peak = 0;
      let finished = 0;
      const jobs = Array.from({ length: 5 + Math.floor(r() * 20) }, async () => {
        const n = 1 + Math.floor(r() * capacity * 1.5); // some ask for more than the capacity
        const units = Math.min(n, capacity);
        await sem.acquire(n);
        held += units;
        peak = Math.max(peak, held);
        for (let i = 0; i < 1 + Math.floor(r() * 3); i++) await tick();
        held -= units;
        sem.release(n);
        finished++;
      });
      await Promise.all(jobs);
      expect(peak).toBeLessThanOrEqual(capacity);
      expect(finished).toBe(jobs.length);
      expect(sem.available()).toBe(capacity);
    }
  });

  it('serves in arrival order: a large request waits for room, smaller later ones wait behind it', async () => {
    const sem = new Semaphore(10);
    const order: string[] = [];
    await sem.acquire(6);
    const big = sem.acquire(8).then(() => order.push('big'));
    const small = sem.acquire(1).then(() => order.push('small'));
    await tick();
    expect(order).toEqual([]); // 4 free: not enough for big, and small may not jump the queue
    sem.release(6);
    await big;
    await small;
    expect(order).toEqual(['big', 'small']);
  });
});
