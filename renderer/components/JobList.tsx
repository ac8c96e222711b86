/**
 * Every edit in flight or just finished: its state and elapsed seconds, cancel, and failures in plain
 * words. The variations of one request are one row ("Processing ×3"). A failure after the service accepted
 * (and billed) the edit offers Collect result, never Retry; other failures offer Retry when this session
 * still has the request (state/jobs.ts decides which).
 */
import { useEffect, useState } from 'react';
import { activeJobStates, type JobState } from '../../shared/contract';
import { describeError, errorHead } from '../state/errors';
import { jobRowActions } from '../state/jobs';
import { isActive, type TrackedJob } from '../state/model';
import { useEditor, useStore } from '../state/react';
import { Icon } from './Icon';

const stateWords: Record<JobState, string> = {
  preparing: 'Preparing',
  uploading: 'Uploading',
  queued: 'Queued',
  processing: 'Processing',
  downloading: 'Downloading',
  compositing: 'Compositing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
/** Which state a group's row shows: the earliest still running, else failed, cancelled, done. */
const order: JobState[] = [...activeJobStates, 'failed', 'cancelled', 'done'];

function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

export function elapsed(job: TrackedJob, now: number): number {
  const extra = isActive(job) ? Math.max(0, now - job.receivedAt) / 1000 : 0;
  return Math.floor(job.elapsedSeconds + extra);
}

interface JobGroup {
  groupId: string;
  jobs: TrackedJob[];
}

function groupJobs(jobs: TrackedJob[]): JobGroup[] {
  const groups = new Map<string, TrackedJob[]>();
  for (const j of jobs) {
    const g = groups.get(j.groupId);
    if (g) g.push(j);
    else groups.set(j.groupId, [j]);
  }
  return [...groups].map(([groupId, js]) => ({ groupId, jobs: js })).reverse();
}

export function JobList() {
  const jobs = useEditor((s) => s.jobs);
  const active = jobs.filter(isActive).length;
  const now = useNow(active > 0);
  if (jobs.length === 0) {
    return (
      <div data-testid="job-status" className="job-status idle" role="status" data-active={0}>
        No edits running.
      </div>
    );
  }
  return (
    <div
      data-testid="job-status"
      className="job-status"
      role="status"
      aria-live="polite"
      data-active={active}
    >
      <ul className="job-list">
        {groupJobs(jobs).map((g) => (
          <JobRow key={g.groupId} group={g} now={now} />
        ))}
      </ul>
    </div>
  );
}

function JobRow({ group, now }: { group: JobGroup; now: number }) {
  const store = useStore();
  const { jobs } = group;
  const active = jobs.filter(isActive);
  // The row shows the state of the job furthest behind; finished ones are counted.
  const state = [...jobs].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state))[0]?.state ?? 'done';
  const seconds = Math.max(...jobs.map((j) => elapsed(j, now)));
  const failed = jobs.find((j) => j.state === 'failed' && j.error);
  const err = failed?.error ? describeError(failed.error) : null;
  const done = jobs.filter((j) => j.state === 'done').length;
  const n = jobs.length;
  const canRerun = useEditor((s) => Boolean(s.runs[group.groupId]));
  const collecting = jobs.some((j) => j.collecting);
  const actions = jobRowActions(jobs, { canRerun, collecting });
  const collectable = actions.includes('collect');
  const spinning = active.length > 0 || collecting;
  return (
    <li
      className={`job job-${state}${collectable ? ' job-collectable' : ''}`}
      data-testid="job"
      data-state={state}
      data-collectable={collectable}
    >
      <span className="job-icon">
        <Icon name={spinning ? 'spinner' : state === 'done' ? 'check' : 'alert'} size={14} />
      </span>
      <span className="job-main">
        <span className="job-line">
          <span className="job-state">
            {collecting && !active.length ? 'Collecting…' : collectable ? 'Not collected' : stateWords[state]}
            {n > 1 && (
              <span className="muted">
                {' '}
                ×{n}
                {done > 0 && done < n ? ` · ${done} done` : ''}
              </span>
            )}
          </span>
          <span className="job-time">{seconds} s</span>
        </span>
        <span className="job-prompt" title={jobs[0]?.prompt}>
          {jobs[0]?.prompt}
        </span>
        {err && !collecting && (
          <span className="job-error" title={err.message}>
            {err.collect
              ? `${errorHead(err)}. Already paid for: Collect result fetches it at no extra cost.`
              : `${errorHead(err)}. Your mask and prompt are kept.`}
          </span>
        )}
        {collectable && (
          <span className="job-actions">
            <button
              className="button small primary"
              data-testid="job-collect"
              title="Fetch the result the service already made (and charged for); nothing is submitted again"
              onClick={() => void store.collectGroup(group.groupId)}
            >
              <Icon name="download" size={14} /> Collect result
            </button>
          </span>
        )}
      </span>
      {actions.includes('retry') && (
        <button
          className="button icon-only small"
          data-testid="job-retry"
          title="Retry: the same request again with the same mask"
          aria-label="Retry"
          onClick={() => void store.rerun(group.groupId)}
        >
          <Icon name="rerun" size={14} />
        </button>
      )}
      {actions.includes('cancel') && (
        <button
          className="button icon-only small"
          data-testid="job-cancel"
          title={n > 1 ? 'Cancel these edits' : 'Cancel this edit'}
          aria-label="Cancel"
          onClick={() => active.forEach((j) => void store.cancelJob(j.jobId))}
        >
          <Icon name="close" size={14} />
        </button>
      )}
      {actions.includes('dismiss') && (
        <button
          className="button icon-only small"
          title="Dismiss"
          aria-label="Dismiss"
          onClick={() => jobs.forEach((j) => store.dismissJob(j.jobId))}
        >
          <Icon name="close" size={14} />
        </button>
      )}
    </li>
  );
}
