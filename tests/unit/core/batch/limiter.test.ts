/**
 * The shared rate limiter: its own rules (holds only move out, ready() waits until the hold ends, an abort
 * ends the wait) and how it plugs into the edit client: a 429 answered to one client holds the limiter, and
 * another client sharing it waits before sending anything.
 */
import { describe, expect, it } from 'vitest';
import { SharedRateLimiter } from '../../../../electron/core/edit-api/limiter';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { useFakeSegmind } from '../../../support/fake-service';
import { baseInput, clientFor } from '../edit-api/helpers';

/** A limiter on a virtual clock: sleeping advances the clock and is recorded. */
function virtual() {
  let now = 1_000_000;
  const slept: number[] = [];
  const limiter = new SharedRateLimiter({
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  return { limiter, slept, advance: (ms: number) => (now += ms) };
}

describe('SharedRateLimiter', () => {
  it('holds every caller until the latest hold ends, whatever order the holds came in', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const { limiter, slept } = virtual();
      const holds = Array.from(
        { length: 1 + (trial % 7) },
        (_, i) => ((trial * 7919 + i * 104729) % 5000) + 1,
      );
      for (const h of holds) limiter.hold(h);
      await limiter.ready();
      expect(slept.reduce((a, b) => a + b, 0)).toBe(Math.max(...holds));
      expect(limiter.waitMs()).toBe(0);
      // Once the hold has passed, callers go at once.
      await limiter.ready();
      expect(slept.length).toBe(1);
    }
  });

  it('goes at once with no hold, and caps a hold at maxHoldMs', async () => {
    const { limiter, slept } = virtual();
    await limiter.ready();
    expect(slept).toEqual([]);
    const capped = new SharedRateLimiter({ maxHoldMs: 100, now: () => 0, sleep: async () => undefined });
    capped.hold(1e9);
    expect(capped.waitMs()).toBe(100);
    capped.hold(Number.NaN);
    expect(capped.waitMs()).toBe(100);
  });

  it('ends the wait when the signal aborts', async () => {
    const limiter = new SharedRateLimiter();
    limiter.hold(30_000);
    const c = new AbortController();
    const p = limiter.ready(c.signal);
    c.abort();
    await expect(p).rejects.toThrow();
  });
});

describe('the edit client with a shared limiter', () => {
  let fake: FakeSegmind;
  useFakeSegmind(
    (f) => (fake = f),
    (f) => {
      f.clearLog();
      f.setFault(null);
    },
  );

  it('a 429 to one client holds the limiter for the time the service asked; the retry waits on it', async () => {
    const { limiter, slept } = virtual();
    fake.queueFaults({ name: '429-then-ok', endpoint: 'submit', retryAfter: '7' });
    const a = clientFor(fake, {}, { limiter });
    try {
      const r = await a.edit(await baseInput());
      expect(r.requestId).toBeTruthy();
    } finally {
      await a.close();
    }
    expect(limiter.holds).toBe(1);
    // The retry after the 429 waited the 7 s the service asked for, on the shared limiter.
    expect(slept).toContain(7000);
    expect(fake.requests.filter((q) => q.endpoint === 'submit').map((q) => q.status)).toEqual([429, 200]);
  });

  it('another client sharing the limiter sends nothing until the hold is over', async () => {
    const log: string[] = [];
    const limiter = new SharedRateLimiter({
      sleep: (ms) => {
        log.push(`sleep ${ms > 0 ? 'some' : 'none'} requests so far ${fake.requests.length}`);
        return new Promise((r) => setTimeout(r, Math.min(ms, 50)));
      },
      now: (() => {
        let t = 0;
        return () => (t += 20);
      })(),
    });
    limiter.hold(100);
    const b = clientFor(fake, {}, { limiter });
    try {
      await b.edit(await baseInput());
    } finally {
      await b.close();
    }
    // It slept before its first request reached the service.
    expect(log[0]).toBe('sleep some requests so far 0');
    expect(fake.count('submit')).toBe(1);
  });

  it('without a limiter the client keeps its own retry pause (no shared state)', async () => {
    fake.queueFaults({ name: '429-then-ok', endpoint: 'submit', retryAfter: '0' });
    const c = clientFor(fake);
    try {
      await c.edit(await baseInput());
    } finally {
      await c.close();
    }
    expect(fake.requests.filter((q) => q.endpoint === 'submit').map((q) => q.status)).toEqual([429, 200]);
  });
});
