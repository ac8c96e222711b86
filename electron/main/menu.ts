/**
 * The native menu. File actions that need the OS (open and save dialogs, recent projects, quit) run in
 * main; editor actions are sent to the renderer as an 'app:command' event. The editor's keys are shown
 * next to the items but not captured by the menu (registerAccelerator: false): the renderer handles its
 * own keys, so typing "b" in the prompt still types a "b".
 */
import type { MenuItemConstructorOptions } from 'electron';
import { spec, toAccelerator, type MenuCommandId } from '../../shared/commands';

/** The editor commands the menu sends to the window (the command table's commands with a menu place). */
export type EditorCommand = MenuCommandId;

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

/**
 * A menu item for an editor command, from the command table: its label, and its first key binding as the
 * accelerator (shown; captured only where the table says the menu owns the key).
 */
export function editorItem(m: MenuModel, command: EditorCommand): MenuItemConstructorOptions {
  const s = spec(command);
  const key = s.keys[0];
  return {
    id: `editor:${command}`,
    label: s.label,
    ...(key ? { accelerator: toAccelerator(key), registerAccelerator: s.menuCapturesKey !== undefined } : {}),
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
      { ...editorItem(m, 'save-back'), enabled: m.hasProject },
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
      editorItem(m, 'rect-marquee'),
      editorItem(m, 'ellipse-marquee'),
      editorItem(m, 'lasso-freehand'),
      editorItem(m, 'polygon-lasso'),
      editorItem(m, 'magic-wand'),
      editorItem(m, 'object-select'),
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
