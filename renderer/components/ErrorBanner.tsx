/** The one place errors are shown: what happened, what to do, and a button that does it. */
import { useEditor, useStore } from '../state/react';
import { Icon } from './Icon';

/** Shown over the photo, or inside the open dialog (so a failed save in Settings is seen there). */
export function ErrorBanner({ inDialog = false }: { inDialog?: boolean }) {
  const store = useStore();
  const error = useEditor((s) => s.error);
  const dialogOpen = useEditor((s) => s.dialog !== null);
  const hasRun = useEditor((s) => s.lastRun !== null);
  if (!error || dialogOpen !== inDialog) return null;
  return (
    <div className="banner error-banner" role="alert" data-testid="error" data-code={error.code}>
      <Icon name="alert" size={18} />
      <span className="banner-text">
        {error.title && <strong>{error.title}. </strong>}
        {error.message}
      </span>
      {error.fix === 'settings' && !inDialog && (
        <button className="button" onClick={() => store.openDialog('settings')}>
          Open Settings
        </button>
      )}
      {error.collect && !inDialog && (
        <button
          className="button primary"
          data-testid="error-collect"
          onClick={() => void store.collectFromError()}
        >
          <Icon name="download" size={14} /> Collect result
        </button>
      )}
      {error.fix === 'retry' && hasRun && (
        <button className="button" onClick={() => void store.rerun(null)}>
          <Icon name="rerun" size={14} /> Try again
        </button>
      )}
      <button
        className="button icon-only"
        aria-label="Dismiss"
        title="Dismiss"
        onClick={() => store.dismissError()}
      >
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
