/** The keyboard shortcuts, from the command table the key handler and the menu use (shared/commands.ts). */
import { holdShortcuts, shortcuts } from '../state/shortcuts';
import { useStore } from '../state/react';
import { Dialog } from './Dialog';

export function HelpOverlay() {
  const store = useStore();
  return (
    <Dialog title="Keyboard shortcuts" testid="help-overlay" onClose={() => store.openDialog(null)}>
      <table className="shortcut-table">
        <tbody>
          {[...shortcuts, ...holdShortcuts].map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Drop a photo anywhere on the window to open it; drop images on the reference tray to guide the edit.
      </p>
    </Dialog>
  );
}
