/** One recent project, as listed in the empty state and the Recent menu: its name, size and edit count. */
import type { ProjectSummary } from '../../shared/contract';

export function RecentProject({
  project,
  className,
  role,
  onOpen,
}: {
  project: ProjectSummary;
  className: string;
  role?: 'menuitem';
  onOpen: () => void;
}) {
  const p = project;
  return (
    <button role={role} className={className} onClick={onOpen}>
      <span className="menu-item-name">{p.name}</span>
      <span className="muted">
        {p.width}×{p.height} · {p.layerCount} {p.layerCount === 1 ? 'edit' : 'edits'}
      </span>
    </button>
  );
}
