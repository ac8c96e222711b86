/**
 * The native menu. File actions that need the OS (open and save dialogs, recent projects, quit) run in
 * main; editor actions are sent to the renderer as an 'app:command' event. The editor's keys are shown
 * next to the items but not captured by the menu (registerAccelerator: false): the renderer handles its
 * own keys, so typing "b" in the prompt still types a "b".
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../shared/contract';

export type EditorCommand = Exclude<AppCommand['command'], 'open-project'>;

export interface MenuActions {
  openPhoto(): void;
  openProject(projectId: string): void;
  clearRecent(): void;
  exportAs(): void;
  showLibrary(): void;
  command(c: EditorCommand): void;
}

export interface MenuModel {
  platform: NodeJS.Platform;
  appName: string;
  recent: { id: string; name: string }[];
  /** A project is open in the focused window: Export is enabled. */
  hasProject: boolean;
  /** Show View › Toggle Developer Tools (development builds only: never when app.isPackaged). */
  devTools?: boolean;
  actions: MenuActions;
}

/** The editor's shortcuts, as Electron accelerators (CmdOrCtrl = ⌘ on macOS, Ctrl elsewhere). */
export const editorShortcuts: {
  command: EditorCommand;
  label: string;
  accelerator?: string;
  menuKey?: true;
}[] = [
  { command: 'undo', label: 'Undo Stroke', accelerator: 'CmdOrCtrl+Z' },
  { command: 'redo', label: 'Redo Stroke', accelerator: 'Shift+CmdOrCtrl+Z' },
  { command: 'brush', label: 'Brush', accelerator: 'B' },
  { command: 'eraser', label: 'Eraser', accelerator: 'E' },
  { command: 'invert-mask', label: 'Invert Mask', accelerator: 'I' },
  { command: 'clear-mask', label: 'Clear Mask' },
  { command: 'toggle-overlay', label: 'Show or Hide Mask Overlay', accelerator: 'X' },
  { command: 'fit', label: 'Fit to Window', accelerator: 'CmdOrCtrl+0' },
  { command: 'actual-size', label: 'Actual Pixels', accelerator: 'CmdOrCtrl+1' },
  { command: 'compare', label: 'Compare with Original' },
  { command: 'run-edit', label: 'Run Edit', accelerator: 'CmdOrCtrl+Enter' },
  { command: 'cancel-edit', label: 'Cancel Edit' },
  { command: 'help', label: 'Keyboard Shortcuts', accelerator: '?' },
  // The renderer has no key for Settings: this one the menu captures.
  { command: 'settings', label: 'Settings…', accelerator: 'CmdOrCtrl+,', menuKey: true },
];

function editorItem(m: MenuModel, command: EditorCommand): MenuItemConstructorOptions {
  const s = editorShortcuts.find((e) => e.command === command);
  if (!s) throw new Error(`no menu entry for ${command}`);
  return {
    id: `editor:${command}`,
    label: s.label,
    ...(s.accelerator ? { accelerator: s.accelerator, registerAccelerator: s.menuKey === true } : {}),
    click: () => m.actions.command(command),
  };
}

export function buildMenuTemplate(m: MenuModel): MenuItemConstructorOptions[] {
  const mac = m.platform === 'darwin';
  const recentItems: MenuItemConstructorOptions[] = m.recent.length
    ? [
        ...m.recent.map((r) => ({
          id: `recent:${r.id}`,
          label: r.name,
          click: () => m.actions.openProject(r.id),
        })),
        { type: 'separator' as const },
        { id: 'recent:clear', label: 'Clear Recent Projects', click: () => m.actions.clearRecent() },
      ]
    : [{ id: 'recent:none', label: 'No Recent Projects', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      {
        id: 'file:open',
        label: 'Open Photo…',
        accelerator: 'CmdOrCtrl+O',
        click: () => m.actions.openPhoto(),
      },
      { id: 'file:recent', label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      {
        id: 'file:export',
        label: 'Export As…',
        accelerator: 'Shift+CmdOrCtrl+S',
        enabled: m.hasProject,
        click: () => m.actions.exportAs(),
      },
      { id: 'file:library', label: 'Show Projects Folder', click: () => m.actions.showLibrary() },
      ...(mac
        ? []
        : [
            { type: 'separator' as const },
            editorItem(m, 'settings'),
            { type: 'separator' as const },
            { role: 'quit' as const },
          ]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      editorItem(m, 'undo'),
      editorItem(m, 'redo'),
      { type: 'separator' },
      // Text editing in the prompt field (these roles act only where text has focus).
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };

  const mask: MenuItemConstructorOptions = {
    label: 'Mask',
    submenu: [
      editorItem(m, 'brush'),
      editorItem(m, 'eraser'),
      { type: 'separator' },
      editorItem(m, 'invert-mask'),
      editorItem(m, 'clear-mask'),
      editorItem(m, 'toggle-overlay'),
      { type: 'separator' },
      editorItem(m, 'run-edit'),
      editorItem(m, 'cancel-edit'),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      editorItem(m, 'fit'),
      editorItem(m, 'actual-size'),
      editorItem(m, 'compare'),
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(m.devTools ? [{ role: 'toggleDevTools' as const }] : []),
    ],
  };

  const help: MenuItemConstructorOptions = { role: 'help', submenu: [editorItem(m, 'help')] };

  const appMenu: MenuItemConstructorOptions = {
    label: m.appName,
    submenu: [
      { role: 'about' },
      { type: 'separator' },
      editorItem(m, 'settings'),
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };

  return [
    ...(mac ? [appMenu] : []),
    file,
    edit,
    mask,
    view,
    ...(mac ? [{ role: 'windowMenu' as const }] : []),
    help,
  ];
}

/** Every item of a template, depth first (tests and lookups by id). */
export function flattenMenu(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flattenMenu(i.submenu) : [])]);
}
