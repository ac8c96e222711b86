/**
 * The task reporter's throttle over random step sequences (a fake clock): at most one event per interval
 * within a stage, the first event, each change of stage and the last always sent, a held step sent once
 * the interval has passed, steps never going back, nothing after the end.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TaskProgress, taskStages } from '../../../shared/contract';
import { TASK_EVENT_INTERVAL_MS, TaskReporter } from '../../../electron/core/task-progress';
import { rng } from '../../support/prng';

afterEach(() => {
  vi.useRealTimers();
});

function reporter(o: { silentUntilStep?: boolean; total?: number } = {}) {
  const sent: Array<{ at: number; p: TaskProgress }> = [];
  const r = new TaskReporter({
    taskId: 't1',
    projectId: 'p1',
    task: 'export',
    total: o.total ?? 50,
    emit: (p) => sent.push({ at: Date.now(), p: TaskProgress.parse(p) }),
    now: () => Date.now(),
    ...o,
  });
  return { r, sent };
}

describe('task reporter', () => {
  it('throttles to one event per interval within a stage, always sends stage changes and the end, never goes back', () => {
    vi.useFakeTimers();
    for (let seed = 1; seed <= 40; seed++) {
      const rand = rng(seed);
      const { r, sent } = reporter();
      let stage = 0;
      let done = 0;
      const asked: Array<{ at: number; stage: string; done: number }> = [];
      const steps = 5 + Math.floor(rand() * 60);
      for (let i = 0; i < steps; i++) {
        vi.advanceTimersByTime(Math.floor(rand() * 60));
        if (rand() < 0.1 && stage < taskStages.length - 1) stage++;
        // Callers may report a smaller number (a second flatten): the reporter keeps the larger.
        done = rand() < 0.1 ? Math.max(0, done - 3) : done + Math.floor(rand() * 3);
        const s = taskStages[stage]!;
        asked.push({ at: Date.now(), stage: s, done });
        r.step(s, done, `step ${i}`);
      }
      // Whatever is held goes out within one interval.
      vi.advanceTimersByTime(TASK_EVENT_INTERVAL_MS);
      const lastAsked = asked.at(-1)!;
      expect(sent.at(-1)!.p.label, `seed ${seed}`).toBe(`step ${steps - 1}`);
      r.finish('done', 'Done');
      r.step('write', 1, 'after the end');
      vi.advanceTimersByTime(10 * TASK_EVENT_INTERVAL_MS);

      expect(sent[0]!.p.label).toBe('step 0');
      expect(sent.at(-1)!.p).toMatchObject({ status: 'done', done: 50, total: 50, label: 'Done' });
      expect(sent.filter((e) => e.p.status !== 'running')).toHaveLength(1);
      for (let i = 1; i < sent.length; i++) {
        const [a, b] = [sent[i - 1]!, sent[i]!];
        expect(b.p.done).toBeGreaterThanOrEqual(a.p.done);
        if (a.p.stage === b.p.stage && b.p.status === 'running')
          expect(b.at - a.at, `seed ${seed}`).toBeGreaterThanOrEqual(TASK_EVENT_INTERVAL_MS);
      }
      // Every stage that was reported was sent, in the order it was reported.
      const stagesAsked = asked.map((a) => a.stage).filter((s, i, a) => a.indexOf(s) === i);
      const stagesSent = sent.map((e) => e.p.stage).filter((s, i, a) => a.indexOf(s) === i);
      expect(stagesSent).toEqual(stagesAsked);
      // Never more events than steps asked plus the end.
      expect(sent.length).toBeLessThanOrEqual(asked.length + 1);
      expect(lastAsked.stage).toBe(sent.at(-2)!.p.stage);
    }
  });

  it('a silent task says nothing until its first step, and nothing at all when it never steps', () => {
    vi.useFakeTimers();
    const quiet = reporter({ silentUntilStep: true });
    quiet.r.finish('done', 'Done');
    expect(quiet.sent).toEqual([]);
    const loud = reporter({ silentUntilStep: true, total: 3 });
    loud.r.step('flatten', 1, 'Applying the layers: 1 of 2');
    loud.r.finish('failed', 'Stopped');
    expect(loud.sent.map((e) => [e.p.status, e.p.done])).toEqual([
      ['running', 1],
      ['failed', 1],
    ]);
  });
});
