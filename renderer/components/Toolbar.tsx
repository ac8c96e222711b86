/** The tool column: brush and eraser, size and hardness, mask actions, overlay and zoom. */
import { useEditor, useStore } from '../state/react';
import { isMac } from '../state/shortcuts';
import { Icon, type IconName } from './Icon';

const mod = isMac ? '⌘' : 'Ctrl+';

export function Toolbar() {
  const store = useStore();
  const tool = useEditor((s) => s.tool);
  const size = useEditor((s) => s.brushSize);
  const hardness = useEditor((s) => s.hardness);
  const overlay = useEditor((s) => s.overlayVisible);
  const mask = useEditor((s) => s.mask);
  const hasPhoto = useEditor((s) => s.project !== null);

  return (
    <nav className="toolbar" aria-label="Tools" data-testid="toolbar">
      <ToolButton
        testid="tool-brush"
        icon="brush"
        label="Brush (B): paint the area to change"
        active={tool === 'brush'}
        onClick={() => store.setTool('brush')}
      />
      <ToolButton
        testid="tool-eraser"
        icon="eraser"
        label="Eraser (E): remove from the mask"
        active={tool === 'eraser'}
        onClick={() => store.setTool('eraser')}
      />
      <div className="tool-sep" />
      <label className="tool-slider" title={`Brush size ${size} px ([ and ])`}>
        <span>Size</span>
        <input
          data-testid="brush-size"
          type="range"
          min={1}
          max={1000}
          value={size}
          aria-label="Brush size"
          onChange={(e) => store.setBrushSize(Number(e.target.value))}
        />
        <output>{size}</output>
      </label>
      <label className="tool-slider" title={`Hardness ${hardness}% (Shift+[ and Shift+])`}>
        <span>Hard</span>
        <input
          data-testid="brush-hardness"
          type="range"
          min={0}
          max={100}
          value={hardness}
          aria-label="Brush hardness"
          onChange={(e) => store.setHardness(Number(e.target.value))}
        />
        <output>{hardness}</output>
      </label>
      <div className="tool-sep" />
      <ToolButton
        testid="undo"
        icon="undo"
        label={`Undo (${mod}Z)`}
        disabled={!hasPhoto || !mask.canUndo}
        onClick={() => store.maskAction('undo')}
      />
      <ToolButton
        testid="redo"
        icon="redo"
        label={`Redo (Shift+${mod}Z)`}
        disabled={!hasPhoto || !mask.canRedo}
        onClick={() => store.maskAction('redo')}
      />
      <ToolButton
        testid="invert-mask"
        icon="invert"
        label="Invert the mask (I)"
        disabled={!hasPhoto}
        onClick={() => store.maskAction('invert')}
      />
      <ToolButton
        testid="grow-mask"
        icon="grow"
        label="Grow the mask by 8 px"
        disabled={!hasPhoto || mask.empty}
        onClick={() => store.maskAction('grow')}
      />
      <ToolButton
        testid="shrink-mask"
        icon="shrink"
        label="Shrink the mask by 8 px"
        disabled={!hasPhoto || mask.empty}
        onClick={() => store.maskAction('shrink')}
      />
      <ToolButton
        testid="clear-mask"
        icon="trash"
        label="Clear the mask"
        disabled={!hasPhoto || mask.empty}
        onClick={() => store.maskAction('clear')}
      />
      <div className="tool-sep" />
      <ToolButton
        testid="toggle-overlay"
        icon={overlay ? 'eye' : 'eyeOff'}
        label={overlay ? 'Hide the mask overlay (X)' : 'Show the mask overlay (X)'}
        active={!overlay}
        disabled={!hasPhoto}
        onClick={() => store.toggleOverlay()}
      />
      <ToolButton
        testid="zoom-fit"
        icon="fit"
        label={`Fit to window (${mod}0)`}
        disabled={!hasPhoto}
        onClick={() => store.maskAction('fit')}
      />
      <ToolButton
        testid="zoom-100"
        icon="scan"
        text="1:1"
        label={`Actual pixels, 100% (${mod}1)`}
        disabled={!hasPhoto}
        onClick={() => store.maskAction('actualSize')}
      />
    </nav>
  );
}

function ToolButton(p: {
  testid: string;
  icon: IconName;
  text?: string;
  label: string;
  active?: boolean;
  disabled?: boolean;
  onClick?: () => void;
}) {
  return (
    <button
      data-testid={p.testid}
      className={`tool${p.active ? ' active' : ''}`}
      title={p.label}
      aria-label={p.label}
      aria-pressed={p.active}
      disabled={p.disabled}
      onClick={p.onClick}
    >
      {p.text ? <span className="tool-text">{p.text}</span> : <Icon name={p.icon} size={20} />}
    </button>
  );
}
