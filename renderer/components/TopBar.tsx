/** The top bar: open (file or recent project), compare, drag-out, export, help and settings. */
import { useEffect, useState } from 'react';
import { useEditor, useStore } from '../state/react';
import { tooltip } from '../../shared/commands';
import { isMac, performCommand } from '../state/shortcuts';
import { Icon, type IconName } from './Icon';
import { RecentProject } from './RecentProject';
import { OPEN_ACCEPT } from '../../shared/formats';

export function TopBar() {
  const store = useStore();
  const project = useEditor((s) => s.project);
  const recent = useEditor((s) => s.recent);
  const opening = useEditor((s) => s.opening);
  const compare = useEditor((s) => s.compare);
  const savedBack = useEditor((s) => s.savedBack);
  const [recentOpen, setRecentOpen] = useState(false);
  useEffect(() => {
    if (!recentOpen) return;
    const close = (e: MouseEvent) => {
      if (!(e.target instanceof Element) || !e.target.closest('.menu-anchor')) setRecentOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [recentOpen]);
  const others = recent.filter((p) => p.id !== project?.id);

  return (
    <header className="topbar">
      <span className="brand">Maskroom</span>
      <label className={`button${opening ? ' busy' : ''}`} title="Open a photo (or drop one on the window)">
        <Icon name="open" /> Open photo
        <input
          data-testid="open-image"
          type="file"
          accept={OPEN_ACCEPT}
          hidden
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void store.openFile(f);
            e.target.value = '';
          }}
        />
      </label>
      <div className="menu-anchor">
        <button
          className="button"
          data-testid="recent-projects"
          disabled={others.length === 0}
          onClick={() => setRecentOpen((o) => !o)}
          aria-expanded={recentOpen}
          title="Open a recent project"
        >
          Recent <Icon name="chevronDown" size={14} />
        </button>
        {recentOpen && (
          <div className="menu" role="menu">
            {others.slice(0, 12).map((p) => (
              <RecentProject
                key={p.id}
                project={p}
                role="menuitem"
                className="menu-item"
                onOpen={() => {
                  setRecentOpen(false);
                  void store.openRecent(p.id);
                }}
              />
            ))}
          </div>
        )}
      </div>
      {opening && (
        <span className="muted opening" role="status">
          <Icon name="spinner" size={14} /> Opening {opening}…
        </span>
      )}
      <div className="spacer" />
      {project && (
        <span className="project-name" title={`${project.name} — ${project.width}×${project.height} px`}>
          {project.name}{' '}
          <span className="muted">
            {project.width}×{project.height}
          </span>
        </span>
      )}
      <div className="spacer" />
      <TopButton
        testid="compare"
        icon="compare"
        text="Compare"
        disabled={!project}
        pressed={compare === 'split'}
        onClick={() => performCommand(store, 'compare')}
        title="Before/after split view (hold \ to see the original)"
      />
      <button
        className="button drag-out"
        data-testid="drag-out"
        disabled={!project}
        draggable={Boolean(project)}
        onDragStart={(e) => {
          e.preventDefault();
          store.dragOut();
        }}
        onClick={() => store.dragOut()}
        title="Drag the full-resolution image into another program (click to save it)"
      >
        <Icon name="grip" /> Drag out
      </button>
      <TopButton
        testid="export"
        icon="download"
        text="Export"
        disabled={!project}
        onClick={() => store.openDialog('export')}
        title="Export the current image at full resolution"
      />
      <TopButton
        testid="save-back"
        icon="download"
        text="Save back"
        disabled={!project}
        onClick={() => performCommand(store, 'save-back')}
        title={
          savedBack
            ? `${tooltip('save-back', isMac)}; last saved into ${savedBack}`
            : tooltip('save-back', isMac)
        }
      />
      <TopButton
        testid="help"
        icon="keyboard"
        onClick={() => performCommand(store, 'help')}
        title={tooltip('help', isMac)}
      />
      <TopButton
        testid="settings"
        icon="settings"
        onClick={() => performCommand(store, 'settings')}
        title="Settings"
      />
    </header>
  );
}

/** A top bar button: an icon with words, or an icon alone (then its title is its name). */
function TopButton(p: {
  testid: string;
  icon: IconName;
  text?: string;
  title: string;
  disabled?: boolean;
  pressed?: boolean;
  onClick: () => void;
}) {
  const cls = `button${p.text ? '' : ' icon-only'}${p.pressed ? ' active' : ''}`;
  return (
    <button
      data-testid={p.testid}
      className={cls}
      disabled={p.disabled}
      aria-pressed={p.pressed}
      onClick={p.onClick}
      title={p.title}
    >
      <Icon name={p.icon} />
      {p.text ? ` ${p.text}` : null}
    </button>
  );
}
