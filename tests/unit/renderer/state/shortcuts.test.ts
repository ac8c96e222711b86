import { describe, expect, it } from 'vitest';
import { commandIds, spec } from '../../../../shared/commands';
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
    const handled = commandIds.filter((id) => spec(id).keys.length > 0 && !spec(id).menuCapturesKey);
    expect(actions).toEqual(handled);
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
    expect(matchShortcut(press(isMac ? '⌘+Enter' : 'Ctrl+Enter'), true)).toBe('run-edit');
    expect(matchShortcut(press('Esc'), true)).toBe('close');
  });

  it('ignores keys with Alt or an unlisted letter', () => {
    expect(matchShortcut({ ...press('B'), altKey: true }, false)).toBeNull();
    expect(matchShortcut(press('Q'), false)).toBeNull();
  });
});

/** The key handler as it was before the command table, with its action names: the oracle for the one now. */
function previousMatch(e: KeyLike, inText: boolean): string | null {
  const primary = isMac ? e.metaKey : e.ctrlKey || e.metaKey;
  const key = e.key;
  if (primary && !e.altKey) {
    if (key === 'Enter') return 'run';
    if (inText) return null;
    if (key.toLowerCase() === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key.toLowerCase() === 'y' && !isMac) return 'redo';
    if (key === '0' || e.code === 'Digit0') return 'fit';
    if (key === '1' || e.code === 'Digit1') return 'actual-size';
    return null;
  }
  if (key === 'Escape') return 'close';
  if (inText || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (key === '[' || key === '{' || e.code === 'BracketLeft')
    return e.shiftKey ? 'hardness-down' : 'size-down';
  if (key === ']' || key === '}' || e.code === 'BracketRight') return e.shiftKey ? 'hardness-up' : 'size-up';
  const plain: Record<string, string> = {
    b: 'brush',
    e: 'eraser',
    x: 'toggle-overlay',
    i: 'invert',
    '?': 'help',
    arrowleft: 'previous-variation',
    arrowright: 'next-variation',
  };
  return plain[key.toLowerCase()] ?? null;
}
const renamed: Record<string, string> = { run: 'run-edit', invert: 'invert-mask' };

describe('the key handler over every key press', () => {
  it('means what it meant before the command table, for every key, code and modifier combination', () => {
    // Each key with the physical key a US layout sends it from (or none), and keys of other layouts on the
    // physical keys the handler also reads (German ü on [, French & and à on 1 and 0).
    const usCodes: Record<string, string> = {
      '[': 'BracketLeft',
      '{': 'BracketLeft',
      ']': 'BracketRight',
      '}': 'BracketRight',
      '0': 'Digit0',
      ')': 'Digit0',
      '1': 'Digit1',
      '!': 'Digit1',
      '?': 'Slash',
      '/': 'Slash',
    };
    const usCode = (k: string) => (/^[a-z]$/i.test(k) ? `Key${k.toUpperCase()}` : usCodes[k]);
    const keys = [
      ...'abBeiIxyYzZq012)![]{}?/,\\'.split(''),
      ...['Enter', 'Escape', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'Tab', ' '],
    ];
    const presses: [string, string | undefined][] = [
      ...keys.flatMap((k): [string, string | undefined][] => [
        [k, undefined],
        [k, usCode(k)],
      ]),
      ['ü', 'BracketLeft'],
      ['Ü', 'BracketLeft'],
      ['+', 'BracketRight'],
      ['*', 'BracketRight'],
      ['&', 'Digit1'],
      ['à', 'Digit0'],
      ['0', 'Numpad0'],
    ];
    let n = 0;
    for (const [key, code] of presses)
      for (let bits = 0; bits < 32; bits++) {
        const e: KeyLike = {
          key,
          code,
          ctrlKey: (bits & 1) !== 0,
          metaKey: (bits & 2) !== 0,
          shiftKey: (bits & 4) !== 0,
          altKey: (bits & 8) !== 0,
        };
        const inText = (bits & 16) !== 0;
        const before = previousMatch(e, inText);
        expect(matchShortcut(e, inText), JSON.stringify({ e, inText })).toBe(
          before === null ? null : (renamed[before] ?? before),
        );
        n++;
      }
    expect(n).toBe(presses.length * 32);
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
