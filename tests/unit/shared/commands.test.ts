/**
 * The command table (shared/commands.ts) against what is built from it: the native menu, the window's keys,
 * the help overlay and the tool bar's titles.
 */
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import {
  commandIds,
  commands,
  displayKey,
  menuCommandIds,
  parseKey,
  spec,
  toAccelerator,
  tooltip,
  type CommandId,
  type CommandSpec,
  type MenuPlace,
} from '../../../shared/commands';
import { appCommands } from '../../../shared/contract';
import { buildMenuTemplate, flattenMenu, type MenuActions } from '../../../electron/main/menu';
import { isMac, matchShortcut, shortcuts, type KeyLike } from '../../../renderer/state/shortcuts';

const noop: MenuActions = {
  openPhoto: () => undefined,
  openProject: () => undefined,
  clearRecent: () => undefined,
  exportAs: () => undefined,
  showLibrary: () => undefined,
  command: () => undefined,
};

function template(platform: NodeJS.Platform) {
  return buildMenuTemplate({ platform, appName: 'Maskroom', recent: [], hasProject: true, actions: noop });
}

/** The top-level menu each editor item sits in, by command id (a list: an item must appear once). */
function placesIn(platform: NodeJS.Platform): Map<string, string[]> {
  const places = new Map<string, string[]>();
  for (const top of template(platform)) {
    const name = top.label ?? top.role ?? '?';
    for (const item of flattenMenu(Array.isArray(top.submenu) ? top.submenu : [])) {
      if (!item.id?.startsWith('editor:')) continue;
      const id = item.id.slice('editor:'.length);
      places.set(id, [...(places.get(id) ?? []), name]);
    }
  }
  return places;
}

/** The top-level menu a place means on a platform. */
function menuName(place: MenuPlace, platform: NodeJS.Platform): string {
  if (place === 'Preferences') return platform === 'darwin' ? 'Maskroom' : 'File';
  return place === 'Help' ? 'help' : place;
}

function editorItems(platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  return flattenMenu(template(platform)).filter((i) => i.id?.startsWith('editor:'));
}

/** The key press a binding stands for, on this platform. */
function pressOf(binding: string): KeyLike {
  const c = parseKey(binding);
  const named: Record<string, string> = { Enter: 'Enter', Escape: 'Escape', ArrowLeft: 'ArrowLeft' };
  const key = named[c.key] ?? c.key;
  return {
    key:
      c.shift && key === '['
        ? '{'
        : c.shift && key === ']'
          ? '}'
          : key.length === 1
            ? key.toLowerCase()
            : key,
    code:
      key === '['
        ? 'BracketLeft'
        : key === ']'
          ? 'BracketRight'
          : /^\d$/.test(key)
            ? `Digit${key}`
            : undefined,
    shiftKey: c.shift || key === '?',
    ctrlKey: c.mod && !isMac,
    metaKey: c.mod && isMac,
    altKey: false,
  };
}

describe('the command table', () => {
  it('gives every command a label, a key or the reason it has none, a menu place or the reason it has none', () => {
    for (const id of commandIds) {
      const s: CommandSpec = spec(id);
      expect(s.label.trim(), id).not.toBe('');
      if (s.keys.length === 0) expect(s.noKey?.trim(), `${id} has no key and says not why`).toBeTruthy();
      else expect(s.noKey, `${id} has a key and a reason for none`).toBeUndefined();
      if (s.menu === null) expect(s.noMenu?.trim(), `${id} is in no menu and says not why`).toBeTruthy();
      else expect(s.noMenu, `${id} is in a menu and says it is not`).toBeUndefined();
    }
  });

  it('has the contract send exactly the commands the table puts in the menu', () => {
    const inMenu = commandIds.filter((id) => spec(id).menu !== null);
    expect(menuCommandIds).toEqual(inMenu);
    expect([...appCommands].sort()).toEqual(['open-project', ...inMenu].sort());
  });

  it('puts each menu command once, in the menu the table names, on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const places = placesIn(platform);
      for (const id of commandIds) {
        const place = spec(id).menu;
        expect(places.get(id), `${platform}: ${id}`).toEqual(
          place === null ? undefined : [menuName(place, platform)],
        );
      }
      expect(
        [...places.keys()].every((id) => (commandIds as string[]).includes(id)),
        platform,
      ).toBe(true);
    }
  });

  it('shows each menu item with the label and, as its accelerator, the first key of the table', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      for (const item of editorItems(platform)) {
        const s = spec(item.id!.slice('editor:'.length) as CommandId);
        expect(item.label).toBe(s.label);
        const first = s.keys[0];
        expect(item.accelerator).toBe(first === undefined ? undefined : toAccelerator(first));
        expect(item.registerAccelerator).toBe(
          first === undefined ? undefined : s.menuCapturesKey !== undefined,
        );
      }
    }
  });

  it('writes accelerators the way Electron reads them', () => {
    // Every modifier and key name of the notation, through a fixed spelling of Electron's grammar.
    const electronKey = /^(Shift\+)?(CmdOrCtrl\+)?([A-Z0-9]|[[\]?,]|Enter|Esc|Left|Right)$/;
    for (const id of commandIds)
      for (const k of spec(id).keys) {
        const a = toAccelerator(k);
        expect(a, `${id}: ${k}`).toMatch(electronKey);
        const c = parseKey(k);
        expect(a.startsWith('Shift+'), k).toBe(c.shift);
        expect(a.includes('CmdOrCtrl+'), k).toBe(c.mod);
      }
  });

  it('gives no two commands the same key, shown or hidden, on either platform', () => {
    for (const mac of [false, true]) {
      const seen = new Map<string, CommandId>();
      for (const id of commandIds) {
        const s = spec(id);
        const hidden = (s.hiddenKeys ?? []).filter((h) => !(h.notOnMac && mac)).map((h) => h.key);
        for (const k of [...s.keys, ...hidden]) {
          const c = parseKey(k);
          const norm = `${c.shift}|${c.mod}|${c.key.toLowerCase()}`;
          expect(seen.get(norm), `${k} is bound to ${seen.get(norm)} and ${id}`).toBeUndefined();
          seen.set(norm, id);
        }
      }
    }
  });

  it('has the window do, for every key of the table, the command the table names', () => {
    for (const id of commandIds) {
      const s = spec(id);
      if (s.menuCapturesKey) continue;
      for (const k of s.keys) expect(matchShortcut(pressOf(k), false), `${k}`).toBe(id);
    }
  });

  it('leaves the keys the menu captures to the menu', () => {
    const captured = commandIds.filter((id) => spec(id).menuCapturesKey);
    expect(captured.length).toBeGreaterThan(0);
    for (const id of captured)
      for (const k of spec(id).keys) expect(matchShortcut(pressOf(k), false), k).toBeNull();
  });

  it('lists in the help overlay every key the window handles, as the tool bar shows it', () => {
    const handled = commandIds.filter((id) => spec(id).keys.length > 0 && !spec(id).menuCapturesKey);
    expect(shortcuts.map((s) => s.action)).toEqual(handled);
    for (const s of shortcuts) {
      const c = spec(s.action);
      expect(s.keys).toBe(displayKey(c.keys[0]!, isMac));
      expect(s.label).toBe(c.help ?? c.label);
      if (c.tooltip) expect(tooltip(s.action, isMac)).toContain(`(${s.keys})`);
    }
  });

  it('titles tool bar buttons with the key in brackets and the detail after it', () => {
    expect(tooltip('brush', false)).toBe('Brush (B): paint the area to change');
    expect(tooltip('redo', false)).toBe('Redo (Shift+Ctrl+Z)');
    expect(tooltip('redo', true)).toBe('Redo (Shift+⌘+Z)');
    expect(tooltip('toggle-overlay', false, 'Hide the mask overlay')).toBe('Hide the mask overlay (X)');
    expect(tooltip('clear-mask', false)).toBe('Clear the mask');
    for (const id of commandIds) {
      const first = commands[id].keys[0];
      if (first === undefined) expect(tooltip(id, false)).not.toContain('(');
      else expect(tooltip(id, false)).toContain(`(${displayKey(first, false)})`);
    }
  });
});
