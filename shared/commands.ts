/**
 * The editor's commands, declared once. Each command has one id, its labels, its key bindings and its place
 * in the native menu. From this table come: the contract's `appCommands` (the commands the menu can send),
 * the Electron menu items and their accelerators (electron/main/menu.ts), the renderer's key handling and
 * help overlay (renderer/state/shortcuts.ts) and the tool bar's titles.
 *
 * Key notation (one for every platform): modifiers then the key, joined by "+": `Shift+Mod+Z`. `Mod` is ⌘ on
 * macOS and Ctrl elsewhere. The key is a KeyboardEvent `key` name: a letter, a digit, a character such as
 * `[` or `?`, or `Enter`, `Escape`, `ArrowLeft`, `ArrowRight`.
 */
import { limits } from './limits';

/** Where a command sits in the native menu. `Preferences` is the app menu on macOS and File elsewhere. */
export type MenuPlace = 'Preferences' | 'File' | 'Edit' | 'Mask' | 'View' | 'Help';

export interface CommandSpec {
  /** The menu item's label, and the command's name wherever a short name is shown. */
  readonly label: string;
  /** What the help overlay says it does (defaults to the label). */
  readonly help?: string;
  /** The key bindings; the first is the one shown in the menu, the help overlay and the tool bar. */
  readonly keys: readonly string[];
  /** Bindings that work but are not shown (a second habit, such as Ctrl+Y for redo off macOS). */
  readonly hiddenKeys?: readonly { key: string; notOnMac?: true }[];
  /** Why the command has no key, when `keys` is empty. */
  readonly noKey?: string;
  /** The native menu the command sits in, or null with `noMenu` saying why. */
  readonly menu: MenuPlace | null;
  readonly noMenu?: string;
  /**
   * The native menu captures the key (registerAccelerator) and the renderer ignores it. For every other
   * command the renderer handles the key and the menu only shows it, so typing "b" in the prompt types a "b".
   */
  readonly menuCapturesKey?: string;
  /** The key works while focus is in a text field (the field keeps every other key). */
  readonly inText?: true;
  /** A held-down key repeating does not repeat the command. */
  readonly noRepeat?: true;
  /** The tool bar button's title before its key: "Brush" gives "Brush (B)". */
  readonly tooltip?: string;
  /** What the tool bar title says after the key: "Brush (B): paint the area to change". */
  readonly tooltipDetail?: string;
}

export const commands = {
  brush: {
    label: 'Brush',
    keys: ['B'],
    menu: 'Mask',
    tooltip: 'Brush',
    tooltipDetail: 'paint the area to change',
  },
  eraser: {
    label: 'Eraser',
    keys: ['E'],
    menu: 'Mask',
    tooltip: 'Eraser',
    tooltipDetail: 'remove from the mask',
  },
  'rect-marquee': {
    label: 'Rectangle Marquee',
    keys: [],
    noKey: 'M chooses the marquees in turn (the marquee command)',
    menu: 'Mask',
    tooltip: 'Rectangle marquee',
    tooltipDetail: 'drag a box, Shift for a square; M switches the marquees',
  },
  'ellipse-marquee': {
    label: 'Ellipse Marquee',
    keys: [],
    noKey: 'M chooses the marquees in turn (the marquee command)',
    menu: 'Mask',
    tooltip: 'Ellipse marquee',
    tooltipDetail: 'drag a box, Shift for a circle; M switches the marquees',
  },
  marquee: {
    label: 'Marquee',
    help: 'Rectangle marquee; again for the ellipse',
    keys: ['M'],
    menu: null,
    noMenu: 'the Mask menu lists each marquee',
  },
  'lasso-freehand': {
    label: 'Lasso',
    keys: [],
    noKey: 'L chooses the lassos in turn (the lasso command)',
    menu: 'Mask',
    tooltip: 'Lasso',
    tooltipDetail: 'drag around the area, release to close; L switches the lassos',
  },
  'polygon-lasso': {
    label: 'Polygon Lasso',
    keys: [],
    noKey: 'L chooses the lassos in turn (the lasso command)',
    menu: 'Mask',
    tooltip: 'Polygon lasso',
    tooltipDetail: 'click the corners, double-click or Enter closes; L switches the lassos',
  },
  lasso: {
    label: 'Lasso Tools',
    help: 'Lasso; again for the polygon lasso',
    keys: ['L'],
    menu: null,
    noMenu: 'the Mask menu lists each lasso',
  },
  'magic-wand': {
    label: 'Magic Wand',
    help: 'Magic wand (select a colour)',
    keys: ['W'],
    menu: 'Mask',
    tooltip: 'Magic wand',
    tooltipDetail: 'click a colour; Contiguous off selects it everywhere',
  },
  'object-select': {
    label: 'Object Select',
    help: 'Object select (drag a loose box around a subject)',
    keys: ['Shift+W'],
    menu: 'Mask',
    tooltip: 'Object select',
    tooltipDetail: 'drag a loose box around a subject; Esc cancels while it works',
  },
  'size-down': {
    label: 'Smaller Brush',
    help: 'Smaller brush',
    keys: ['['],
    menu: null,
    noMenu: 'a step of the size slider, used while painting',
  },
  'size-up': {
    label: 'Larger Brush',
    help: 'Larger brush',
    keys: [']'],
    menu: null,
    noMenu: 'a step of the size slider, used while painting',
  },
  'hardness-down': {
    label: 'Softer Brush',
    help: 'Softer brush',
    keys: ['Shift+['],
    menu: null,
    noMenu: 'a step of the hardness slider, used while painting',
  },
  'hardness-up': {
    label: 'Harder Brush',
    help: 'Harder brush',
    keys: ['Shift+]'],
    menu: null,
    noMenu: 'a step of the hardness slider, used while painting',
  },
  'toggle-overlay': {
    label: 'Show or Hide Mask Overlay',
    help: 'Show or hide the mask overlay',
    keys: ['X'],
    menu: 'Mask',
    tooltip: 'Show or hide the mask overlay',
  },
  'invert-mask': {
    label: 'Invert Mask',
    help: 'Invert the mask',
    keys: ['I'],
    menu: 'Mask',
    noRepeat: true,
    tooltip: 'Invert the mask',
  },
  'grow-mask': {
    label: 'Grow Mask',
    keys: [],
    noKey: 'an occasional step, on the tool bar',
    menu: null,
    noMenu: 'a tool bar step that needs a painted mask',
    tooltip: `Grow the mask by ${limits.maskStepPx} px`,
  },
  'shrink-mask': {
    label: 'Shrink Mask',
    keys: [],
    noKey: 'an occasional step, on the tool bar',
    menu: null,
    noMenu: 'a tool bar step that needs a painted mask',
    tooltip: `Shrink the mask by ${limits.maskStepPx} px`,
  },
  'clear-mask': {
    label: 'Clear Mask',
    keys: [],
    noKey: 'throwing the mask away should take a deliberate click (undo brings it back)',
    menu: 'Mask',
    tooltip: 'Clear the mask',
  },
  undo: {
    label: 'Undo Stroke',
    help: 'Undo',
    keys: ['Mod+Z'],
    menu: 'Edit',
    tooltip: 'Undo',
  },
  redo: {
    label: 'Redo Stroke',
    help: 'Redo',
    keys: ['Shift+Mod+Z'],
    hiddenKeys: [{ key: 'Mod+Y', notOnMac: true }],
    menu: 'Edit',
    tooltip: 'Redo',
  },
  fit: {
    label: 'Fit to Window',
    help: 'Fit the photo to the window',
    keys: ['Mod+0'],
    menu: 'View',
    tooltip: 'Fit to window',
  },
  'actual-size': {
    label: 'Actual Pixels',
    help: 'Actual pixels (100%)',
    keys: ['Mod+1'],
    menu: 'View',
    tooltip: 'Actual pixels, 100%',
  },
  compare: {
    label: 'Compare with Original',
    keys: [],
    noKey: 'holding \\ shows the original; the split view is a button and a menu item',
    menu: 'View',
  },
  'run-edit': {
    label: 'Run Edit',
    help: 'Run the edit',
    keys: ['Mod+Enter'],
    menu: 'Mask',
    inText: true,
    noRepeat: true,
    tooltip: 'Run the edit',
  },
  'cancel-edit': {
    label: 'Cancel Edit',
    keys: [],
    noKey: 'Esc closes dialogs and leaves the prompt; cancelling paid work takes a deliberate click',
    menu: 'Mask',
  },
  'previous-variation': {
    label: 'Previous Variation',
    help: 'Previous variation',
    keys: ['ArrowLeft'],
    menu: null,
    noMenu: 'steps through the variations of the layer on view, from the keyboard',
  },
  'next-variation': {
    label: 'Next Variation',
    help: 'Next variation',
    keys: ['ArrowRight'],
    menu: null,
    noMenu: 'steps through the variations of the layer on view, from the keyboard',
  },
  help: {
    label: 'Keyboard Shortcuts',
    help: 'Show this list',
    keys: ['?'],
    menu: 'Help',
    noRepeat: true,
    tooltip: 'Keyboard shortcuts',
  },
  close: {
    label: 'Close',
    help: 'Close a dialog or compare; leave the prompt box',
    keys: ['Escape'],
    menu: null,
    noMenu: 'dialogs close with Esc or their own button; a menu item would have nothing to close',
    inText: true,
  },
  'save-back': {
    label: 'Save Back',
    help: 'Save back into the photo it came from (Edit In, Open With)',
    keys: ['Mod+S'],
    menu: 'File',
    inText: true,
    noRepeat: true,
    tooltip: 'Save back into the original photo file',
  },
  settings: {
    label: 'Settings…',
    keys: ['Mod+,'],
    menu: 'Preferences',
    menuCapturesKey: 'the window has no key for Settings of its own; in the web host Settings is a button',
    tooltip: 'Settings',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandId = keyof typeof commands;
export const commandIds = Object.keys(commands) as CommandId[];

/** The commands the native menu can send to the window, in table order. */
export type MenuCommandId = {
  [K in CommandId]: (typeof commands)[K]['menu'] extends null ? never : K;
}[CommandId];
export const menuCommandIds = commandIds.filter(
  (id): id is MenuCommandId => (commands[id] as CommandSpec).menu !== null,
);

/** Entries for the help overlay that are not commands: a key held down. */
export const heldKeys = [
  { key: '\\', help: 'See the original while held' },
  { key: 'Shift', help: 'Selection tools: add to the mask (the default)' },
  { key: 'Alt', help: 'Selection tools: subtract from the mask (Option on macOS)' },
  { key: 'Shift+Alt', help: 'Selection tools: keep only where the mask and the selection meet' },
] as const;

export function spec(id: CommandId): CommandSpec {
  return commands[id];
}

/** A binding taken apart. */
export interface KeyChord {
  shift: boolean;
  mod: boolean;
  key: string;
}

export function parseKey(binding: string): KeyChord {
  // The key itself may be "+"-free only: split off the modifiers in front.
  const parts = binding.split('+');
  const key = parts.pop() ?? '';
  const mods = new Set(parts);
  for (const m of mods)
    if (m !== 'Shift' && m !== 'Mod') throw new Error(`unknown modifier ${m} in key binding ${binding}`);
  if (!key) throw new Error(`key binding ${binding} names no key`);
  return { shift: mods.has('Shift'), mod: mods.has('Mod'), key };
}

const acceleratorKeys: Record<string, string> = {
  Escape: 'Esc',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
};

/** The binding as an Electron accelerator (CmdOrCtrl = ⌘ on macOS, Ctrl elsewhere). */
export function toAccelerator(binding: string): string {
  const c = parseKey(binding);
  const key = acceleratorKeys[c.key] ?? (c.key.length === 1 ? c.key.toUpperCase() : c.key);
  return [...(c.shift ? ['Shift'] : []), ...(c.mod ? ['CmdOrCtrl'] : []), key].join('+');
}

const displayKeys: Record<string, string> = { Escape: 'Esc', ArrowLeft: '←', ArrowRight: '→' };

/** The binding as people read it: "Shift+Ctrl+Z", "⌘+Enter", "Esc", "←". */
export function displayKey(binding: string, mac: boolean): string {
  const c = parseKey(binding);
  const key = displayKeys[c.key] ?? (c.key.length === 1 ? c.key.toUpperCase() : c.key);
  return [...(c.shift ? ['Shift'] : []), ...(c.mod ? [mac ? '⌘' : 'Ctrl'] : []), key].join('+');
}

/** A command's first key as people read it, or null when it has none. */
export function shownKey(id: CommandId, mac: boolean): string | null {
  const first = spec(id).keys[0];
  return first === undefined ? null : displayKey(first, mac);
}

/** A tool bar button's title and accessible name: "Brush (B): paint the area to change". */
export function tooltip(id: CommandId, mac: boolean, title?: string): string {
  const s = spec(id);
  const key = shownKey(id, mac);
  const detail = s.tooltipDetail ? `: ${s.tooltipDetail}` : '';
  return `${title ?? s.tooltip ?? s.label}${key ? ` (${key})` : ''}${detail}`;
}
