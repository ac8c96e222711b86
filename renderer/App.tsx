import { useEffect, useRef, useState } from 'react';
import { Stage, Layer } from 'react-konva';
import type { Settings } from '../shared/contract';
import { Icon, type IconName } from './components/Icon';

/** The editor's frame: tool bar, canvas, prompt panel, history panel, status bar. */
export function App() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [version, setVersion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [credits, setCredits] = useState<number | null>(null);
  const [tool, setTool] = useState<'brush' | 'eraser'>('brush');
  const [size, setSize] = useState(80);
  const [hardness, setHardness] = useState(70);
  const [prompt, setPrompt] = useState('');

  useEffect(() => {
    const api = window.maskroom;
    api.invoke('app:info', {}).then((i) => setVersion(i.version), (e: Error) => setError(e.message));
    api.invoke('settings:get', {}).then(setSettings, (e: Error) => setError(e.message));
    return api.on('credits:changed', (c) => setCredits(c.remaining));
  }, []);

  async function openFile(file: File) {
    setError(null);
    try {
      const photo = new Uint8Array(await file.arrayBuffer());
      await window.maskroom.invoke('project:create', { name: file.name, photo });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Maskroom</span>
        <label className="button" title="Open a photo">
          <Icon name="open" /> Open photo
          <input
            data-testid="open-image"
            type="file"
            accept="image/*,.heic,.heif,.tif,.tiff"
            hidden
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void openFile(f);
              e.target.value = '';
            }}
          />
        </label>
        <div className="spacer" />
        <button data-testid="compare" className="button" disabled title="Compare with the original">
          <Icon name="compare" /> Compare
        </button>
        <button data-testid="export" className="button" disabled title="Export the current image">
          <Icon name="download" /> Export
        </button>
        <button data-testid="settings" className="button icon-only" title="Settings">
          <Icon name="settings" />
        </button>
      </header>

      <nav className="toolbar" aria-label="Tools" data-testid="toolbar">
        <ToolButton testid="tool-brush" icon="brush" label="Brush (B)" active={tool === 'brush'} onClick={() => setTool('brush')} />
        <ToolButton testid="tool-eraser" icon="eraser" label="Eraser (E)" active={tool === 'eraser'} onClick={() => setTool('eraser')} />
        <div className="tool-sep" />
        <label className="tool-slider" title={`Brush size: ${size} px`}>
          <span>Size</span>
          <input data-testid="brush-size" type="range" min={1} max={1000} value={size} onChange={(e) => setSize(Number(e.target.value))} />
          <output>{size}</output>
        </label>
        <label className="tool-slider" title={`Hardness: ${hardness}%`}>
          <span>Hard</span>
          <input data-testid="brush-hardness" type="range" min={0} max={100} value={hardness} onChange={(e) => setHardness(Number(e.target.value))} />
          <output>{hardness}</output>
        </label>
        <div className="tool-sep" />
        <ToolButton testid="undo" icon="undo" label="Undo (Ctrl+Z)" disabled />
        <ToolButton testid="redo" icon="redo" label="Redo (Shift+Ctrl+Z)" disabled />
        <ToolButton testid="invert-mask" icon="invert" label="Invert mask" disabled />
        <ToolButton testid="clear-mask" icon="trash" label="Clear mask" disabled />
      </nav>

      <main className="canvas-area">
        <CanvasFrame />
        <div className="empty-hint">Drop a photo here, or choose Open photo.</div>
      </main>

      <aside className="sidebar">
        <section className="panel prompt-panel" aria-label="Prompt" data-testid="prompt-panel">
          <h2>Edit</h2>
          <textarea
            data-testid="prompt"
            placeholder="Describe the change inside the mask…"
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            rows={4}
          />
          <div className="row">
            <button data-testid="run-edit" className="button primary" disabled={!prompt.trim()}>
              <Icon name="sparkles" /> Run edit
            </button>
            <button data-testid="cancel-edit" className="button" disabled>
              <Icon name="stop" /> Cancel
            </button>
          </div>
          <div data-testid="job-status" className="job-status" role="status">
            Idle
          </div>
        </section>
        <section className="panel history-panel" aria-label="History" data-testid="history-panel">
          <h2>History</h2>
          <p className="muted">No layers yet. Each finished edit appears here.</p>
        </section>
      </aside>

      <footer className="statusbar">
        {error ? (
          <span data-testid="error" className="error" role="alert">
            <Icon name="alert" size={14} /> {error}
          </span>
        ) : (
          <span className="muted">{settings?.apiKeySet ? 'Ready.' : 'No API key set: add one in Settings before running an edit.'}</span>
        )}
        <div className="spacer" />
        <span data-testid="credits" className="muted">
          Credits: {credits ?? '—'}
        </span>
        <span className="muted">v{version}</span>
      </footer>
    </div>
  );
}

function ToolButton(p: { testid: string; icon: IconName; label: string; active?: boolean; disabled?: boolean; onClick?: () => void }) {
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
      <Icon name={p.icon} size={20} />
    </button>
  );
}

function CanvasFrame() {
  const ref = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setBox({ width: Math.floor(entry.contentRect.width), height: Math.floor(entry.contentRect.height) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <div ref={ref} className="stage-box" data-testid="stage">
      {box.width > 0 && box.height > 0 && (
        <Stage width={box.width} height={box.height}>
          <Layer />
        </Stage>
      )}
    </div>
  );
}
