/** The edit: prompt, variations, reference tray, the "Advanced" parameters, run and cancel, the job list. */
import { useState } from 'react';
import type { EditParams } from '../../shared/contract';
import { tooltip } from '../../shared/commands';
import { limits, range } from '../../shared/limits';
import { resolutionWarning, runBlocker } from '../state/edit-request';
import { isActive } from '../state/model';
import { useEditor, useStore } from '../state/react';
import { isMac } from '../state/shortcuts';
import { Icon } from './Icon';
import { JobList } from './JobList';
import { EditParamsFields } from './EditParamsFields';

export function PromptPanel() {
  const store = useStore();
  const prompt = useEditor((s) => s.prompt);
  const blocker = useEditor(runBlocker);
  const variations = useEditor((s) => s.variations);
  const jobs = useEditor((s) => s.jobs);
  const lastRun = useEditor((s) => s.lastRun);
  const lowResolution = useEditor(resolutionWarning);
  const running = jobs.some(isActive);
  const why = blocker ?? tooltip('run-edit', isMac);

  return (
    <section className="panel prompt-panel" aria-label="Edit" data-testid="prompt-panel">
      <h2>Edit</h2>
      <textarea
        data-testid="prompt"
        placeholder="Describe what the masked area should become…"
        value={prompt}
        onChange={(e) => store.setPrompt(e.target.value)}
        rows={3}
        aria-label="Prompt"
      />
      <ReferenceTray />
      <div className="row variations-row">
        <span className="field-label">Variations</span>
        <div className="segmented" role="radiogroup" aria-label="Variations">
          {range(limits.variations).map((n) => (
            <button
              key={n}
              role="radio"
              aria-checked={variations === n}
              data-testid={`variations-${n}`}
              className={variations === n ? 'on' : ''}
              onClick={() => store.setVariations(n)}
            >
              {n}
            </button>
          ))}
        </div>
      </div>
      <Advanced />
      {lowResolution && (
        <p className="warn" role="status" data-testid="resolution-warning">
          <Icon name="alert" size={14} /> {lowResolution}
        </p>
      )}
      <div className="row run-row">
        <button
          data-testid="run-edit"
          className="button primary grow"
          disabled={blocker !== null}
          title={why}
          aria-describedby="run-hint"
          onClick={() => void store.run()}
        >
          <Icon name="sparkles" /> Run edit{variations > 1 ? ` ×${variations}` : ''}
        </button>
        <button
          className="button icon-only"
          data-testid="rerun-edit"
          disabled={!lastRun}
          title={lastRun ? `Run “${lastRun.prompt}” again with the same mask` : 'Re-run: nothing run yet'}
          aria-label="Re-run the last edit"
          onClick={() => void store.rerun(null)}
        >
          <Icon name="rerun" />
        </button>
        <button
          data-testid="cancel-edit"
          className="button"
          disabled={!running}
          title="Cancel every running edit"
          onClick={() => void store.cancelAll()}
        >
          <Icon name="stop" /> Cancel
        </button>
      </div>
      {/* Why Run is greyed out, in the tooltip's words. The line keeps its height when empty: nothing moves. */}
      <p className="run-hint" id="run-hint" aria-live="polite">
        {blocker && (
          <>
            <Icon name="help" size={14} />
            <span data-testid="run-hint">{blocker}</span>
          </>
        )}
      </p>
      <JobList />
    </section>
  );
}

function ReferenceTray() {
  const store = useStore();
  const refs = useEditor((s) => s.references);
  const [over, setOver] = useState(false);
  return (
    <div
      className={`ref-tray${over ? ' over' : ''}`}
      data-testid="reference-tray"
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        void store.addReferences([...e.dataTransfer.files]);
      }}
    >
      {refs.map((r) => (
        <div key={r.id} className="ref-thumb" title={r.name}>
          <img src={r.url} alt={r.name} />
          <button aria-label={`Remove ${r.name}`} title="Remove" onClick={() => store.removeReference(r.id)}>
            <Icon name="close" size={12} />
          </button>
        </div>
      ))}
      <label className="ref-add" title="Add reference images (or drop them here)">
        <Icon name="imagePlus" size={16} />
        {refs.length === 0 && <span>Reference images: drop here</span>}
        <input
          type="file"
          accept="image/*"
          multiple
          hidden
          data-testid="reference-input"
          onChange={(e) => {
            void store.addReferences([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </label>
    </div>
  );
}

function Advanced() {
  const store = useStore();
  const open = useEditor((s) => s.advancedOpen);
  const params = useEditor((s) => s.params);
  const feather = useEditor((s) => s.feather);
  const settings = useEditor((s) => s.settings);
  const changed =
    settings !== null &&
    (feather !== settings.feather ||
      (Object.keys(params) as (keyof EditParams)[]).some((k) => params[k] !== settings.defaults[k]));
  return (
    <details className="advanced" open={open} onToggle={(e) => store.setAdvancedOpen(e.currentTarget.open)}>
      <summary data-testid="advanced">
        <Icon name="chevronRight" size={14} /> Advanced
        <span className="muted summary-hint">
          {params.quality} · {params.size} · {params.outputFormat} · feather {feather}
        </span>
      </summary>
      <div className="param-grid">
        <EditParamsFields
          params={params}
          feather={feather}
          onParams={(p) => store.setParams(p)}
          onFeather={(n) => store.setFeather(n)}
          testidPrefix="param"
        />
        <div className="param">
          <span>&nbsp;</span>
          <button
            className="button small"
            disabled={!changed}
            onClick={() => store.resetParams()}
            title="Back to the defaults from Settings"
          >
            Defaults
          </button>
        </div>
      </div>
    </details>
  );
}
