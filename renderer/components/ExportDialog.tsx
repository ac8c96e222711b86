/** Export the current image (or the image after a layer) at full resolution, in the chosen format. */
import { useState } from 'react';
import type { ExportFormat } from '../../shared/contract';
import { EXPORT_FORMAT_IDS, formatById, type ExportFormatId } from '../../shared/formats';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { TaskProgress } from './TaskProgress';
import { isMac } from '../state/shortcuts';

/** What each export format is for; the list itself is the export rows of shared/formats.ts. */
const notes: Record<ExportFormatId, string> = {
  jpeg: 'Smallest; for sharing and print labs',
  png: 'Lossless, keeps 16 bits',
  tiff: 'Lossless, keeps 16 bits; for further editing',
  webp: 'Small; for the web',
  psd: 'Layered for Photoshop, Affinity, GIMP: the original plus one masked layer per edit, 8 or 16 bits as the original',
};
const formats = EXPORT_FORMAT_IDS.map((id) => ({ id, label: formatById(id)!.label, note: notes[id] }));

export function ExportDialog() {
  const store = useStore();
  const project = useEditor((s) => s.project);
  const viewing = useEditor((s) => s.viewing);
  const host = useEditor((s) => s.host);
  const [format, setFormat] = useState<ExportFormat>('jpeg');
  const [quality, setQuality] = useState(95);
  const [busy, setBusy] = useState(false);
  if (!project) return null;
  const lossy = format === 'jpeg' || format === 'webp';
  const viewedLayer = project.layers.find((l) => l.id === viewing);
  return (
    <Dialog title="Export" testid="export-dialog" onClose={() => store.openDialog(null)}>
      <p className="muted">
        {viewedLayer ? `The photo as it was after “${viewedLayer.prompt}”` : 'The current image'},{' '}
        {project.width}×{project.height} px, with the original’s colour profile and metadata.
      </p>
      <div className="format-list" role="radiogroup" aria-label="Format">
        {formats.map((f) => (
          <label key={f.id} className={`format${format === f.id ? ' on' : ''}`}>
            <input
              type="radio"
              name="format"
              value={f.id}
              checked={format === f.id}
              onChange={() => setFormat(f.id)}
              data-testid={`export-${f.id}`}
            />
            <strong>{f.label}</strong>
            <span className="muted">{f.note}</span>
          </label>
        ))}
      </div>
      {lossy && (
        <label className="param inline">
          <span>Quality</span>
          <input
            type="range"
            min={50}
            max={100}
            value={quality}
            onChange={(e) => setQuality(Number(e.target.value))}
          />
          <output>{quality}</output>
        </label>
      )}
      {host === 'electron' && (
        <p className="muted">
          You can also choose where to save with File › Export As… (Shift+{isMac ? '⌘' : 'Ctrl+'}S).
        </p>
      )}
      {busy && <TaskProgress kind="export" testid="export-progress" fallback="Exporting…" />}
      <div className="row end">
        <button className="button" onClick={() => store.openDialog(null)}>
          Cancel
        </button>
        <button
          className="button primary"
          data-testid="export-save"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            await store.exportImage(format, lossy ? quality : undefined, viewedLayer?.id);
            setBusy(false);
          }}
        >
          <Icon name="download" /> {busy ? 'Exporting…' : 'Export'}
        </button>
      </div>
    </Dialog>
  );
}
