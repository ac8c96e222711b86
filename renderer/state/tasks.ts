/**
 * Long work main reports ('task:progress': opening a deep project, rendering, exporting, saving back): the
 * tasks still running, shown as a progress bar where the photographer waits (the status bar, the Export
 * dialog). A task is kept from its first event until its last ('done' or 'failed'); a newer event of a task
 * replaces the older one.
 *
 * Rule kept here: only this window's work is shown: tasks of the open project, and 'open' tasks while this
 * window is opening a project (the project is not the open one yet then).
 */
import type { TaskKind, TaskProgress } from '../../shared/contract';
import type { Ctx } from './core';
import type { EditorState } from './model';

// ---- transitions ---------------------------------------------------------------------------------

/** The tasks after one event: a running task added or updated, an ended one removed. */
export function taskProgressed(tasks: readonly TaskProgress[], p: TaskProgress): TaskProgress[] {
  const others = tasks.filter((t) => t.taskId !== p.taskId);
  if (p.status !== 'running') return others.length === tasks.length ? [...tasks] : others;
  const at = tasks.findIndex((t) => t.taskId === p.taskId);
  if (at < 0) return [...tasks, p];
  const next = [...tasks];
  next[at] = p;
  return next;
}

/** The tasks this window shows, oldest first; `kind` keeps only tasks of that kind. */
export function shownTasks(
  s: Pick<EditorState, 'tasks' | 'project' | 'opening'>,
  kind?: TaskKind,
): TaskProgress[] {
  return s.tasks.filter(
    (t) =>
      (kind === undefined || t.task === kind) &&
      (t.projectId === s.project?.id || (t.task === 'open' && s.opening !== null)),
  );
}

const taskWords: Record<TaskKind, string> = {
  open: 'Opening',
  render: 'Showing the image',
  export: 'Exporting',
  'save-back': 'Saving back',
};

/** The one line a task shows: what it is, then the step it is at ("Exporting: Encoding the JPEG"). */
export function taskLine(t: Pick<TaskProgress, 'task' | 'label'>): string {
  return `${taskWords[t.task]}: ${t.label}`;
}

/** How far a task is, 0..1. */
export function taskFraction(t: Pick<TaskProgress, 'done' | 'total'>): number {
  return t.total > 0 ? Math.min(1, Math.max(0, t.done / t.total)) : 0;
}

// ---- effects -------------------------------------------------------------------------------------

export function createTaskActions(ctx: Ctx) {
  return {
    onTaskProgress(p: TaskProgress): void {
      ctx.set((s) => ({ tasks: taskProgressed(s.tasks, p) }));
    },
  };
}
