/**
 * A rate limiter shared by every edit client of one batch (docs/edit-service.md, "Network"): when the
 * service answers 429 to any request, every request of every worker waits until the time the service asked
 * for (Retry-After or x-rate-limit-reset-at-utc) instead of each worker retrying on its own schedule.
 *
 * `hold(ms)` pushes the shared "not before" time out (never in); `ready()` waits until it has passed. The
 * clock and the timer are injectable so tests need no real time.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';

export interface RateLimiter {
  /** Resolves when a request may be sent; rejects when the signal aborts. */
  ready(signal?: AbortSignal): Promise<void>;
  /** The service asked to wait `ms` milliseconds: every request waits at least that long from now. */
  hold(ms: number): void;
}

export interface SharedRateLimiterOptions {
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Longest single hold honoured (a longer one is cut to this); default 60 s. */
  maxHoldMs?: number;
}

export class SharedRateLimiter implements RateLimiter {
  private notBefore = 0;
  /** How many 429 answers moved the shared time (for reports and tests). */
  holds = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly maxHoldMs: number;

  constructor(o: SharedRateLimiterOptions = {}) {
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms, signal) => sleepTimer(ms, undefined, { signal }));
    this.maxHoldMs = o.maxHoldMs ?? 60_000;
  }

  hold(ms: number): void {
    const wait = Math.min(this.maxHoldMs, Math.max(0, Number.isFinite(ms) ? ms : 0));
    const until = this.now() + wait;
    if (until > this.notBefore) this.notBefore = until;
    this.holds++;
  }

  /** Milliseconds until requests may be sent again (0 when they may go now). */
  waitMs(): number {
    return Math.max(0, this.notBefore - this.now());
  }

  async ready(signal?: AbortSignal): Promise<void> {
    // Bounded: each pass either returns or sleeps until the current hold ends; a hold set meanwhile by
    // another worker's 429 is honoured on the next pass. Holds are capped, so this ends.
    for (let pass = 0; pass < 1000; pass++) {
      signal?.throwIfAborted();
      const ms = this.waitMs();
      if (ms <= 0) return;
      await this.sleep(ms, signal);
    }
  }
}
