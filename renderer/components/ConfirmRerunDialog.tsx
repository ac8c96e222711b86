/**
 * Asked before a request is submitted again while the service still holds a paid result of it: running it
 * again pays again, collecting does not. Collect is the first (focused) choice; Esc or Cancel does nothing.
 */
import { rerunQuestion } from '../state/jobs';
import { useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';

export function ConfirmRerunDialog() {
  const store = useStore();
  return (
    <Dialog
      title="Run this edit again?"
      testid="confirm-rerun"
      errors={false}
      onClose={() => void store.answerRerun('cancel')}
    >
      <p className="confirm-question">{rerunQuestion}</p>
      {/* Collect first in the DOM so it has the focus; the row is laid out right to left. */}
      <div className="row end confirm-buttons">
        <button
          className="button primary"
          data-testid="confirm-rerun-collect"
          title="Fetch the result already paid for (nothing is submitted again)"
          onClick={() => void store.answerRerun('collect')}
        >
          <Icon name="download" size={14} /> Collect
        </button>
        <button
          className="button danger"
          data-testid="confirm-rerun-again"
          title="Submit the same request again: the service charges for it again"
          onClick={() => void store.answerRerun('run-again')}
        >
          <Icon name="rerun" size={14} /> Run again
        </button>
        <button
          className="button"
          data-testid="confirm-rerun-cancel"
          onClick={() => void store.answerRerun('cancel')}
        >
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
