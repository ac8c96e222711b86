import { describe, expect, it } from 'vitest';
import { MaskEngine } from '../../../../../renderer/canvas/mask/engine';

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

/** The whole mask with a rectangle replaced, computed on a plain buffer (the reference). */
function expected(
  base: Uint8Array,
  w: number,
  r: { x: number; y: number; width: number; height: number },
  d: Uint8Array,
) {
  const out = base.slice();
  for (let y = 0; y < r.height; y++) out.set(d.subarray(y * r.width, (y + 1) * r.width), (r.y + y) * w + r.x);
  return out;
}

describe('MaskEngine.writeRegion (the entry for region tools)', () => {
  it('writes any rectangle of any photo size as one undo step, and undo/redo restore it exactly', () => {
    const rand = rng(42);
    for (let round = 0; round < 40; round++) {
      const tileSize = [16, 32, 256][round % 3]!;
      const w = 1 + Math.floor(rand() * 300);
      const h = 1 + Math.floor(rand() * 300);
      const e = new MaskEngine(w, h, { tileSize });
      let changes = 0;
      e.onChange(() => changes++);
      // Some paint first, so the region lands on allocated and unallocated tiles alike.
      e.beginStroke({ mode: 'paint', size: 1 + rand() * 60, hardness: rand() });
      e.strokeTo(rand() * w, rand() * h);
      e.strokeTo(rand() * w, rand() * h);
      e.endStroke();
      const before = e.toBytes();
      const depth = e.undoDepth;
      const x = Math.floor(rand() * w);
      const y = Math.floor(rand() * h);
      const r = {
        x,
        y,
        width: 1 + Math.floor(rand() * (w - x)),
        height: 1 + Math.floor(rand() * (h - y)),
      };
      const kind = round % 4; // zeros, 255s, noise, a copy of what is there (no change)
      const data =
        kind === 3
          ? e.readRegion(r)
          : Uint8Array.from({ length: r.width * r.height }, () =>
              kind === 0 ? 0 : kind === 1 ? 255 : Math.floor(rand() * 256),
            );
      const want = expected(before, w, r, data);
      const changed = !Buffer.from(want).equals(Buffer.from(before));
      const c0 = changes;
      e.writeRegion(r, data);
      const label = `round ${round}: ${w}x${h} tiles ${tileSize}, rect ${JSON.stringify(r)}`;
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(want)), label).toBe(true);
      expect(e.undoDepth, label).toBe(depth + (changed ? 1 : 0));
      expect(changes - c0, label).toBe(changed ? 1 : 0);
      // Tiles beyond the photo's edge stay 0, and all-zero tiles are freed.
      for (const t of e.tiles)
        if (t)
          expect(
            t.some((v) => v !== 0),
            label,
          ).toBe(true);
      if (!changed) continue;
      e.undo();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(before)), label).toBe(true);
      e.redo();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(want)), label).toBe(true);
    }
  });
});
