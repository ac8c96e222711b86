/** The native menu: the editor's shortcuts shown (and left to the renderer), file actions in main, recent projects. */
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appCommands } from '../../../shared/contract';
import { menuCommandIds } from '../../../shared/commands';
import { buildMenuTemplate, flattenMenu, type MenuActions } from '../../../electron/main/menu';

function model(over: Partial<Parameters<typeof buildMenuTemplate>[0]> = {}) {
  const done: string[] = [];
  const actions: MenuActions = {
    openPhoto: () => void done.push('openPhoto'),
    openProject: (id) => void done.push(`openProject:${id}`),
    clearRecent: () => void done.push('clearRecent'),
    exportAs: () => void done.push('exportAs'),
    showLibrary: () => void done.push('showLibrary'),
    command: (c) => void done.push(`command:${c}`),
  };
  const items = flattenMenu(
    buildMenuTemplate({
      platform: 'linux',
      appName: 'Maskroom',
      recent: [],
      hasProject: false,
      actions,
      ...over,
    }),
  );
  const byId = (id: string) => {
    const i = items.find((x) => x.id === id);
    if (!i) throw new Error(`no item ${id}`);
    return i;
  };
  const click = (id: string) => (byId(id).click as unknown as () => void)();
  return { items, byId, click, done };
}

describe('menu', () => {
  it('shows the editor shortcuts without capturing them, so the renderer keeps its keys', () => {
    const m = model();
    for (const [id, accel] of [
      ['editor:undo', 'CmdOrCtrl+Z'],
      ['editor:redo', 'Shift+CmdOrCtrl+Z'],
      ['editor:brush', 'B'],
      ['editor:eraser', 'E'],
      ['editor:invert-mask', 'I'],
      ['editor:fit', 'CmdOrCtrl+0'],
      ['editor:run-edit', 'CmdOrCtrl+Enter'],
    ] as const) {
      expect(m.byId(id)).toMatchObject({ accelerator: accel, registerAccelerator: false });
    }
    expect(m.byId('editor:settings')).toMatchObject({
      accelerator: 'CmdOrCtrl+,',
      registerAccelerator: true,
    });
    expect(m.byId('file:open')).toMatchObject({ accelerator: 'CmdOrCtrl+O' });
  });

  it('sends editor items to the renderer as commands of the contract', () => {
    const m = model();
    for (const c of menuCommandIds) {
      expect(appCommands).toContain(c);
      m.click(`editor:${c}`);
    }
    expect(m.done).toEqual(menuCommandIds.map((c) => `command:${c}`));
  });

  it('runs file actions in main; Export and Save Back only with a project open', () => {
    const m = model({ hasProject: true });
    m.click('file:open');
    m.click('file:export');
    m.click('editor:save-back');
    m.click('file:library');
    expect(m.done).toEqual(['openPhoto', 'exportAs', 'command:save-back', 'showLibrary']);
    expect(m.byId('editor:save-back')).toMatchObject({
      label: 'Save Back',
      accelerator: 'CmdOrCtrl+S',
      registerAccelerator: false,
      enabled: true,
    });
    expect(model().byId('file:export').enabled).toBe(false);
    expect(model().byId('editor:save-back').enabled).toBe(false);
  });

  it('lists recent projects by name and can clear them', () => {
    const m = model({
      recent: [
        { id: 'p2', name: 'Harbour.tif' },
        { id: 'p1', name: 'Beach.jpg' },
      ],
    });
    const recent = (m.byId('file:recent').submenu as MenuItemConstructorOptions[]).map(
      (i) => i.label ?? i.type,
    );
    expect(recent).toEqual(['Harbour.tif', 'Beach.jpg', 'separator', 'Clear Recent Projects']);
    m.click('recent:p1');
    m.click('recent:clear');
    expect(m.done).toEqual(['openProject:p1', 'clearRecent']);
    expect(model().byId('recent:none').enabled).toBe(false);
  });

  it('follows each platform: app menu on macOS, Quit in File elsewhere', () => {
    const mac = buildMenuTemplate({
      platform: 'darwin',
      appName: 'Maskroom',
      recent: [],
      hasProject: false,
      actions: model().done as never,
    });
    expect(mac[0]?.label).toBe('Maskroom');
    expect(flattenMenu(mac).some((i) => i.role === 'quit')).toBe(true);
    const linux = model();
    expect(linux.items.some((i) => i.role === 'quit')).toBe(true);
    expect(linux.items.some((i) => i.label === 'Maskroom')).toBe(false);
  });
});

describe('developer tools in the menu', () => {
  it('are offered only in development builds, on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const roles = (devTools?: boolean) =>
        model({ platform, ...(devTools === undefined ? {} : { devTools }) }).items.map((i) => i.role);
      expect(roles(), platform).not.toContain('toggleDevTools');
      expect(roles(false), platform).not.toContain('toggleDevTools');
      expect(roles(true), platform).toContain('toggleDevTools');
    }
  });
});
