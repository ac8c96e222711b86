/**
 * One history-item per layer (a fixed test interface, docs/design.md). A variation group shows its visible layer as a full
 * item with a pager, and its other variations as compact items right under it, each with its own eye
 * (showing one chooses it). Items: thumbnail, prompt, time, show/hide, select to see it, revert to here,
 * re-run, delete with confirmation. Thumbnails drag out as files. An item shows what its edit cost when the
 * service said; a layer whose files are missing or damaged is marked and says why and what to do (its
 * visibility still toggles, nothing is deleted).
 */
import { Fragment, useState } from 'react';
import type { Layer } from '../../shared/contract';
import { cycle, formatTime, groupLayers, type HistoryEntry } from '../state/history';
import { resolutionNote } from '../../shared/region-scale';
import { damagedText, formatCost } from '../state/jobs';
import { useEditor, useStore } from '../state/react';
import { Icon } from './Icon';

export function HistoryPanel() {
  const project = useEditor((s) => s.project);
  const entries = project ? groupLayers(project.layers) : [];
  return (
    <section className="panel history-panel" aria-label="History" data-testid="history-panel">
      <h2>
        History{' '}
        {project && project.layers.length > 0 && <span className="count">{project.layers.length}</span>}
      </h2>
      {entries.length === 0 ? (
        <p className="muted">
          No edits yet. Each finished edit appears here as a layer you can hide, compare or revert.
        </p>
      ) : (
        <ol className="history-list">
          {entries.map((e) => (
            <Fragment key={e.key}>
              <HistoryItem entry={e} />
              {e.layers.map((l, i) =>
                l.id === e.shown.id ? null : (
                  <VariantItem key={l.id} layer={l} index={i} total={e.layers.length} />
                ),
              )}
            </Fragment>
          ))}
        </ol>
      )}
      {project && <OriginalItem />}
    </section>
  );
}

function HistoryItem({ entry }: { entry: HistoryEntry }) {
  const store = useStore();
  const layer = entry.shown;
  const thumb = useEditor((s) => s.thumbs[layer.id]);
  const viewing = useEditor((s) => s.viewing);
  const kept = useEditor((s) => (entry.groupId ? Boolean(s.kept[entry.groupId]) : false));
  const runGroup = layer.groupId;
  const canRerun = useEditor((s) => Boolean(runGroup && s.runs[runGroup]));
  const [confirming, setConfirming] = useState(false);
  const selected = entry.layers.some((l) => l.id === viewing);
  const isGroup = entry.layers.length > 1;
  const damaged = damagedText(layer);
  const resolution = resolutionNote(layer.generatedScale);

  return (
    <li
      className={`history-item${selected ? ' selected' : ''}${layer.visible ? '' : ' hidden-layer'}${damaged ? ' damaged' : ''}`}
      data-testid="history-item"
      data-layer-id={layer.id}
      data-visible={layer.visible}
      data-variations={entry.layers.length}
      data-damaged={damaged !== null}
    >
      <button
        className="history-select"
        onClick={() => store.viewLayer(selected ? null : layer.id)}
        title={
          damaged ?? (selected ? 'Back to the current image' : 'See the photo as it was after this edit')
        }
        aria-pressed={selected}
      >
        <span className="thumb">
          {damaged && (
            <span className="damaged-badge" aria-label="Damaged layer">
              <Icon name="alert" size={14} />
            </span>
          )}
          {thumb ? (
            <img
              src={thumb}
              alt=""
              draggable
              onDragStart={(ev) => {
                ev.preventDefault();
                store.dragOut(layer.id);
              }}
              title="Drag out the full-resolution image after this edit"
            />
          ) : (
            <Icon name="image" size={20} />
          )}
        </span>
        <span className="history-text">
          <span className="history-prompt">{layer.prompt}</span>
          <span className="muted history-meta">
            {formatTime(layer.createdAt)}
            {layer.cost !== null && (
              <>
                {' · '}
                <span
                  className="history-cost"
                  data-testid="layer-cost"
                  title="What the service charged for this edit"
                >
                  {formatCost(layer.cost)}
                </span>
              </>
            )}
            {resolution && (
              <>
                {' · '}
                <span
                  className="history-resolution"
                  data-testid="layer-resolution"
                  title="The model works at a fixed size: a large region comes back with less detail than the photo"
                >
                  {resolution}
                </span>
              </>
            )}
            {!layer.visible && ' · hidden'}
          </span>
        </span>
      </button>
      <div className="history-tools">
        {!confirming && (
          <>
            <button
              className="button icon-only small"
              data-testid="revert-layer"
              aria-label="Revert to here"
              title="Revert to here: hide every later edit (nothing is deleted)"
              onClick={() => void store.revertTo(layer.id)}
            >
              <Icon name="revert" size={14} />
            </button>
            {canRerun && (
              <button
                className="button icon-only small"
                data-testid="rerun-layer"
                aria-label="Re-run"
                title="Re-run: the same request again with the same mask"
                onClick={() => void store.rerun(runGroup)}
              >
                <Icon name="rerun" size={14} />
              </button>
            )}
            <button
              className="button icon-only small"
              data-testid="delete-layer"
              aria-label="Delete this edit"
              title="Delete this edit"
              onClick={() => setConfirming(true)}
            >
              <Icon name="trash" size={14} />
            </button>
          </>
        )}
        <button
          className="button icon-only small"
          data-testid="layer-visible"
          aria-pressed={layer.visible}
          aria-label={layer.visible ? 'Hide this edit' : 'Show this edit'}
          title={layer.visible ? 'Hide this edit' : 'Show this edit'}
          onClick={() => void store.setLayerVisible(layer.id, !layer.visible)}
        >
          <Icon name={layer.visible ? 'eye' : 'eyeOff'} size={16} />
        </button>
      </div>

      {damaged && (
        <div className="history-row2 damaged-note" data-testid="layer-damaged" title={damaged}>
          <Icon name="alert" size={14} />
          <span>{damaged}</span>
        </div>
      )}
      {confirming ? (
        <div className="history-row2 confirm">
          <span className="confirm-text">
            Delete this edit{isGroup ? ' (this variation)' : ''}? This cannot be undone.
          </span>
          <button
            className="button small danger"
            data-testid="confirm-delete"
            onClick={() => void store.deleteLayer(layer.id)}
          >
            Delete
          </button>
          <button className="button small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        isGroup && (
          <div className="history-row2 variations" data-testid="variation-pager">
            {kept ? (
              <>
                <span className="muted">
                  Kept {entry.shownIndex + 1} of {entry.layers.length}
                </span>
                <button
                  className="link"
                  onClick={() => entry.groupId && store.reopenVariations(entry.groupId)}
                >
                  change
                </button>
              </>
            ) : (
              <>
                <button
                  className="button icon-only small"
                  aria-label="Previous variation"
                  title="Previous variation (←)"
                  onClick={() => void store.chooseLayer(cycle(entry, -1).id)}
                >
                  <Icon name="chevronLeft" size={14} />
                </button>
                <span className="variation-count" data-testid="variation-index">
                  {entry.shownIndex + 1}/{entry.layers.length}
                </span>
                <button
                  className="button icon-only small"
                  aria-label="Next variation"
                  title="Next variation (→)"
                  onClick={() => void store.chooseLayer(cycle(entry, 1).id)}
                >
                  <Icon name="chevronRight" size={14} />
                </button>
                <button
                  className="button small"
                  data-testid="keep-variation"
                  title="Keep this variation (the others stay on disk, hidden)"
                  onClick={() => entry.groupId && void store.keepVariation(entry.groupId, layer.id)}
                >
                  <Icon name="check" size={14} /> Keep
                </button>
              </>
            )}
          </div>
        )
      )}
    </li>
  );
}

/** A variation of a group that is not the one shown: compact, with its own eye (showing it chooses it). */
function VariantItem({ layer, index, total }: { layer: Layer; index: number; total: number }) {
  const store = useStore();
  const thumb = useEditor((s) => s.thumbs[layer.id]);
  const damaged = damagedText(layer);
  return (
    <li
      className={`history-item variant hidden-layer${damaged ? ' damaged' : ''}`}
      data-testid="history-item"
      data-layer-id={layer.id}
      data-visible={layer.visible}
      data-damaged={damaged !== null}
      title={damaged ?? undefined}
    >
      <span className="thumb small">
        {damaged ? (
          <Icon name="alert" size={14} />
        ) : thumb ? (
          <img src={thumb} alt="" draggable={false} />
        ) : (
          <Icon name="image" size={14} />
        )}
      </span>
      <span className="muted history-meta">
        Variation {index + 1} of {total}
        {layer.cost !== null && ` · ${formatCost(layer.cost)}`} · hidden{damaged && ' · damaged'}
      </span>
      <button
        className="button icon-only small"
        data-testid="layer-visible"
        aria-pressed={layer.visible}
        aria-label={`Show variation ${index + 1}`}
        title="Show this variation instead (the one shown now is hidden, nothing is deleted)"
        onClick={() => void store.chooseLayer(layer.id)}
      >
        <Icon name={layer.visible ? 'eye' : 'eyeOff'} size={16} />
      </button>
    </li>
  );
}

function OriginalItem() {
  const store = useStore();
  const hasVisible = useEditor((s) => Boolean(s.project?.layers.some((l) => l.visible)));
  return (
    <div className="original-item">
      <span className="muted">Original photo</span>
      <button
        className="button small"
        disabled={!hasVisible}
        onClick={() => void store.revertTo(null)}
        title="Hide every edit (nothing is deleted)"
      >
        <Icon name="revert" size={14} /> Revert to original
      </button>
    </div>
  );
}
