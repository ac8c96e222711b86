/**
 * The tool column: brush and eraser, the selection tools, size and hardness, mask actions, overlay and zoom. Each button is a
 * command of the table (shared/commands.ts): its title and accessible name come from there ("Brush (B)"),
 * and a click does what the command's key and menu item do (performCommand).
 */
import { shownKey, tooltip, type CommandId } from '../../shared/commands';
import { limits } from '../../shared/limits';
import type { EditorState } from '../state/model';
import { useEditor, useStore } from '../state/react';
import { isMac, performCommand } from '../state/shortcuts';
import { Icon, type IconName } from './Icon';

/** What the buttons' states are read from (each field its own subscription). */
type ToolState = Pick<EditorState, 'tool' | 'overlayVisible' | 'mask'> & { project: unknown };

interface ToolDef {
  command: CommandId;
  testid: string;
  icon: IconName;
  text?: string;
  /** Greyed out when this says so (without a photo every button but the tools is). */
  disabled?: (s: ToolState) => boolean;
  /** Shown pressed. */
  active?: (s: ToolState) => boolean;
}

const noPhoto = (s: ToolState) => s.project === null;
const noMask = (s: ToolState) => s.project === null || s.mask.empty;

const tools: ToolDef[] = [
  { command: 'brush', testid: 'tool-brush', icon: 'brush', active: (s) => s.tool === 'brush' },
  { command: 'eraser', testid: 'tool-eraser', icon: 'eraser', active: (s) => s.tool === 'eraser' },
  { command: 'rect-marquee', testid: 'tool-rect', icon: 'selectRect', active: (s) => s.tool === 'rect' },
  {
    command: 'ellipse-marquee',
    testid: 'tool-ellipse',
    icon: 'selectEllipse',
    active: (s) => s.tool === 'ellipse',
  },
  { command: 'lasso-freehand', testid: 'tool-lasso', icon: 'selectLasso', active: (s) => s.tool === 'lasso' },
  {
    command: 'polygon-lasso',
    testid: 'tool-polygon',
    icon: 'selectPolygon',
    active: (s) => s.tool === 'polygon',
  },
  { command: 'magic-wand', testid: 'tool-wand', icon: 'selectWand', active: (s) => s.tool === 'wand' },
  {
    command: 'object-select',
    testid: 'tool-object',
    icon: 'selectObject',
    active: (s) => s.tool === 'object',
  },
];

const maskTools: ToolDef[] = [
  { command: 'undo', testid: 'undo', icon: 'undo', disabled: (s) => noPhoto(s) || !s.mask.canUndo },
  { command: 'redo', testid: 'redo', icon: 'redo', disabled: (s) => noPhoto(s) || !s.mask.canRedo },
  { command: 'invert-mask', testid: 'invert-mask', icon: 'invert', disabled: noPhoto },
  { command: 'grow-mask', testid: 'grow-mask', icon: 'grow', disabled: noMask },
  { command: 'shrink-mask', testid: 'shrink-mask', icon: 'shrink', disabled: noMask },
  { command: 'clear-mask', testid: 'clear-mask', icon: 'trash', disabled: noMask },
];

const viewTools: ToolDef[] = [
  {
    command: 'toggle-overlay',
    testid: 'toggle-overlay',
    icon: 'eye',
    active: (s) => !s.overlayVisible,
    disabled: noPhoto,
  },
  { command: 'fit', testid: 'zoom-fit', icon: 'fit', disabled: noPhoto },
  { command: 'actual-size', testid: 'zoom-100', icon: 'scan', text: '1:1', disabled: noPhoto },
];

const keysOf = (a: CommandId, b: CommandId) => `${shownKey(a, isMac)} and ${shownKey(b, isMac)}`;

export function Toolbar() {
  const store = useStore();
  const size = useEditor((s) => s.brushSize);
  const hardness = useEditor((s) => s.hardness);
  const state: ToolState = {
    tool: useEditor((s) => s.tool),
    overlayVisible: useEditor((s) => s.overlayVisible),
    mask: useEditor((s) => s.mask),
    project: useEditor((s) => s.project),
  };
  return (
    <nav className="toolbar" aria-label="Tools" data-testid="toolbar">
      <ToolGroup defs={tools} state={state} />
      <div className="tool-sep" />
      <ToolSlider
        label="Size"
        name="Brush size"
        testid="brush-size"
        title={`Brush size ${size} px (${keysOf('size-down', 'size-up')})`}
        range={limits.brushSize}
        value={size}
        onChange={(n) => store.setBrushSize(n)}
      />
      <ToolSlider
        label="Hard"
        name="Brush hardness"
        testid="brush-hardness"
        title={`Hardness ${hardness}% (${keysOf('hardness-down', 'hardness-up')})`}
        range={limits.hardness}
        value={hardness}
        onChange={(n) => store.setHardness(n)}
      />
      <div className="tool-sep" />
      <ToolGroup defs={maskTools} state={state} />
      <div className="tool-sep" />
      <ToolGroup defs={viewTools} state={state} />
    </nav>
  );
}

function ToolSlider(p: {
  label: string;
  name: string;
  testid: string;
  title: string;
  range: { min: number; max: number };
  value: number;
  onChange: (n: number) => void;
}) {
  return (
    <label className="tool-slider" title={p.title}>
      <span>{p.label}</span>
      <input
        data-testid={p.testid}
        type="range"
        min={p.range.min}
        max={p.range.max}
        value={p.value}
        aria-label={p.name}
        onChange={(e) => p.onChange(Number(e.target.value))}
      />
      <output>{p.value}</output>
    </label>
  );
}

function ToolGroup({ defs, state }: { defs: ToolDef[]; state: ToolState }) {
  const store = useStore();
  return defs.map((d) => {
    const active = d.active?.(state) ?? false;
    return (
      <ToolButton
        key={d.command}
        testid={d.testid}
        icon={d.command === 'toggle-overlay' && active ? 'eyeOff' : d.icon}
        {...(d.text ? { text: d.text } : {})}
        label={tooltip(d.command, isMac, overlayTitle(d.command, state))}
        {...(d.active ? { active } : {})}
        disabled={d.disabled?.(state) ?? false}
        onClick={() => performCommand(store, d.command)}
      />
    );
  });
}

/** The overlay button says what a click will do. */
function overlayTitle(command: CommandId, s: ToolState): string | undefined {
  if (command !== 'toggle-overlay') return undefined;
  return s.overlayVisible ? 'Hide the mask overlay' : 'Show the mask overlay';
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
