/**
 * The status bar: readiness (or what is missing), running edits, long work's progress (opening a deep
 * project, rendering, exporting, saving back), credits left, what this session cost, version.
 */
import { formatSessionCost, sessionCost } from '../state/jobs';
import { isActive } from '../state/model';
import { useEditor, useStore } from '../state/react';
import { TaskProgress } from './TaskProgress';

export function StatusBar() {
  const store = useStore();
  const settings = useEditor((s) => s.settings);
  const credits = useEditor((s) => s.credits);
  const version = useEditor((s) => s.version);
  const running = useEditor((s) => s.jobs.filter(isActive).length);
  const project = useEditor((s) => s.project);
  const image = useEditor((s) => s.image);
  const costs = useEditor((s) => s.sessionCosts);
  const spent = sessionCost(costs);
  return (
    <footer className="statusbar">
      {settings && !settings.apiKeySet ? (
        <button className="link warn" onClick={() => store.openDialog('settings')}>
          No API key set: add one in Settings before running an edit.
        </button>
      ) : (
        <span className="muted">
          {running > 0
            ? `${running} edit${running === 1 ? '' : 's'} running`
            : project
              ? 'Ready.'
              : 'Open a photo to start.'}
        </span>
      )}
      {project && image && (
        <span className="muted">
          {project.width}×{project.height} px · {project.layers.length}{' '}
          {project.layers.length === 1 ? 'layer' : 'layers'}
        </span>
      )}
      <TaskProgress testid="task-progress" />
      <div className="spacer" />
      <span
        data-testid="credits"
        className="muted"
        title="Segmind credits left, as last reported by the service"
      >
        Credits: <span className="credits-value">{credits === null ? '—' : formatCredits(credits)}</span>
      </span>
      <span
        data-testid="session-cost"
        className="muted"
        title={
          spent.counted + spent.unknown === 0
            ? 'No edit has completed since Maskroom started'
            : `What the ${spent.counted + spent.unknown} edit${spent.counted + spent.unknown === 1 ? '' : 's'} completed since Maskroom started cost` +
              (spent.unknown > 0 ? ` (the service did not report the cost of ${spent.unknown})` : '')
        }
      >
        This session: <span className="credits-value">{formatSessionCost(spent)}</span>
      </span>
      <span className="muted">v{version}</span>
    </footer>
  );
}

function formatCredits(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
