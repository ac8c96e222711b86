import { describe, expect, it } from 'vitest';
import { packBits, unpackBits } from '../../../../../renderer/canvas/mask/packbits';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
}

describe('packBits', () => {
  it('round-trips runs, literals, noise and edge cases', () => {
    const r = rng(1);
    const cases = [
      new Uint8Array(0),
      new Uint8Array([7]),
      new Uint8Array(65536),
      new Uint8Array(65536).fill(255),
      Uint8Array.from({ length: 5000 }, () => r()),
      Uint8Array.from({ length: 5000 }, (_, i) => (i % 300 < 150 ? 0 : i % 7)),
      Uint8Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : (i >> 4) & 1)),
    ];
    for (const c of cases) {
      const p = packBits(c);
      expect(Buffer.from(unpackBits(p, new Uint8Array(c.length))).equals(Buffer.from(c))).toBe(true);
      expect(p.length).toBeLessThanOrEqual(c.length + Math.ceil(c.length / 128) + 1);
    }
    expect(packBits(new Uint8Array(65536)).length).toBeLessThan(1100);
  });
});
