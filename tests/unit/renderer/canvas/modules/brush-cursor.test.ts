/**
 * The brush outline is drawn into the overlay's canvas and taken off by putting back the overlay's pixels over
 * ringArea: these tests hold that area to covering every pixel the outline's lines (and their antialiasing)
 * can reach, on random rings of every size, position, pixel ratio and core, without covering any pixel twice.
 */
import { describe, expect, it } from 'vitest';
import { ringArea, sameRing, type BrushRing } from '../../../../../renderer/canvas/modules/brush-cursor';
import { rng } from '../../../../support/prng';

function randomRing(r: () => number): BrushRing {
  const k = [1, 1.25, 1.5, 2, 3][Math.floor(r() * 5)]!;
  const d = (r() < 0.3 ? 1 + r() * 12 : 1 + r() * 160) * k;
  const core = r() < 0.5 ? d * r() * 0.95 : 0;
  return { x: r() * 900 - 50, y: r() * 700 - 50, d, core: core > 6 * k ? core : 0, dashed: r() < 0.5, k };
}

describe('ringArea', () => {
  it('covers every pixel within a pixel of any line of the outline, each once', () => {
    const r = rng(11);
    for (let n = 0; n < 150; n++) {
      const ring = randomRing(r);
      const area = ringArea(ring);
      const R = ring.d / 2;
      // The outline's lines, as drawRing strokes them: centre radius and width k.
      const lines = [R + ring.k / 2, R - 1.5 * ring.k, R - ring.k / 2];
      if (ring.core) lines.push(ring.core / 2 - ring.k / 2);
      const reach = ring.k / 2 + 1; // half the line plus a pixel of antialiasing
      const x0 = Math.floor(ring.x - R - 3 * ring.k - 4);
      const x1 = Math.ceil(ring.x + R + 3 * ring.k + 4);
      const y0 = Math.floor(ring.y - R - 3 * ring.k - 4);
      const y1 = Math.ceil(ring.y + R + 3 * ring.k + 4);
      let bad = '';
      for (let y = y0; y < y1 && !bad; y++)
        for (let x = x0; x < x1; x++) {
          let hits = 0;
          for (const a of area) if (x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height) hits++;
          if (hits > 1) bad = `pixel ${x},${y} covered ${hits} times`;
          // The distance range of the pixel's square from the centre.
          const nx = Math.max(x, Math.min(ring.x, x + 1));
          const ny = Math.max(y, Math.min(ring.y, y + 1));
          const near = Math.hypot(nx - ring.x, ny - ring.y);
          const far = Math.hypot(Math.abs(x + 0.5 - ring.x) + 0.5, Math.abs(y + 0.5 - ring.y) + 0.5);
          const touched = lines.some((l) => l > 0 && near <= l + reach && far >= l - reach);
          if (touched && hits !== 1) bad = `pixel ${x},${y} reached by a line, covered ${hits} times`;
          if (bad) break;
        }
      expect(bad, `ring ${JSON.stringify(ring)}`).toBe('');
    }
  });
});

describe('sameRing', () => {
  it('tells rings apart by every field', () => {
    const a: BrushRing = { x: 10, y: 20, d: 30, core: 12, dashed: false, k: 1 };
    expect(sameRing(a, { ...a })).toBe(true);
    expect(sameRing(null, null)).toBe(true);
    expect(sameRing(a, null)).toBe(false);
    expect(sameRing(null, a)).toBe(false);
    for (const change of [{ x: 11 }, { y: 21 }, { d: 31 }, { core: 0 }, { dashed: true }, { k: 2 }])
      expect(sameRing(a, { ...a, ...change })).toBe(false);
  });
});
