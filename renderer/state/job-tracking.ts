/**
 * Every job of the open project, several at a time: progress events, cancel, dismiss and collecting a
 * paid result (state/jobs.ts holds the rules of what is collectable).
 *
 * Rules kept here: a finished job never goes back to an earlier state (events may arrive out of order)
 * unless the user asked to collect its result; a job's failure is announced in the error banner once.
 */
import type { JobStatus } from '../../shared/contract';
import { attempt, type Ctx } from './core';
import { describeError } from './errors';
import { collectableJobs, isCollectable } from './jobs';
import { isActive, type EditorState, type Patch, type TrackedJob } from './model';

/** How long a finished job's row stays in the list; failures stay until dismissed. */
export const DONE_ROW_MS = 6000;

// ---- transitions ---------------------------------------------------------------------------------

/**
 * A job's progress arrived (`announce`: from its own event, not as part of a project change). Null when it
 * changes nothing; else the patch, and whether the job has just finished.
 */
export function jobArrived(
  s: EditorState,
  j: JobStatus,
  announce: boolean,
  now: number,
): { patch: Patch; finished: boolean } | null {
  if (s.project && j.projectId !== s.project.id) return null;
  const existing = s.jobs.find((x) => x.jobId === j.jobId);
  if (existing && existing.state === j.state && existing.elapsedSeconds >= j.elapsedSeconds && !announce)
    return null;
  // Back to running only for a job whose result the user asked to collect: then it runs again, to done.
  if (existing && !isActive(existing) && isActive(j) && !existing.collecting) return null;
  const tracked: TrackedJob = { ...j, receivedAt: now };
  // While 'edit:collect' is pending a failure may be the old one re-sent: keep waiting for its answer.
  if (existing?.collecting && existing.collecting !== 'started' && j.state === 'failed')
    tracked.collecting = 'failed-again';
  const patch: Patch = {
    jobs: existing ? s.jobs.map((x) => (x.jobId === j.jobId ? tracked : x)) : [...s.jobs, tracked],
  };
  const layer = j.layerId ? s.project?.layers.find((l) => l.id === j.layerId) : undefined;
  if (s.project && layer && layer.groupId === null) {
    const layers = s.project.layers.map((l) => (l === layer ? { ...l, groupId: j.groupId } : l));
    patch.project = { ...s.project, layers };
  }
  const failedAnew = existing?.state !== 'failed' || Boolean(existing.collecting);
  if (announce && j.state === 'failed' && failedAnew && j.error) {
    const shown = describeError(j.error);
    patch.error = shown.collect ? { ...shown, collect: { ...shown.collect, jobId: j.jobId } } : shown;
  } else if (s.error?.collect?.jobId === j.jobId && j.state !== 'failed') {
    // The banner about a result to collect goes once that job runs again.
    patch.error = null;
  }
  return { patch, finished: j.state === 'done' && existing?.state !== 'done' };
}

/** Marks (or clears, with undefined) a job's collect in progress. */
export function collecting(s: EditorState, jobId: string, mark: TrackedJob['collecting']): Patch {
  return {
    jobs: s.jobs.map((j) => {
      if (j.jobId !== jobId) return j;
      const next: TrackedJob = { ...j };
      if (mark) next.collecting = mark;
      else delete next.collecting;
      return next;
    }),
  };
}

/** Removes a finished job's row (a running job's row stays). */
export function jobDismissed(s: EditorState, jobId: string): Patch {
  return { jobs: s.jobs.filter((j) => j.jobId !== jobId || isActive(j)) };
}

/** The job the shown error is about, when its result can be collected. */
export function errorJob(s: EditorState): string | null {
  const c = s.error?.collect;
  if (!c) return null;
  return c.jobId ?? s.jobs.find((j) => j.requestId === c.requestId && isCollectable(j))?.jobId ?? null;
}

// ---- effects -------------------------------------------------------------------------------------

export function createJobActions(ctx: Ctx) {
  const dismissJob = (jobId: string): void => ctx.set((s) => jobDismissed(s, jobId));

  const onJob = (j: JobStatus, announce = true): void => {
    const r = jobArrived(ctx.get(), j, announce, ctx.media.now());
    if (!r) return;
    ctx.set(r.patch);
    if (r.finished) setTimeout(() => dismissJob(j.jobId), DONE_ROW_MS);
  };

  const cancelJob = async (jobId: string): Promise<void> => {
    await attempt(ctx, () => ctx.api.invoke('edit:cancel', { jobId }));
  };

  /**
   * Collect the result of an edit the service accepted but Maskroom did not finish: never submits it
   * again. The job's row follows its progress events to done (or to a new failure).
   */
  const collect = async (jobId: string): Promise<void> => {
    const job = ctx.get().jobs.find((j) => j.jobId === jobId);
    if (!job || !isCollectable(job) || job.collecting) return;
    ctx.set((s) => collecting(s, jobId, 'asked'));
    if (ctx.get().error?.collect?.jobId === jobId) ctx.set({ error: null });
    try {
      await ctx.api.invoke('edit:collect', { projectId: job.projectId, jobId });
      const now = ctx.get().jobs.find((j) => j.jobId === jobId)?.collecting;
      if (now) ctx.set((s) => collecting(s, jobId, now === 'failed-again' ? undefined : 'started'));
    } catch (e) {
      ctx.set((s) => collecting(s, jobId, undefined));
      ctx.fail(e);
    }
  };

  /** Collect every collectable job of a request group (a row of variations). */
  const collectGroup = async (groupId: string): Promise<void> => {
    await Promise.all(collectableJobs(ctx.get().jobs, groupId).map((j) => collect(j.jobId)));
  };

  return {
    onJob,
    dismissJob,
    cancelJob,
    async cancelAll(): Promise<void> {
      await Promise.all(
        ctx
          .get()
          .jobs.filter(isActive)
          .map((j) => cancelJob(j.jobId)),
      );
    },
    collect,
    collectGroup,
    /** Collect the job the shown error is about. */
    async collectFromError(): Promise<void> {
      const jobId = errorJob(ctx.get());
      if (jobId) await collect(jobId);
    },
  };
}
