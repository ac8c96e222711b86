import { describe, expect, it } from 'vitest';
import { MaskEngine } from '../../../../../renderer/canvas/mask/engine';
import { applySelection, modeFor, type SelectMode } from '../../../../../renderer/canvas/select/combine';
import type { Selection } from '../../../../../renderer/canvas/select/raster';
import { rng } from './rng';

const modes: SelectMode[] = ['add', 'subtract', 'intersect'];

/** The expected mask, pixel by pixel over the whole photo (selection 0 outside its rectangle). */
function expected(cur: Uint8Array, w: number, sel: Selection, mode: SelectMode): Uint8Array {
  const out = cur.slice();
  for (let i = 0; i < out.length; i++) {
    const x = i % w;
    const y = (i / w) | 0;
    const { rect } = sel;
    const inside = x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height;
    const s = inside ? sel.data[(y - rect.y) * rect.width + (x - rect.x)]! : 0;
    const c = cur[i]!;
    out[i] = mode === 'add' ? Math.max(c, s) : mode === 'subtract' ? Math.min(c, 255 - s) : Math.min(c, s);
  }
  return out;
}

describe('selection modes', () => {
  it('Shift adds, Alt subtracts, Shift+Alt intersects, no modifier takes the bar’s mode', () => {
    for (const base of modes) {
      expect(modeFor({ shiftKey: false, altKey: false }, base)).toBe(base);
      expect(modeFor({ shiftKey: true, altKey: false }, base)).toBe('add');
      expect(modeFor({ shiftKey: false, altKey: true }, base)).toBe('subtract');
      expect(modeFor({ shiftKey: true, altKey: true }, base)).toBe('intersect');
    }
  });

  it('each mode meets the mask as max / min(255 − s) / min over the whole photo, as one undo step', () => {
    const rand = rng(21);
    for (let round = 0; round < 60; round++) {
      const w = 1 + Math.floor(rand() * 90);
      const h = 1 + Math.floor(rand() * 90);
      const e = new MaskEngine(w, h, { tileSize: [16, 32, 256][round % 3]! });
      // A random grey mask first (zeros, 255 and values between).
      const start = new Uint8Array(w * h).map(
        () => [0, 255, Math.floor(rand() * 256)][Math.floor(rand() * 3)]!,
      );
      e.load(start);
      const x = Math.floor(rand() * w);
      const y = Math.floor(rand() * h);
      const rect = {
        x,
        y,
        width: 1 + Math.floor(rand() * (w - x)),
        height: 1 + Math.floor(rand() * (h - y)),
      };
      // Half the rounds a 0/255 selection marked binary (the word-wide path), half grey levels.
      const binary = round % 2 === 1;
      const sel: Selection = {
        rect,
        data: new Uint8Array(rect.width * rect.height).map(() =>
          binary ? (rand() < 0.6 ? 255 : 0) : rand() < 0.7 ? 255 : Math.floor(rand() * 256),
        ),
        binary,
      };
      const mode = modes[Math.floor(round / 2) % 3]!;
      const depth = e.undoDepth;
      applySelection(e, e, sel, mode);
      const want = expected(start, w, sel, mode);
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(want))).toBe(true);
      const changed = !Buffer.from(want).equals(Buffer.from(start));
      expect(e.undoDepth).toBe(depth + (changed ? 1 : 0));
      if (changed) {
        expect(e.undo()).toBe(true);
        expect(Buffer.from(e.toBytes()).equals(Buffer.from(start))).toBe(true);
        expect(e.redo()).toBe(true);
        expect(Buffer.from(e.toBytes()).equals(Buffer.from(want))).toBe(true);
      }
    }
  });

  it('intersecting with nothing clears the mask', () => {
    const e = new MaskEngine(40, 30);
    e.load(new Uint8Array(40 * 30).fill(200));
    applySelection(e, e, null, 'intersect');
    expect(e.isEmpty()).toBe(true);
  });
});
