/**
 * Progress of long work ('task:progress' in shared/contract.ts): one reporter per task, throttled to at most
 * one event per TASK_EVENT_INTERVAL_MS, besides the first event, a change of stage and the last event (which
 * always go out at once). A step reported while the interval has not passed is held, and sent when it has
 * (unless a newer step or the end replaced it first): the screen never stays on an old step for long.
 *
 * Flatten progress reaches the task that asked for the flattened image through `flattenProgress`: a project
 * session has one onFlattenProgress callback, and the workspace runs each task's reads of the session inside
 * `flattening.run(task, ...)`, so the callback (called in the flatten's own async context) finds the task
 * that started that flatten. A task that waits on a flatten another task started sees no flatten steps.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskKind, TaskProgress, TaskStage } from '../../shared/contract';

export const TASK_EVENT_INTERVAL_MS = 100;

export interface TaskReporterOptions {
  taskId: string;
  projectId: string;
  task: TaskKind;
  total: number;
  emit(p: TaskProgress): void;
  now(): number;
  /**
   * Send nothing until the first step (default false: the task is announced at once). A task that may turn
   * out to be quick (a render that finds its preview in cache) starts silent and is only shown once it works.
   */
  silentUntilStep?: boolean;
}

export class TaskReporter {
  private last: TaskProgress | null = null;
  private lastAt = 0;
  private pending: TaskProgress | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private total: number;

  constructor(private readonly o: TaskReporterOptions) {
    this.total = Math.max(1, Math.round(o.total));
  }

  /** Whether any event of this task went out. */
  get announced(): boolean {
    return this.last !== null;
  }

  /** Changes the number of steps (when the work turns out larger or smaller than first counted). */
  setTotal(total: number): void {
    this.total = Math.max(1, Math.round(total));
  }

  /** The task is at `done` of its steps, in `stage`. Ignored once the task ended. */
  step(stage: TaskStage, done: number, label: string): void {
    if (this.ended) return;
    const p = this.progress('running', stage, done, label);
    const stageChanged = this.last === null || this.last.stage !== stage;
    if (stageChanged || this.o.now() - this.lastAt >= TASK_EVENT_INTERVAL_MS) {
      this.send(p);
      return;
    }
    this.pending = p;
    if (!this.timer) {
      const wait = Math.max(0, TASK_EVENT_INTERVAL_MS - (this.o.now() - this.lastAt));
      this.timer = setTimeout(() => {
        this.timer = null;
        const held = this.pending;
        if (held && !this.ended) this.send(held);
      }, wait);
      this.timer.unref?.();
    }
  }

  /** The last event: 'done' (all steps done) or 'failed'. Sent only when the task was announced. */
  finish(status: 'done' | 'failed', label: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer();
    this.pending = null;
    if (!this.last && this.o.silentUntilStep) return;
    const stage = this.last?.stage ?? 'read';
    const done = status === 'done' ? this.total : (this.last?.done ?? 0);
    this.send(this.progress(status, stage, done, label));
  }

  private progress(
    status: TaskProgress['status'],
    stage: TaskStage,
    done: number,
    label: string,
  ): TaskProgress {
    // Steps only go forward, and never past the total.
    const floor = this.last?.done ?? 0;
    const d = Math.min(this.total, Math.max(floor, Math.round(done)));
    return {
      taskId: this.o.taskId,
      projectId: this.o.projectId,
      task: this.o.task,
      stage,
      status,
      done: d,
      total: this.total,
      label,
    };
  }

  private send(p: TaskProgress): void {
    this.clearTimer();
    this.pending = null;
    this.last = p;
    this.lastAt = this.o.now();
    this.o.emit(p);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Where a session's flatten progress goes: the task in whose async context the flatten started. */
export type FlattenListener = (applied: number, total: number) => void;
export const flattening = new AsyncLocalStorage<FlattenListener>();

/** The callback a project session is made with (SessionOptions.onFlattenProgress). */
export function flattenProgress(applied: number, total: number): void {
  flattening.getStore()?.(applied, total);
}
