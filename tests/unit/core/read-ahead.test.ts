/**
 * readAhead: items are taken in order with their own values, never more than `ahead` reads are started and
 * not yet taken, and with a byte bound no read starts while those held would then exceed the budget (unless
 * nothing is held: an item larger than the budget is read alone) — over random stacks, costs, budgets and
 * read times. A failing read rejects its own take only.
 */
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../electron/core/read-ahead';
import { rng } from '../../support/prng';

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('readAhead', () => {
  it('keeps within its count and its byte budget, and gives every item in order', async () => {
    const r = rng(4242);
    for (let round = 0; round < 60; round++) {
      const n = Math.floor(r() * 40);
      const ahead = 1 + Math.floor(r() * 8);
      const costs = Array.from({ length: n }, () => (r() < 0.2 ? 0 : Math.floor(r() * 100)));
      const empty = Array.from({ length: n }, () => r() < 0.25);
      const budget = r() < 0.2 ? Infinity : Math.floor(r() * 250);
      // Items started and not yet handed over: take(i) hands item i over before it starts the next reads.
      const held = new Map<number, number>();
      let handed = 0;
      const readAt: number[] = [];
      const take = readAhead(
        n,
        ahead,
        (j) => {
          readAt.push(j);
          if (empty[j]) return null;
          for (const k of held.keys()) if (k < handed) held.delete(k);
          const c = costs[j]!;
          const bytes = [...held.values()].reduce((a, b) => a + b, 0);
          // Bounds checked as each read starts: the ones started and not handed over, with this one.
          if (held.size > 0) expect(bytes + c, `round ${round} item ${j}`).toBeLessThanOrEqual(budget);
          expect(held.size + 1, `round ${round} item ${j}`).toBeLessThanOrEqual(ahead);
          held.set(j, c);
          return tick(Math.floor(r() * 3)).then(() => `v${j}`);
        },
        { cost: (j) => (empty[j] ? 0 : costs[j]!), budget },
      );
      for (let i = 0; i < n; i++) {
        handed = i + 1;
        const got = await take(i);
        expect(got, `round ${round} item ${i}`).toBe(empty[i] ? null : `v${i}`);
        if (r() < 0.3) await tick(1);
      }
      // Every item was read once, in order.
      expect(readAt).toEqual(Array.from({ length: n }, (_, j) => j));
    }
  });

  it('reads an item larger than the budget on its own', async () => {
    const live = new Set<number>();
    let handed = 0;
    let most = 0;
    const take = readAhead(
      5,
      4,
      (j) => {
        for (const k of live) if (k < handed) live.delete(k);
        live.add(j);
        most = Math.max(most, live.size);
        return tick(1).then(() => j);
      },
      { cost: () => 1000, budget: 10 },
    );
    for (let i = 0; i < 5; i++) {
      handed = i + 1;
      expect(await take(i)).toBe(i);
    }
    expect(most).toBe(1);
  });

  it('rejects only the take of a failing read, and leaves no rejection unhandled', async () => {
    const take = readAhead(6, 3, (j) =>
      j === 1 || j === 3 ? tick(1).then(() => Promise.reject(new Error(`bad ${j}`))) : tick(1).then(() => j),
    );
    expect(await take(0)).toBe(0);
    await expect(take(1)).rejects.toThrow('bad 1');
    // Reads started ahead (2, 3) settle unobserved; taking 2 still works.
    await tick(5);
    expect(await take(2)).toBe(2);
  });
});
