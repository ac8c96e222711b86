/**
 * How a new selection meets the mask, as in Photoshop: add (the union, the default: the mask is painted
 * work), subtract (the selection removed) or intersect (only what is in both is kept, everywhere in the
 * photo). Shift adds, Alt (Option) subtracts, Shift+Alt intersects; without a modifier the options bar's
 * mode applies.
 */
import { noSpans, type Spans } from '../mask/spans';
import type { Rect, Size } from '../view';
import type { Selection } from './raster';

export type SelectMode = 'add' | 'subtract' | 'intersect';

export const selectModes: readonly SelectMode[] = ['add', 'subtract', 'intersect'];

export interface Modifiers {
  shiftKey: boolean;
  altKey: boolean;
}

export function modeFor(e: Modifiers, base: SelectMode): SelectMode {
  if (e.shiftKey && e.altKey) return 'intersect';
  if (e.altKey) return 'subtract';
  if (e.shiftKey) return 'add';
  return base;
}

/** The rectangle a selection changes in a mode: its own, or the whole photo for intersect. */
export function regionFor(sel: Selection | null, mode: SelectMode, photo: Size): Rect | null {
  if (mode === 'intersect') return { x: 0, y: 0, width: photo.width, height: photo.height };
  return sel ? sel.rect : null;
}

/**
 * Combines `sel` into `cur` (the mask's bytes over `region`, which contains sel.rect when sel is given), in
 * place. Outside the selection it counts as 0. Values are grey levels: add = max, subtract = min(cur, 255 −
 * sel), intersect = min.
 */
export function combineInto(cur: Uint8Array, region: Rect, sel: Selection | null, mode: SelectMode): void {
  if (mode === 'intersect') {
    if (!sel) {
      cur.fill(0);
      return;
    }
    const { rect, data } = sel;
    for (let y = 0; y < region.height; y++) {
      const o = y * region.width;
      const sy = region.y + y - rect.y;
      if (sy < 0 || sy >= rect.height) {
        cur.fill(0, o, o + region.width);
        continue;
      }
      const x0 = rect.x - region.x;
      cur.fill(0, o, o + x0);
      cur.fill(0, o + x0 + rect.width, o + region.width);
      const so = sy * rect.width;
      for (let x = 0; x < rect.width; x++) {
        const s = data[so + x]!;
        const i = o + x0 + x;
        if (s < cur[i]!) cur[i] = s;
      }
    }
    return;
  }
  if (!sel) return;
  const { rect, data } = sel;
  if (
    sel.binary &&
    rect.width === region.width &&
    rect.height === region.height &&
    data.length === cur.length
  ) {
    combineBinary(cur, data, mode);
    return;
  }
  for (let y = 0; y < rect.height; y++) {
    const o = (rect.y - region.y + y) * region.width + rect.x - region.x;
    const so = y * rect.width;
    if (mode === 'add') {
      for (let x = 0; x < rect.width; x++) {
        const s = data[so + x]!;
        if (s > cur[o + x]!) cur[o + x] = s;
      }
    } else {
      for (let x = 0; x < rect.width; x++) {
        const s = 255 - data[so + x]!;
        if (s < cur[o + x]!) cur[o + x] = s;
      }
    }
  }
}

/**
 * Add and subtract over the same rectangle with a 0/255 selection: max(c, s) = c | s and
 * min(c, 255 − s) = c & ~s, four bytes at a time.
 */
function combineBinary(cur: Uint8Array, sel: Uint8Array, mode: 'add' | 'subtract'): void {
  const n = cur.length;
  const words = cur.byteOffset % 4 === 0 && sel.byteOffset % 4 === 0 ? n >> 2 : 0;
  if (words) {
    const c = new Uint32Array(cur.buffer, cur.byteOffset, words);
    const s = new Uint32Array(sel.buffer, sel.byteOffset, words);
    if (mode === 'add') for (let i = 0; i < words; i++) c[i] = c[i]! | s[i]!;
    else for (let i = 0; i < words; i++) c[i] = c[i]! & ~s[i]!;
  }
  for (let i = words << 2; i < n; i++) cur[i] = mode === 'add' ? cur[i]! | sel[i]! : cur[i]! & ~sel[i]! & 255;
}

/** The engine calls a selection needs (MaskEngine has them). */
export interface RegionStore {
  readRegion(r: Rect): Uint8Array;
  writeRegion(r: Rect, data: Uint8Array): void;
  /** A span selection combined tile by tile, without a region buffer (MaskEngine.writeSpans). */
  writeSpans?(spans: Spans, mode: SelectMode): boolean;
}

/**
 * Applies a selection to the mask as one undo step; false when there was nothing to change. A selection
 * with spans goes straight into the tiles (MaskEngine.writeSpans), grey levels through readRegion, combine,
 * writeRegion.
 */
export function applySelection(
  store: RegionStore,
  photo: Size,
  sel: Selection | null,
  mode: SelectMode,
): boolean {
  const region = regionFor(sel, mode, photo);
  if (!region) return false;
  if (store.writeSpans && (sel?.spans || !sel)) {
    // Shapes and the wand (and intersect with nothing): no buffer the size of the region is made.
    store.writeSpans(sel?.spans ?? noSpans, mode);
    return true;
  }
  const cur = store.readRegion(region);
  combineInto(cur, region, sel, mode);
  store.writeRegion(region, cur);
  return true;
}
