/**
 * marksNothing: the mask is empty exactly when every pixel is 0, for masks of every size around the 64 KiB
 * chunks it compares in, with one painted pixel anywhere (first, last, at and across chunk edges) or none.
 * markedMask: the file masks' rule built on it (the CLI's and batch's), in the caller's words.
 */
import { describe, expect, it } from 'vitest';
import { markedMask, marksNothing, type Mask } from '../../../../electron/core/imaging';
import type { AppError } from '../../../../shared/errors';
import { rng } from '../../../support/prng';

describe('marksNothing', () => {
  it('is true for an all-0 mask and false with any one pixel painted, for sizes around its chunks', () => {
    const r = rng(6502);
    const chunk = 1 << 16;
    const sizes = [
      1,
      2,
      3,
      chunk - 1,
      chunk,
      chunk + 1,
      3 * chunk + 7,
      ...Array.from({ length: 8 }, () => 1 + Math.floor(r() * 5 * chunk)),
    ];
    let checked = 0;
    for (const n of sizes) {
      const width = n % 7 === 0 ? 7 : 1;
      const mask: Mask = { width, height: n / width, data: new Uint8Array(n) };
      expect(marksNothing(mask), `n ${n}`).toBe(true);
      const spots = [0, n - 1, Math.min(n - 1, chunk - 1), Math.min(n - 1, chunk), Math.floor(r() * n)];
      for (const at of spots) {
        mask.data[at] = 1 + Math.floor(r() * 255);
        expect(marksNothing(mask), `n ${n} at ${at}`).toBe(false);
        mask.data[at] = 0;
        checked++;
      }
      // A view into a larger buffer: only its own bytes count.
      const big = new Uint8Array(n + 2).fill(9);
      big.fill(0, 1, n + 1);
      expect(marksNothing({ width, height: n / width, data: big.subarray(1, n + 1) }), `view n ${n}`).toBe(
        true,
      );
    }
    expect(checked).toBe(sizes.length * 5);
  });
});

describe('markedMask', () => {
  it('gives back a mask with anything painted, and refuses an all-black one in one sentence naming it', () => {
    const r = rng(1989);
    for (let k = 0; k < 20; k++) {
      const width = 1 + Math.floor(r() * 300);
      const height = 1 + Math.floor(r() * 300);
      const mask: Mask = { width, height, data: new Uint8Array(width * height) };
      const refusal = (() => {
        try {
          markedMask(mask, 'The mask m.png', ' in p.jpg', 'paint the area to change in white');
          return null;
        } catch (e) {
          return e as AppError;
        }
      })();
      expect(refusal?.code).toBe('invalid-input');
      expect(refusal?.message).toBe(
        'The mask m.png is all black, so it marks nothing to change in p.jpg; paint the area to change in white.',
      );
      mask.data[Math.floor(r() * mask.data.length)] = 1 + Math.floor(r() * 255);
      expect(markedMask(mask, 'The mask m.png', '', 'fix it')).toBe(mask);
    }
  });
});
