/** The one place errors are shown: what happened, what to do, and a button that does it. */
import { store, useEditor } from '../state/store';
import { Icon } from './Icon';

export function ErrorBanner() {
  const error = useEditor((s) => s.error);
  const hasRun = useEditor((s) => s.lastRun !== null);
  if (!error) return null;
  return (
    <div className="banner error-banner" role="alert" data-testid="error" data-code={error.code}>
      <Icon name="alert" size={18} />
      <span className="banner-text">
        <strong>{error.title}.</strong> {error.message}
      </span>
      {error.fix === 'settings' && (
        <button className="button" onClick={() => store.openDialog('settings')}>
          Open Settings
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
