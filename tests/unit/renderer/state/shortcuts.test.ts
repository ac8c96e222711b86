import { describe, expect, it } from 'vitest';
import {
  holdShortcuts,
  isMac,
  matchShortcut,
  nextBrushSize,
  nextHardness,
  shortcuts,
  type KeyLike,
} from '../../../../renderer/state/shortcuts';

const named: Record<string, { key: string; code?: string }> = {
  '[': { key: '[', code: 'BracketLeft' },
  ']': { key: ']', code: 'BracketRight' },
  '←': { key: 'ArrowLeft' },
  '→': { key: 'ArrowRight' },
  Esc: { key: 'Escape' },
  '?': { key: '?' },
  Enter: { key: 'Enter' },
};

/** The key press a help-overlay label such as "Shift+Ctrl+Z" stands for. */
function press(keys: string): KeyLike {
  const parts = keys.split('+');
  const last = parts.at(-1)!;
  const mods = new Set(parts.slice(0, -1));
  const shift = mods.has('Shift');
  const primary = mods.has('Ctrl') || mods.has('⌘');
  let { key, code } = named[last] ?? { key: last.toLowerCase(), code: undefined };
  if (shift && key === '[') key = '{'; // what a US layout sends
  if (shift && key === ']') key = '}';
  if (/^\d$/.test(key)) code = `Digit${key}`;
  return {
    key,
    code,
    shiftKey: shift || key === '?',
    ctrlKey: primary && !isMac,
    metaKey: primary && isMac,
    altKey: false,
  };
}

describe('shortcuts', () => {
  it('lists every action once and no two actions on the same keys', () => {
    const actions = shortcuts.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    const keys = [...shortcuts.map((s) => s.keys), ...holdShortcuts.map((s) => s.keys)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(shortcuts.length).toBe(17);
  });

  it('has the key handler do what the list says, for every entry', () => {
    for (const s of shortcuts) expect(matchShortcut(press(s.keys), false), s.keys).toBe(s.action);
  });

  it('gives each listed key press exactly one action', () => {
    const seen = new Map<string, string>();
    for (const s of shortcuts) {
      const p = press(s.keys);
      const id = JSON.stringify(p);
      expect(seen.get(id), `${s.keys} also means ${seen.get(id)}`).toBeUndefined();
      seen.set(id, s.action);
    }
  });

  it('leaves plain keys to a text field but still runs and closes from it', () => {
    expect(matchShortcut(press('B'), true)).toBeNull();
    expect(matchShortcut(press('X'), true)).toBeNull();
    expect(matchShortcut(press(isMac ? '⌘+Z' : 'Ctrl+Z'), true)).toBeNull();
    expect(matchShortcut(press(isMac ? '⌘+Enter' : 'Ctrl+Enter'), true)).toBe('run');
    expect(matchShortcut(press('Esc'), true)).toBe('close');
  });

  it('ignores keys with Alt or an unlisted letter', () => {
    expect(matchShortcut({ ...press('B'), altKey: true }, false)).toBeNull();
    expect(matchShortcut(press('Q'), false)).toBeNull();
  });
});

describe('brush steps', () => {
  it('steps the size finer when small and coarser when large, within 1-1000', () => {
    expect(nextBrushSize(5, 1)).toBe(6);
    expect(nextBrushSize(20, 1)).toBe(25);
    expect(nextBrushSize(100, -1)).toBe(90);
    expect(nextBrushSize(300, 1)).toBe(325);
    expect(nextBrushSize(600, 1)).toBe(650);
    expect(nextBrushSize(1, -1)).toBe(1);
    expect(nextBrushSize(1000, 1)).toBe(1000);
  });

  it('steps hardness by 10 within 0-100', () => {
    expect(nextHardness(50, 1)).toBe(60);
    expect(nextHardness(95, 1)).toBe(100);
    expect(nextHardness(5, -1)).toBe(0);
  });
});
