/**
 * History compaction packs in slices after a change, and while a gesture is in progress it waits for the
 * gesture's end instead of waking at its slices' pace: on fake timers, the wakes during a long stroke stay
 * bounded by IDLE_CHECK_MS, and packing resumes as soon as the pointer is released.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CanvasContext } from '../../../../../renderer/canvas/module';
import {
  HistoryCompactionModule,
  IDLE_CHECK_MS,
} from '../../../../../renderer/canvas/modules/history-compaction';

function setup(slicesOfWork: number) {
  let painting = false;
  let checks = 0;
  let left = slicesOfWork;
  const engine = {
    compact: () => {
      left--;
      return left > 0;
    },
  };
  const ctx = { engine } as unknown as CanvasContext;
  const m = new HistoryCompactionModule(ctx, () => {
    checks++;
    return painting;
  });
  return {
    m,
    setPainting: (p: boolean) => (painting = p),
    checks: () => checks,
    left: () => left,
  };
}

describe('HistoryCompactionModule', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('packs slice after slice once a change is committed, until nothing is left', () => {
    const s = setup(5);
    s.m.maskChanged();
    vi.advanceTimersByTime(10_000);
    expect(s.left()).toBe(0);
    s.m.destroy();
  });

  it('wakes at most once per IDLE_CHECK_MS during a stroke, and packs right after the release', () => {
    for (const strokeMs of [1_000, 5_000, 30_000]) {
      const s = setup(3);
      s.m.maskChanged();
      s.setPainting(true);
      vi.advanceTimersByTime(strokeMs);
      // The first wake finds the stroke; then one look every IDLE_CHECK_MS at most.
      expect(s.checks()).toBeLessThanOrEqual(1 + Math.ceil(strokeMs / IDLE_CHECK_MS));
      expect(s.left()).toBe(3);
      s.setPainting(false);
      s.m.pointerUp();
      vi.advanceTimersByTime(1_000); // well under IDLE_CHECK_MS: the release resumed it
      expect(s.left()).toBe(0);
      s.m.destroy();
    }
  });

  it('stops for good once destroyed', () => {
    const s = setup(100);
    s.m.maskChanged();
    s.m.destroy();
    vi.advanceTimersByTime(60_000);
    expect(s.checks()).toBe(0);
    expect(s.left()).toBe(100);
  });
});
