import { useEffect, useState, useSyncExternalStore } from 'react';
import { useEditor, useStore } from './state/react';
import type { EditorStore } from './state/store';
import { matchShortcut, performCommand, repeats, type ShortcutAction } from './state/shortcuts';
import { TopBar } from './components/TopBar';
import { Toolbar } from './components/Toolbar';
import { CanvasPane } from './components/CanvasPane';
import { PromptPanel } from './components/PromptPanel';
import { HistoryPanel } from './components/HistoryPanel';
import { StatusBar } from './components/StatusBar';
import { SettingsDialog } from './components/SettingsDialog';
import { HelpOverlay } from './components/HelpOverlay';
import { ExportDialog } from './components/ExportDialog';
import { SaveBackDialog } from './components/SaveBackDialog';
import { ConfirmRerunDialog } from './components/ConfirmRerunDialog';
import { Icon } from './components/Icon';
import { BatchOpenButton, BatchPanel } from './components/BatchPanel';

/** The editor's frame: tool bar, canvas, prompt panel, history panel, status bar. */
export function App() {
  const store = useStore();
  const dialog = useEditor((s) => s.dialog);
  const [dropping, setDropping] = useState(false);
  const batchOpen = useSyncExternalStore(store.subscribeBatch, () => store.batchState().open);

  useEffect(() => store.start(), [store]);
  useEffect(() => installKeyboard(store), [store]);

  return (
    <div
      className="app"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (e.relatedTarget === null) setDropping(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDropping(false);
        const file = e.dataTransfer.files[0];
        if (file) void store.openFile(file);
      }}
    >
      <TopBar />
      <Toolbar />
      <CanvasPane />
      <aside className="sidebar">
        <PromptPanel />
        <BatchOpenButton />
        <HistoryPanel />
      </aside>
      <StatusBar />
      {dropping && (
        <div className="drop-veil" aria-hidden="true">
          <Icon name="imagePlus" size={40} /> Drop to open this photo (drop on the reference tray to add a
          reference)
        </div>
      )}
      {dialog === 'settings' && <SettingsDialog />}
      {dialog === 'help' && <HelpOverlay />}
      {dialog === 'export' && <ExportDialog />}
      {dialog === 'confirm-rerun' && <ConfirmRerunDialog />}
      {batchOpen && <BatchPanel />}
      {dialog === 'save-back' && <SaveBackDialog />}
    </div>
  );
}

function isTextTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  return (
    t.tagName === 'INPUT' &&
    !['range', 'checkbox', 'radio', 'button', 'file'].includes((t as HTMLInputElement).type)
  );
}

/** The keys a focused range input moves its value with. */
const SLIDER_KEYS = new Set([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown',
]);

/**
 * A key that moves the focused slider (brush size, hardness, tolerance, the compare split): it is the
 * slider's, not the window's (the arrows step variations elsewhere). With a modifier it is a shortcut again.
 */
function movesFocusedSlider(e: KeyboardEvent): boolean {
  const t = e.target;
  return (
    t instanceof HTMLInputElement &&
    t.type === 'range' &&
    SLIDER_KEYS.has(e.key) &&
    !e.ctrlKey &&
    !e.metaKey &&
    !e.altKey
  );
}

function perform(store: EditorStore, action: ShortcutAction): void {
  if (store.getState().dialog && action !== 'close') return;
  performCommand(store, action);
}

function installKeyboard(store: EditorStore): () => void {
  const down = (e: KeyboardEvent) => {
    if (e.key === '\\' && !isTextTarget(e.target) && !store.getState().dialog) {
      e.preventDefault();
      store.setHoldOriginal(true);
      return;
    }
    // Esc in a text field hands the keys back to the editor (B, E, X... would otherwise type).
    if (e.key === 'Escape' && isTextTarget(e.target) && !store.getState().dialog) {
      (e.target as HTMLElement).blur();
      return;
    }
    if (movesFocusedSlider(e)) return;
    const action = matchShortcut(e, isTextTarget(e.target));
    if (!action) return;
    e.preventDefault();
    if (e.repeat && !repeats(action)) return;
    perform(store, action);
  };
  const up = (e: KeyboardEvent) => {
    if (e.key === '\\') store.setHoldOriginal(false);
  };
  const blur = () => store.setHoldOriginal(false);
  window.addEventListener('keydown', down);
  window.addEventListener('keyup', up);
  window.addEventListener('blur', blur);
  return () => {
    window.removeEventListener('keydown', down);
    window.removeEventListener('keyup', up);
    window.removeEventListener('blur', blur);
  };
}
