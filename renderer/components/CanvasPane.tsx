/**
 * The photo: the mask canvas, the empty state (drop a photo, recent projects), the banner when a
 * layer is being looked at, the before/after split view (its slider docked in a bar under the photo, never
 * over it) and hold-to-see-the-original.
 */
import { useCallback, useEffect } from 'react';
import { openLabels } from '../../shared/formats';
import { EditorCanvas, type EditorCanvasHandle, type MaskInfo } from '../canvas';
import { useEditor, useStore } from '../state/react';
import type { EditorState } from '../state/model';
import { DroppedEdits } from './DroppedEdits';
import { ErrorBanner } from './ErrorBanner';
import { Icon } from './Icon';
import { RecentProject } from './RecentProject';
import { ToolOptions } from './ToolOptions';

/** CSS pixels: the tool options bar along the top of the canvas area (styles.css .tool-options). */
const TOOL_OPTIONS_HEIGHT = 41;
/** CSS pixels: the compare bar along the bottom of the canvas area (styles.css .compare-dock). */
const COMPARE_DOCK_HEIGHT = 45;

export function CanvasPane() {
  const store = useStore();
  const image = useEditor((s) => s.image);
  const original = useEditor((s) => s.original);
  const project = useEditor((s) => s.project);
  const tool = useEditor((s) => s.tool);
  const brushSize = useEditor((s) => s.brushSize);
  const hardness = useEditor((s) => s.hardness);
  const selectMode = useEditor((s) => s.selectMode);
  const wandTolerance = useEditor((s) => s.wandTolerance);
  const wandContiguous = useEditor((s) => s.wandContiguous);
  const featherPreview = useEditor((s) => (s.featherPreview ? s.feather : null));
  const overlayVisible = useEditor((s) => s.overlayVisible);
  const compare = useEditor((s) => s.compare);
  const split = useEditor((s) => s.split);
  const hold = useEditor((s) => s.holdOriginal);
  const docked = useEditor(compareDocked);
  const attach = useCallback((h: EditorCanvasHandle | null) => store.attachCanvas(h), [store]);
  const onMaskChange = useCallback((info: MaskInfo) => store.maskChanged(info), [store]);
  const onCanvasError = useCallback((e: unknown) => store.fail(e), [store]);

  return (
    <main className="canvas-area" aria-label="Photo">
      {/* A new project gets a fresh canvas: a fresh mask and undo history at its size. */}
      <EditorCanvas
        key={project?.id ?? 'none'}
        ref={attach}
        testId="stage"
        className="stage-box"
        style={project ? { top: TOOL_OPTIONS_HEIGHT, bottom: docked ? COMPARE_DOCK_HEIGHT : 0 } : undefined}
        image={image?.spec ?? null}
        original={original?.spec ?? null}
        showOriginal={hold && original !== null}
        split={compare === 'split' && !hold ? split : null}
        tool={tool}
        brushSize={brushSize}
        hardness={hardness}
        selectMode={selectMode}
        wandTolerance={wandTolerance}
        wandContiguous={wandContiguous}
        featherPreview={featherPreview}
        overlayVisible={overlayVisible && compare === 'off'}
        overlayColor="#ff3040"
        overlayOpacity={0.45}
        onMaskChange={onMaskChange}
        onError={onCanvasError}
      />
      <ToolOptions />
      {!project && <EmptyState />}
      <CompareOverlay />
      <div className="canvas-overlays">
        <ErrorBanner />
        <DroppedEdits />
        <ViewingBanner />
      </div>
    </main>
  );
}

function EmptyState() {
  const store = useStore();
  const recent = useEditor((s) => s.recent);
  // The library may have changed since start-up (another window, the CLI): list it afresh.
  useEffect(() => void store.refreshRecent(), [store]);
  const opening = useEditor((s) => s.opening);
  return (
    <div className="empty-state">
      <div className="empty-card">
        <Icon name="imagePlus" size={40} />
        <p className="empty-title">{opening ? `Opening ${opening}…` : 'Drop a photo here'}</p>
        <p className="muted">{openLabels()}, at full resolution. Or choose Open photo.</p>
        {recent.length > 0 && (
          <div className="recent-list" data-testid="recent-list">
            <h2>Recent projects</h2>
            {recent.slice(0, 6).map((p) => (
              <RecentProject
                key={p.id}
                project={p}
                className="recent-item"
                onOpen={() => void store.openRecent(p.id)}
              />
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function ViewingBanner() {
  const store = useStore();
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

/** The split compare is on with something to compare: its bar takes the bottom of the canvas area. */
function compareDocked(s: EditorState): boolean {
  return s.compare === 'split' && s.image !== null && s.original !== null;
}

/**
 * Held \\ without the split view: the original fills the stage, labelled over its top left corner for as
 * long as the key is held (below the tool options bar, whose tool name and buttons it must not cover).
 */
const HELD_BOX = { top: TOOL_OPTIONS_HEIGHT } as const;

/**
 * Before/after: the split view's bar docked under the photo (the stage ends above it, so it covers no photo
 * pixel): Before, the split slider (drag, or arrow keys once focused), After, and Close. Holding \\ shows
 * the original instead, said in the bar when it is there, else over the photo's corner.
 */
function CompareOverlay() {
  const store = useStore();
  const compare = useEditor((s) => s.compare);
  const hold = useEditor((s) => s.holdOriginal);
  const split = useEditor((s) => s.split);
  const docked = useEditor(compareDocked);
  const hasImage = useEditor((s) => s.image !== null && s.original !== null);
  if (!hasImage || (compare === 'off' && !hold)) return null;
  const heldText = 'Original (release \\ to return)';
  if (!docked) {
    return (
      <div className="compare" style={HELD_BOX} data-testid="compare-view" data-mode="original">
        <span className="compare-label left">{heldText}</span>
      </div>
    );
  }
  return (
    <div
      className="compare-dock"
      style={{ height: COMPARE_DOCK_HEIGHT }}
      role="toolbar"
      aria-label="Compare before and after"
      data-testid="compare-view"
      data-mode={hold ? 'original' : 'split'}
    >
      {hold ? (
        <span className="compare-held">{heldText}</span>
      ) : (
        <label
          className="compare-split"
          title="Drag, or use the arrow keys, to move the split between before and after"
        >
          <span className="compare-side">Before</span>
          <input
            className="compare-slider"
            data-testid="compare-slider"
            type="range"
            min={0}
            max={100}
            value={Math.round(split * 100)}
            aria-label="Before/after split"
            aria-valuetext={`${Math.round(split * 100)} % before`}
            onChange={(e) => store.setSplit(Number(e.target.value) / 100)}
          />
          <span className="compare-side">After</span>
        </label>
      )}
      <button className="button small" onClick={() => store.setCompare('off')} title="Close compare (Esc)">
        <Icon name="close" size={14} /> Close compare
      </button>
    </div>
  );
}
