/**
 * Asked before Save back overwrites the photo file: once per project, and again whenever the file changed
 * on disk since it was opened. Cancel (first, focused) writes nothing; Save back replaces the file.
 */
import { saveBackQuestion } from '../state/save-back';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';

export function SaveBackDialog() {
  const store = useStore();
  const q = useEditor((s) => s.saveBack);
  if (!q) return null;
  const changed = q.ask === 'changed-on-disk';
  return (
    <Dialog
      title={changed ? 'The photo changed on disk' : `Save back into ${q.fileName}?`}
      testid="save-back-confirm"
      errors={false}
      onClose={() => void store.answerSaveBack(false)}
    >
      <p className="confirm-question">{saveBackQuestion(q)}</p>
      <p className="muted">
        Same format, bit depth, colour profile and metadata; the app that handed you the photo (Lightroom,
        Capture One) picks the change up.
      </p>
      <div className="row end confirm-buttons">
        <button
          className="button"
          data-testid="save-back-cancel"
          onClick={() => void store.answerSaveBack(false)}
        >
          Cancel
        </button>
        <button
          className={`button ${changed ? 'danger' : 'primary'}`}
          data-testid="save-back-yes"
          onClick={() => void store.answerSaveBack(true)}
        >
          <Icon name="download" size={14} /> {changed ? 'Replace it' : 'Save back'}
        </button>
      </div>
    </Dialog>
  );
}
