/**
 * Long work's progress as a slim bar with a one-line label: the task this window shows (the newest when
 * several run), or, with `fallback`, a bar without a value while no event of the task is there (the call
 * is on its way, or the task ended and the host is still handing over its result).
 */
import type { TaskKind } from '../../shared/contract';
import { shownTasks, taskFraction, taskLine } from '../state/tasks';
import { useEditor } from '../state/react';
import './TaskProgress.css';

export function TaskProgress({
  kind,
  testid,
  fallback,
}: {
  /** Only tasks of this kind (the Export dialog shows exports). */
  kind?: TaskKind;
  testid: string;
  /** The label while no event of the task is there (the bar then shows no value). */
  fallback?: string;
}) {
  const tasks = useEditor((s) => s.tasks);
  const project = useEditor((s) => s.project);
  const opening = useEditor((s) => s.opening);
  const shown = shownTasks({ tasks, project, opening }, kind);
  const last = shown.at(-1);
  // Without an event (the call is on its way, or the host is still writing the file): a bar with no value.
  const line = last ? taskLine(last) : fallback;
  if (!line) return null;
  const pct = last ? Math.round(taskFraction(last) * 100) : undefined;
  return (
    <div className="task-progress" data-testid={testid} role="status" title={line}>
      <span className="task-label">{line}</span>
      <progress max={100} value={pct} aria-label={line} />
    </div>
  );
}
