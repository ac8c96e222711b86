/** Export the current image (or the image after a layer) at full resolution, in the chosen format. */
import { useState } from 'react';
import type { ExportFormat } from '../../shared/contract';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { isMac } from '../state/shortcuts';

const formats: { id: ExportFormat; label: string; note: string }[] = [
  { id: 'jpeg', label: 'JPEG', note: 'Smallest; for sharing and print labs' },
  { id: 'png', label: 'PNG', note: 'Lossless, 8 bits' },
  { id: 'tiff', label: 'TIFF', note: 'Lossless, for further editing' },
  { id: 'webp', label: 'WebP', note: 'Small; for the web' },
];

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
