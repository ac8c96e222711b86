/**
 * The soft edge (the compositor's blend weight and the canvas's feather preview) is held byte for byte to
 * its earlier implementation over many sizes, radii and shapes, borders included.
 */
import { describe, expect, it } from 'vitest';
import { softEdge } from '../../../shared/mask-feather';
import { rng } from '../../support/prng';
import { softEdgeOracle } from './mask-feather-oracle';

describe('softEdge', () => {
  it('gives the same bytes as the earlier implementation for random masks and radii (seeded)', () => {
    const r = rng(61);
    for (let t = 0; t < 120; t++) {
      const W = 1 + Math.floor(r() * 120);
      const H = 1 + Math.floor(r() * 120);
      const data = new Uint8Array(W * H);
      // Boxes and dots, hard and soft, some on the border; sometimes nothing at all.
      const shapes = r() < 0.05 ? 0 : 1 + Math.floor(r() * 4);
      for (let s = 0; s < shapes; s++) {
        const x0 = Math.floor(r() * W);
        const y0 = Math.floor(r() * H);
        const x1 = Math.min(W, x0 + 1 + Math.floor(r() * 40));
        const y1 = Math.min(H, y0 + 1 + Math.floor(r() * 40));
        const v = r() < 0.6 ? 255 : 1 + Math.floor(r() * 254);
        for (let y = y0; y < y1; y++) data.fill(v, y * W + x0, y * W + x1);
      }
      for (let i = Math.floor(r() * 6); i > 0; i--) data[Math.floor(r() * W * H)] = Math.floor(r() * 256);
      const radius = [0.4, 1, 2, 2.5, 4, 7, 12, 25, 60][Math.floor(r() * 9)]!;
      const got = softEdge(data, W, H, radius);
      const want = softEdgeOracle(data, W, H, radius);
      expect(Buffer.from(got).equals(Buffer.from(want)), `case ${t}: ${W}x${H} radius ${radius}`).toBe(true);
    }
  });
});
