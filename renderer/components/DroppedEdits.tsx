/**
 * The notices of edits cut off while being sent (state/dropped-edits.ts): one per edit, over the photo,
 * saying what happened, that the service may have charged for it and what to do, with "Run it again" (the
 * same prompt, settings and mask) and Dismiss.
 */
import { useState } from 'react';
import type { DroppedEdit } from '../../shared/contract';
import { droppedNotice } from '../state/dropped-edits';
import { useEditor, useStore } from '../state/react';
import { Icon } from './Icon';
import './DroppedEdits.css';

/** At most this many notices at once: the photo stays visible; the next shows when one goes. */
const SHOWN = 3;

export function DroppedEdits() {
  const dropped = useEditor((s) => s.project?.droppedEdits);
  const dialogOpen = useEditor((s) => s.dialog !== null);
  if (!dropped?.length || dialogOpen) return null;
  const more = dropped.length - SHOWN;
  return (
    <>
      {dropped.slice(0, SHOWN).map((d) => (
        <DroppedEditNotice key={d.jobId} edit={d} />
      ))}
      {more > 0 && (
        <div className="banner dropped-more" role="status" data-testid="dropped-edit-more">
          {more === 1 ? 'One more interrupted edit' : `${more} more interrupted edits`}: shown once these are
          run again or dismissed.
        </div>
      )}
    </>
  );
}

function DroppedEditNotice({ edit }: { edit: DroppedEdit }) {
  const store = useStore();
  const [busy, setBusy] = useState(false);
  const n = droppedNotice(edit);
  const act = (fn: () => Promise<void>) => {
    setBusy(true);
    void fn().finally(() => setBusy(false));
  };
  return (
    <div
      className="banner dropped-banner"
      role="alert"
      data-testid="dropped-edit"
      data-job-id={edit.jobId}
      title={edit.prompt}
    >
      <Icon name="alert" size={18} />
      <span className="banner-text">
        <strong>{n.title}.</strong> {n.message}
        {n.note && <span className="dropped-note">{n.note}</span>}
      </span>
      <button
        className="button primary"
        data-testid="dropped-edit-retry"
        disabled={busy}
        title="Send this edit again with the same prompt, settings and mask (charged again)"
        onClick={() => act(() => store.retryDropped(edit.jobId))}
      >
        <Icon name="rerun" size={14} /> Run it again
      </button>
      <button
        className="button icon-only"
        data-testid="dropped-edit-dismiss"
        aria-label="Dismiss"
        title="Dismiss: forget this edit (its prompt and mask)"
        disabled={busy}
        onClick={() => act(() => store.dismissDropped(edit.jobId))}
      >
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
