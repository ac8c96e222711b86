/**
 * The window's side of the command table (shared/commands.ts): which command a key press means, the list the
 * help overlay shows, and what each command does in the editor (the same for a key, a button and a menu item).
 */
import { commandIds, displayKey, heldKeys, parseKey, spec, type CommandId } from '../../shared/commands';
import { limits } from '../../shared/limits';
import type { EditorStore } from './store';

/** A command a key press can mean: every command of the table. */
export type ShortcutAction = CommandId;

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  label: string;
}

// Read through globalThis, typed here: this module is also loaded (and type-checked) in Node by the unit tests.
const platform = (globalThis as { navigator?: { platform?: string } }).navigator?.platform ?? '';
export const isMac = /Mac|iPhone|iPad/.test(platform);

/** The bindings the window handles (the menu's own keys are left to the menu). */
interface Binding {
  action: ShortcutAction;
  shift: boolean;
  mod: boolean;
  key: string;
}
const bindings: Binding[] = commandIds.flatMap((action) => {
  const s = spec(action);
  if (s.menuCapturesKey) return [];
  const hidden = (s.hiddenKeys ?? []).filter((h) => !(h.notOnMac && isMac)).map((h) => h.key);
  return [...s.keys, ...hidden].map((k) => ({ action, ...parseKey(k) }));
});

/** The keys the help overlay lists, from the command table, in its order. */
export const shortcuts: Shortcut[] = commandIds.flatMap((action) => {
  const s = spec(action);
  const first = s.keys[0];
  if (!first || s.menuCapturesKey) return [];
  return [{ action, keys: displayKey(first, isMac), label: s.help ?? s.label }];
});

/** Extra entries for the help overlay that are not single actions. */
export const holdShortcuts = heldKeys.map((h) => ({
  keys: `${displayKey(h.key, isMac)} (hold)`,
  label: h.help,
}));

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Physical keys that also stand for a binding's key (Shift+[ gives '{' on US layouts). */
const codeOf: Record<string, string> = { '[': 'BracketLeft', ']': 'BracketRight' };
const shiftedOf: Record<string, string> = { '[': '{', ']': '}' };

function sameKey(e: KeyLike, key: string): boolean {
  const k = key.toLowerCase();
  if (e.key.toLowerCase() === k) return true;
  if (shiftedOf[key] === e.key) return true;
  const code = codeOf[key] ?? (/^\d$/.test(key) ? `Digit${key}` : undefined);
  return code !== undefined && e.code === code;
}

/**
 * Which command a key press means. `inText` is true when focus is in a text field: then only the commands
 * marked for text fields (run, close) take their keys, and the field keeps every other key. Shift tells two
 * bindings of the same key apart (Mod+Z, Shift+Mod+Z); a key bound once ignores it (Shift+B is the brush).
 */
export function matchShortcut(e: KeyLike, inText: boolean): ShortcutAction | null {
  const primary = isMac ? e.metaKey : e.ctrlKey || e.metaKey;
  const withMod = primary && !e.altKey;
  const blocked = !withMod && (inText || e.ctrlKey || e.metaKey || e.altKey);
  const candidates = bindings.filter(
    (b) => b.mod === withMod && (!(withMod ? inText : blocked) || spec(b.action).inText) && sameKey(e, b.key),
  );
  const exact = candidates.find((b) => b.shift === e.shiftKey);
  return (exact ?? (candidates.length === 1 ? candidates[0] : undefined))?.action ?? null;
}

/** What each command does in the window; menu commands go through the store's onCommand like the menu's. */
export function performCommand(store: EditorStore, action: ShortcutAction): void {
  const s = store.getState();
  switch (action) {
    case 'size-down':
    case 'size-up':
      return store.stepBrushSize(action === 'size-up' ? 1 : -1);
    case 'hardness-down':
    case 'hardness-up':
      return store.stepHardness(action === 'hardness-up' ? 1 : -1);
    case 'grow-mask':
      return store.maskAction('grow', limits.maskStepPx);
    case 'shrink-mask':
      return store.maskAction('shrink', limits.maskStepPx);
    case 'marquee':
      return store.cycleTool('marquee');
    case 'lasso':
      return store.cycleTool('lasso');
    case 'previous-variation':
      return store.cycleVariation(-1);
    case 'next-variation':
      return store.cycleVariation(1);
    case 'save-back':
      if (s.project) void store.saveBack();
      return;
    case 'close':
      if (s.dialog) store.openDialog(null);
      else if (s.compare !== 'off') store.setCompare('off');
      else if (s.viewing) store.viewLayer(null);
      else if (s.error) store.dismissError();
      return;
    default:
      return store.onCommand({ command: action });
  }
}

/** Whether a key held down repeats this command (run, invert and help do not). */
export function repeats(action: ShortcutAction): boolean {
  return spec(action).noRepeat !== true;
}

/** Brush size steps like Photoshop: finer when small, coarser when large. */
export function nextBrushSize(size: number, dir: 1 | -1): number {
  const step = size < 10 ? 1 : size < 50 ? 5 : size < 200 ? 10 : size < 500 ? 25 : 50;
  return Math.max(limits.brushSize.min, Math.min(limits.brushSize.max, size + dir * step));
}

export function nextHardness(h: number, dir: 1 | -1): number {
  return Math.max(limits.hardness.min, Math.min(limits.hardness.max, h + dir * 10));
}
