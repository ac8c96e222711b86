/**
 * The photo: the mask canvas, the empty state (drop a photo, recent projects), the banner when a
 * layer is being looked at, the before/after split view and hold-to-see-the-original.
 */
import { useCallback, useRef } from 'react';
import { store, useEditor } from '../state/store';
import type { MaskCanvasHandle } from '../state/canvas-handle';
import { PlaceholderCanvas } from './PlaceholderCanvas';
import { ErrorBanner } from './ErrorBanner';
import { Icon } from './Icon';

export function CanvasPane() {
  const image = useEditor((s) => s.image);
  const project = useEditor((s) => s.project);
  const attach = useCallback((h: MaskCanvasHandle | null) => store.attachCanvas(h), []);

  return (
    <main className="canvas-area" aria-label="Photo">
      <PlaceholderCanvas ref={attach} image={image?.element ?? null} />
      {!project && <EmptyState />}
      <CompareOverlay />
      <div className="canvas-overlays">
        <ErrorBanner />
        <ViewingBanner />
      </div>
    </main>
  );
}

function EmptyState() {
  const recent = useEditor((s) => s.recent);
  const opening = useEditor((s) => s.opening);
  return (
    <div className="empty-state">
      <div className="empty-card">
        <Icon name="imagePlus" size={40} />
        <p className="empty-title">{opening ? `Opening ${opening}…` : 'Drop a photo here'}</p>
        <p className="muted">JPEG, PNG, TIFF, WebP or HEIC, at full resolution. Or choose Open photo.</p>
        {recent.length > 0 && (
          <div className="recent-list" data-testid="recent-list">
            <h2>Recent projects</h2>
            {recent.slice(0, 6).map((p) => (
              <button key={p.id} className="recent-item" onClick={() => void store.openRecent(p.id)}>
                <span className="menu-item-name">{p.name}</span>
                <span className="muted">
                  {p.width}×{p.height} · {p.layerCount} {p.layerCount === 1 ? 'edit' : 'edits'}
                </span>
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function ViewingBanner() {
  const viewing = useEditor((s) => s.viewing);
  const project = useEditor((s) => s.project);
  const layer = project?.layers.find((l) => l.id === viewing);
  if (!layer) return null;
  return (
    <div className="banner" role="status" data-testid="viewing-banner">
      <span className="banner-text">
        Showing the photo as it was after “{layer.prompt}”. Painting still applies to the current image.
      </span>
      <button className="button" onClick={() => store.viewLayer(null)}>
        Back to current
      </button>
      <button
        className="button"
        onClick={() => void store.revertTo(layer.id)}
        title="Hide every later edit (nothing is deleted)"
      >
        <Icon name="revert" size={14} /> Revert to here
      </button>
    </div>
  );
}

/** Before/after: the original on the left of the handle, the current image on the right. */
function CompareOverlay() {
  const compare = useEditor((s) => s.compare);
  const hold = useEditor((s) => s.holdOriginal);
  const split = useEditor((s) => s.split);
  const image = useEditor((s) => s.image);
  const original = useEditor((s) => s.original);
  const box = useRef<HTMLDivElement>(null);
  if (!image || !original || (compare === 'off' && !hold)) return null;

  const drag = (clientX: number) => {
    const r = box.current?.getBoundingClientRect();
    if (r) store.setSplit((clientX - r.left) / r.width);
  };

  if (hold) {
    return (
      <div className="compare" data-testid="compare-view" data-mode="original">
        <div className="compare-frame">
          <img src={original.url} alt="The original photo" draggable={false} />
        </div>
        <span className="compare-label left">Original</span>
      </div>
    );
  }
  return (
    <div className="compare" data-testid="compare-view" data-mode="split">
      <div
        className="compare-frame"
        ref={box}
        style={{ aspectRatio: `${image.width} / ${image.height}` }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          drag(e.clientX);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) drag(e.clientX);
        }}
      >
        <img src={image.url} alt="The current image" draggable={false} />
        <img
          src={original.url}
          alt="The original photo"
          draggable={false}
          style={{ clipPath: `inset(0 ${(1 - split) * 100}% 0 0)` }}
        />
        <div className="compare-handle" style={{ left: `${split * 100}%` }} />
        <input
          className="compare-slider"
          data-testid="compare-slider"
          type="range"
          min={0}
          max={100}
          value={Math.round(split * 100)}
          aria-label="Before/after split"
          onChange={(e) => store.setSplit(Number(e.target.value) / 100)}
        />
      </div>
      <span className="compare-label left">Before</span>
      <span className="compare-label right">After</span>
      <button className="button compare-close" onClick={() => store.setCompare('off')}>
        <Icon name="close" size={14} /> Close compare
      </button>
    </div>
  );
}
