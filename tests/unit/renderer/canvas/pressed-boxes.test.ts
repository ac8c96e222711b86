/**
 * The stage's box a pointer event is measured against (pressed-boxes.ts): read at a press and kept for that
 * pointer's moves while a button is down, until its release or a clear (window resize or scroll); read at
 * every move with no button. Random walks of presses, moves, releases, clears and moves of the stage check
 * each box handed out against that rule, and count the reads (a kept box is never read again).
 */
import { describe, expect, it } from 'vitest';
import { PressedBoxes } from '../../../../renderer/canvas/pressed-boxes';
import { pick, rng } from '../../../support/prng';

interface Box {
  left: number;
  top: number;
  /** Which read made it. */
  read: number;
}

describe('pressed pointer boxes', () => {
  it('keep the box read at a press for the pointer’s moves until release or clear', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const r = rng(seed);
      const stage = { left: 0, top: 0 };
      let reads = 0;
      const read = (): Box => ({ ...stage, read: ++reads });
      const boxes = new PressedBoxes<Box>();
      /** The model: the box each pressed pointer's moves get. */
      const held = new Map<number, Box>();
      for (let step = 0; step < 120; step++) {
        const at = `seed ${seed} step ${step}`;
        const id = pick(r, [1, 2, 3]);
        const kind = r();
        const before = reads;
        if (kind < 0.15) {
          // The layout moves the stage (a panel opens): only a new read sees it.
          stage.left = Math.round(r() * 300);
          stage.top = Math.round(r() * 200);
        } else if (kind < 0.2) {
          boxes.clear();
          held.clear();
        } else if (kind < 0.35) {
          const b = boxes.press(id, read);
          expect(b, at).toEqual({ ...stage, read: before + 1 });
          held.set(id, b);
        } else if (kind < 0.45) {
          boxes.release(id);
          held.delete(id);
        } else {
          const buttons = held.has(id) ? pick(r, [1, 1, 1, 0]) : pick(r, [0, 0, 1]);
          const b = boxes.move(id, buttons, read);
          const kept = buttons ? held.get(id) : undefined;
          if (kept) {
            expect(b, at).toBe(kept);
            expect(reads, `${at}: a kept box is not read again`).toBe(before);
          } else {
            expect(b, at).toEqual({ ...stage, read: before + 1 });
            if (buttons) held.set(id, b);
            else held.delete(id);
          }
        }
      }
    }
  });
});
