/**
 * The tool options bar over the top left of the photo: the tool's name, and for the selection tools the
 * mode (add, subtract, intersect: what a selection does without a modifier key), the wand's tolerance and
 * contiguity (off = select colour range), the feather preview, and importing or exporting the mask as a
 * file. Another selection tool (object select) gets the same mode switch by being a selection tool.
 */
import type { ChangeEvent, ReactNode } from 'react';
import { useEditor, useStore } from '../state/react';
import type { SelectMode, Tool } from '../state/model';
import { isMac } from '../state/shortcuts';
import { Icon } from './Icon';

const toolNames: Record<Tool, string> = {
  brush: 'Brush',
  eraser: 'Eraser',
  rect: 'Rectangle marquee',
  ellipse: 'Ellipse marquee',
  lasso: 'Lasso',
  polygon: 'Polygon lasso',
  wand: 'Magic wand',
  object: 'Object select',
};

const shift = isMac ? '⇧' : 'Shift';
const alt = isMac ? '⌥' : 'Alt';

const modes: { mode: SelectMode; label: string; hint: string }[] = [
  { mode: 'add', label: 'Add', hint: `add to the mask (hold ${shift})` },
  { mode: 'subtract', label: 'Subtract', hint: `remove from the mask (hold ${alt})` },
  {
    mode: 'intersect',
    label: 'Intersect',
    hint: `keep only where mask and selection meet (hold ${shift}+${alt})`,
  },
];

const selectionTools: readonly Tool[] = ['rect', 'ellipse', 'lasso', 'polygon', 'wand', 'object'];

const hints: Partial<Record<Tool, string>> = {
  rect: `Drag a box; ${shift} for a square.`,
  ellipse: `Drag a box; ${shift} for a circle.`,
  lasso: 'Drag around the area; release to close.',
  polygon: 'Click the corners; double-click or Enter closes, Esc drops.',
  wand: 'Click a colour.',
};

export function ToolOptions() {
  const store = useStore();
  const tool = useEditor((s) => s.tool);
  const mode = useEditor((s) => s.selectMode);
  const tolerance = useEditor((s) => s.wandTolerance);
  const contiguous = useEditor((s) => s.wandContiguous);
  const featherPreview = useEditor((s) => s.featherPreview);
  const feather = useEditor((s) => s.feather);
  const hasPhoto = useEditor((s) => s.project !== null);
  if (!hasPhoto) return null;
  const selecting = selectionTools.includes(tool);
  // The slider and the number box of the wand's tolerance: the same range, value and change.
  const toleranceInput = {
    min: 0,
    max: 255,
    value: tolerance,
    onChange: (e: ChangeEvent<HTMLInputElement>) => store.setWandTolerance(Number(e.target.value)),
  };

  return (
    <div className="tool-options" role="toolbar" aria-label="Tool options" data-testid="tool-options">
      <span className="tool-options-name" data-testid="tool-options-name">
        {toolNames[tool]}
      </span>
      {selecting && (
        <Group>
          <div className="mode-switch" role="radiogroup" aria-label="Selection mode">
            {modes.map((m) => (
              <button
                key={m.mode}
                role="radio"
                aria-checked={mode === m.mode}
                data-testid={`select-mode-${m.mode}`}
                className={`seg${mode === m.mode ? ' on' : ''}`}
                title={`${m.label}: ${m.hint}`}
                onClick={() => store.setSelectMode(m.mode)}
              >
                {m.label}
              </button>
            ))}
          </div>
        </Group>
      )}
      {tool === 'wand' && (
        <Group>
          <label className="opt" title="How far a colour may be from the clicked one (0–255)">
            Tolerance
            <input type="range" aria-label="Tolerance slider" {...toleranceInput} />
            <input
              className="num"
              data-testid="wand-tolerance"
              type="number"
              aria-label="Tolerance"
              {...toleranceInput}
            />
          </label>
          <label
            className="opt"
            title="On: the connected area of that colour. Off: that colour everywhere in the photo (select colour range)."
          >
            <input
              type="checkbox"
              data-testid="wand-contiguous"
              checked={contiguous}
              onChange={(e) => store.setWandContiguous(e.target.checked)}
            />
            Contiguous
          </label>
        </Group>
      )}
      {hints[tool] && (
        <span className="tool-options-hint" title={hints[tool]}>
          {hints[tool]}
        </span>
      )}
      <div className="spacer" />
      <Group>
        <button
          className={`button small${featherPreview ? ' active' : ''}`}
          data-testid="feather-preview"
          aria-pressed={featherPreview}
          title={`Feather preview: show the mask as the edit will blend it, feathered by ${feather} px`}
          aria-label="Feather preview"
          onClick={() => store.toggleFeatherPreview()}
        >
          Feather
        </button>
        <label
          className="button small"
          title="Replace the mask by a mask file of the photo's size (white = change)"
        >
          <Icon name="open" size={14} /> <span className="label">Import mask</span>
          <input
            data-testid="import-mask"
            type="file"
            accept="image/png,image/jpeg,image/webp,image/tiff,.tif,.tiff"
            hidden
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void store.importMask(f);
              e.target.value = '';
            }}
          />
        </label>
        <button
          className="button small"
          data-testid="export-mask"
          title="Save the mask as a greyscale PNG of the photo's size"
          aria-label="Export mask"
          onClick={() => void exportMask(store)}
        >
          <Icon name="download" size={14} /> <span className="label">Export mask</span>
        </button>
      </Group>
    </div>
  );
}

function Group({ children }: { children: ReactNode }) {
  return <div className="tool-options-group">{children}</div>;
}

async function exportMask(store: ReturnType<typeof useStore>): Promise<void> {
  const out = await store.exportMask();
  if (!out) return;
  const url = URL.createObjectURL(out.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = out.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
