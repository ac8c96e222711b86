/**
 * "Apply to other photos…": the batch panel (docs/user-guide.md). Add photos (drop or choose), one mask for
 * all (the current mask) or one per photo, then run the same prompt and parameters across them, with progress
 * per photo and overall, cancel, retry the failed, and a review grid of before/after thumbnails where each
 * result is kept or removed, or opened as a project.
 */
import { useState, useSyncExternalStore } from 'react';
import type { BatchItem, BatchState } from '../../shared/contract';
import type { BatchUiState } from '../state/batch';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import './BatchPanel.css';

function useBatch<T>(select: (s: BatchUiState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribeBatch, () => select(store.batchState()));
}

const money = (usd: number) => `$${usd < 1 ? usd.toFixed(3).replace(/0$/, '') : usd.toFixed(2)}`;

const STATUS_WORDS: Record<BatchItem['status'], string> = {
  queued: 'Waiting',
  running: 'Preparing',
  accepted: 'Editing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Not sent',
};

const AFTER_WORDS: Record<BatchItem['status'], string> = {
  queued: 'waiting its turn',
  running: 'preparing and sending…',
  accepted: 'the model is editing…',
  done: '',
  failed: 'no result',
  cancelled: 'not sent',
};

/** The button that opens the panel, beside the edit it applies. */
export function BatchOpenButton() {
  const store = useStore();
  const project = useEditor((s) => s.project);
  return (
    <button
      className="button batch-open"
      data-testid="batch-open"
      disabled={!project}
      title={project ? 'Run this prompt, its parameters and the mask on other photos' : 'Open a photo first'}
      onClick={() => store.openBatch()}
    >
      Apply to other photos…
    </button>
  );
}

function Overall({ b, pending }: { b: BatchState | null; pending: number }) {
  const per = b?.costPerEdit ?? null;
  if (!b) {
    return (
      <p className="batch-cost" data-testid="batch-progress">
        {pending} edit{pending === 1 ? '' : 's'} ·{' '}
        {per !== null
          ? `about ${money(per)} per edit as reported by the service (about ${money(per * pending)})`
          : 'the service reports the cost with each result'}
      </p>
    );
  }
  const settled = b.done + b.failed;
  return (
    <div className="batch-overall" data-testid="batch-progress">
      <progress max={b.total} value={settled} aria-label="Batch progress" />
      <span>
        {b.done} of {b.total} done
        {b.running ? ` · ${b.running} running` : ''}
        {b.failed ? ` · ${b.failed} failed` : ''}
        {b.cost !== null ? ` · ${money(b.cost)} reported by the service` : ''}
        {b.finished ? ' · finished' : ''}
      </span>
    </div>
  );
}

export function BatchPanel() {
  const store = useStore();
  const s = useBatch((x) => x);
  const [over, setOver] = useState(false);
  const b = s.batch;
  const items: Array<{
    key: string;
    name: string;
    url: string | null;
    item: BatchItem | null;
    mask: string | null;
  }> = b
    ? b.items.map((i) => ({
        key: i.itemId,
        name: i.name,
        // Until main's thumbnails arrive, the photo as it was added.
        url: s.photos.find((p) => p.name === i.name)?.url ?? null,
        item: i,
        mask: null,
      }))
    : s.photos.map((p) => ({ key: p.key, name: p.name, url: p.url, item: null, mask: p.maskName }));
  const running = b !== null && !b.finished;
  const anyFailed = b !== null && b.items.some((i) => i.status === 'failed' || i.status === 'cancelled');
  return (
    <Dialog title="Apply to other photos" testid="batch-panel" onClose={() => store.closeBatch()} wide>
      <div
        className={`batch${over ? ' dropping' : ''}`}
        onDragOver={(e) => {
          if (b || !e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          e.stopPropagation();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          if (b) return;
          e.preventDefault();
          e.stopPropagation();
          setOver(false);
          void store.addBatchPhotos(e.dataTransfer.files);
        }}
      >
        <section className="batch-edit">
          <div className="batch-prompt" title={s.edit?.prompt}>
            “{s.edit?.prompt.trim() || 'no prompt yet'}”
          </div>
          <div className="batch-params">
            {s.edit
              ? `${s.edit.params.quality} quality · ${s.edit.params.size} · ${s.edit.params.outputFormat} · feather ${s.edit.feather} px`
              : ''}
          </div>
        </section>

        {!b && (
          <section className="batch-setup">
            <label className="button batch-add">
              Add photos…
              <input
                type="file"
                multiple
                accept="image/*,.tif,.tiff,.heic,.heif,.avif"
                data-testid="batch-add-photos"
                onChange={(e) => {
                  const files = e.currentTarget.files;
                  if (files) void store.addBatchPhotos(files);
                  e.currentTarget.value = '';
                }}
              />
            </label>
            <span className="batch-hint">or drop photos here</span>
            <fieldset className="batch-mask">
              <legend>Mask</legend>
              <label>
                <input
                  type="radio"
                  name="batch-mask"
                  checked={s.maskMode === 'current'}
                  onChange={() => store.setBatchMaskMode('current')}
                />
                The current mask for every photo (scaled to photos of the same shape)
              </label>
              <label>
                <input
                  type="radio"
                  name="batch-mask"
                  checked={s.maskMode === 'own'}
                  onChange={() => store.setBatchMaskMode('own')}
                />
                A mask file for each photo
              </label>
            </fieldset>
          </section>
        )}

        {items.length === 0 ? (
          <div className="batch-empty">
            Drop the photos that need the same change, or choose them with Add photos.
          </div>
        ) : (
          <ul className="batch-grid">
            {items.map((x) => (
              <BatchCard
                key={x.key}
                name={x.name}
                url={x.url}
                item={x.item}
                thumbs={x.item ? s.thumbs[x.item.itemId] : undefined}
                maskMode={s.maskMode}
                maskName={x.mask}
                onRemove={() => store.removeBatchPhoto(x.key)}
                onMask={(f) => void store.setBatchPhotoMask(x.key, f)}
                onKeep={(keep) => x.item && void store.keepBatchItem(x.item.itemId, keep)}
                onOpen={() => x.item && void store.openBatchItem(x.item.projectId)}
              />
            ))}
          </ul>
        )}

        {s.error && (
          <p className="batch-error" role="alert" data-testid="error">
            {s.error.message}
          </p>
        )}

        <footer className="batch-foot">
          <Overall b={b} pending={s.photos.length} />
          <div className="batch-actions">
            {running && (
              <button className="button" onClick={() => void store.cancelBatch()}>
                Cancel
              </button>
            )}
            {b && b.finished && anyFailed && (
              <button className="button" onClick={() => void store.retryBatchFailed()}>
                Retry failed
              </button>
            )}
            {b && b.finished && (
              <button className="button" onClick={() => store.resetBatch()}>
                New batch
              </button>
            )}
            {!b && (
              <button
                className="button primary"
                data-testid="batch-run"
                disabled={s.starting || s.photos.length === 0}
                onClick={() => void store.runBatch()}
              >
                {s.starting
                  ? 'Starting…'
                  : `Run on ${s.photos.length} photo${s.photos.length === 1 ? '' : 's'}`}
              </button>
            )}
          </div>
        </footer>
      </div>
    </Dialog>
  );
}

function BatchCard(p: {
  name: string;
  url: string | null;
  item: BatchItem | null;
  thumbs: { before?: string; after?: string } | undefined;
  maskMode: 'current' | 'own';
  maskName: string | null;
  onRemove: () => void;
  onMask: (f: File) => void;
  onKeep: (keep: boolean) => void;
  onOpen: () => void;
}) {
  const i = p.item;
  const status = i ? i.status : 'ready';
  return (
    <li className={`batch-card status-${status}${i && !i.kept ? ' discarded' : ''}`} data-testid="batch-item">
      <div className="batch-thumbs">
        {i ? (
          <>
            <figure>
              {(p.thumbs?.before ?? p.url) ? (
                <img src={p.thumbs?.before ?? p.url ?? ''} alt={`${p.name} before`} />
              ) : (
                <div className="ph" />
              )}
              <figcaption>Before</figcaption>
            </figure>
            <figure>
              {p.thumbs?.after ? (
                <img src={p.thumbs.after} alt={`${p.name} after`} />
              ) : (
                <div className="ph">{AFTER_WORDS[i.status]}</div>
              )}
              <figcaption>After</figcaption>
            </figure>
          </>
        ) : (
          <figure className="single">
            {p.url ? <img src={p.url} alt={p.name} /> : <div className="ph" />}
          </figure>
        )}
      </div>
      <div className="batch-card-row">
        <span className="batch-name" title={p.name}>
          {p.name}
        </span>
        <span className={`batch-status s-${status}`} data-testid="batch-item-status">
          {i ? STATUS_WORDS[i.status] : 'Ready'}
          {i?.cost != null ? ` · ${money(i.cost)}` : ''}
        </span>
      </div>
      {i?.resent && (
        <p
          className="batch-item-resent"
          data-testid="batch-item-resent"
          title="This photo was being sent when an earlier run stopped, before the service answered, so it was sent again; the service may charge for it twice."
        >
          Sent again; may be charged twice
        </p>
      )}
      {i?.error && (
        <p className="batch-item-error" title={i.error}>
          {i.error}
        </p>
      )}
      <div className="batch-card-actions">
        {!i && p.maskMode === 'own' && (
          <label className="button small">
            {p.maskName ? `Mask: ${p.maskName}` : 'Choose mask…'}
            <input
              type="file"
              accept="image/png,image/*"
              onChange={(e) => {
                const f = e.currentTarget.files?.[0];
                if (f) p.onMask(f);
              }}
            />
          </label>
        )}
        {!i && (
          <button className="button small" onClick={p.onRemove}>
            Remove
          </button>
        )}
        {i?.status === 'done' && (
          <>
            <button className="button small" onClick={p.onOpen} disabled={!i.kept}>
              Open
            </button>
            <button className="button small" onClick={() => p.onKeep(!i.kept)}>
              {i.kept ? 'Discard' : 'Discarded'}
            </button>
          </>
        )}
      </div>
    </li>
  );
}
