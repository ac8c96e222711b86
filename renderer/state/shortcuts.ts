/** The keyboard map: one table, used by the key handler and listed by the help overlay. */

export type ShortcutAction =
  | 'brush'
  | 'eraser'
  | 'size-down'
  | 'size-up'
  | 'hardness-down'
  | 'hardness-up'
  | 'toggle-overlay'
  | 'undo'
  | 'redo'
  | 'fit'
  | 'actual-size'
  | 'run'
  | 'invert'
  | 'previous-variation'
  | 'next-variation'
  | 'help'
  | 'close';

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  label: string;
}

// Read through globalThis, typed here: this module is also loaded (and type-checked) in Node by the unit tests.
const platform = (globalThis as { navigator?: { platform?: string } }).navigator?.platform ?? '';
export const isMac = /Mac|iPhone|iPad/.test(platform);
const mod = isMac ? '⌘' : 'Ctrl';

export const shortcuts: Shortcut[] = [
  { action: 'brush', keys: 'B', label: 'Brush' },
  { action: 'eraser', keys: 'E', label: 'Eraser' },
  { action: 'size-down', keys: '[', label: 'Smaller brush' },
  { action: 'size-up', keys: ']', label: 'Larger brush' },
  { action: 'hardness-down', keys: 'Shift+[', label: 'Softer brush' },
  { action: 'hardness-up', keys: 'Shift+]', label: 'Harder brush' },
  { action: 'toggle-overlay', keys: 'X', label: 'Show or hide the mask overlay' },
  { action: 'invert', keys: 'I', label: 'Invert the mask' },
  { action: 'undo', keys: `${mod}+Z`, label: 'Undo' },
  { action: 'redo', keys: `Shift+${mod}+Z`, label: 'Redo' },
  { action: 'fit', keys: `${mod}+0`, label: 'Fit the photo to the window' },
  { action: 'actual-size', keys: `${mod}+1`, label: 'Actual pixels (100%)' },
  { action: 'run', keys: `${mod}+Enter`, label: 'Run the edit' },
  { action: 'previous-variation', keys: '←', label: 'Previous variation' },
  { action: 'next-variation', keys: '→', label: 'Next variation' },
  { action: 'help', keys: '?', label: 'Show this list' },
  { action: 'close', keys: 'Esc', label: 'Close a dialog or compare; leave the prompt box' },
];

/** Extra entries for the help overlay that are not single actions. */
export const holdShortcuts = [{ keys: '\\ (hold)', label: 'See the original while held' }];

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/**
 * Which action a key press means. `inText` is true when focus is in a text field: then only the
 * modifier shortcuts that make sense there (run) are taken, and the field keeps every other key.
 */
export function matchShortcut(e: KeyLike, inText: boolean): ShortcutAction | null {
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
  // Shift+[ gives '{' on US layouts: match the physical key as well as the character.
  if (key === '[' || key === '{' || e.code === 'BracketLeft')
    return e.shiftKey ? 'hardness-down' : 'size-down';
  if (key === ']' || key === '}' || e.code === 'BracketRight') return e.shiftKey ? 'hardness-up' : 'size-up';
  switch (key.toLowerCase()) {
    case 'b':
      return 'brush';
    case 'e':
      return 'eraser';
    case 'x':
      return 'toggle-overlay';
    case 'i':
      return 'invert';
    case '?':
      return 'help';
    case 'arrowleft':
      return 'previous-variation';
    case 'arrowright':
      return 'next-variation';
    default:
      return null;
  }
}

/** Brush size steps like Photoshop: finer when small, coarser when large. */
export function nextBrushSize(size: number, dir: 1 | -1): number {
  const step = size < 10 ? 1 : size < 50 ? 5 : size < 200 ? 10 : size < 500 ? 25 : 50;
  return Math.max(1, Math.min(1000, size + dir * step));
}

export function nextHardness(h: number, dir: 1 | -1): number {
  return Math.max(0, Math.min(100, h + dir * 10));
}
