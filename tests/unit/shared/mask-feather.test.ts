/**
 * The soft edge (the compositor's blend weight and the canvas's feather preview): its three box passes are
 * held bit for bit to their earlier implementation over many sizes, radii, shapes and photo edges.
 */
import { describe, expect, it } from 'vitest';
import { boxBlur3, type BoxEdges } from '../../../shared/mask-feather';
import { rng } from '../../support/prng';
import { boxBlur3Oracle } from './mask-feather-oracle';

describe('softEdge box passes', () => {
  it('give the same float32 values as the earlier implementation for random masks, radii and edges (seeded)', () => {
    const r = rng(61);
    for (let t = 0; t < 150; t++) {
      const rw = 1 + Math.floor(r() * 120);
      const rh = 1 + Math.floor(r() * 120);
      const start = new Float32Array(rw * rh);
      // Boxes and dots, hard and soft (integers, as a mask's bytes); sometimes nothing at all.
      const shapes = r() < 0.05 ? 0 : 1 + Math.floor(r() * 4);
      for (let s = 0; s < shapes; s++) {
        const x0 = Math.floor(r() * rw);
        const y0 = Math.floor(r() * rh);
        const x1 = Math.min(rw, x0 + 1 + Math.floor(r() * 40));
        const y1 = Math.min(rh, y0 + 1 + Math.floor(r() * 40));
        const v = r() < 0.6 ? 255 : 1 + Math.floor(r() * 254);
        for (let y = y0; y < y1; y++) start.fill(v, y * rw + x0, y * rw + x1);
      }
      for (let i = Math.floor(r() * 6); i > 0; i--) start[Math.floor(r() * rw * rh)] = Math.floor(r() * 256);
      const br = 1 + Math.floor(r() * (r() < 0.8 ? 6 : 30));
      const edges: BoxEdges = { left: r() < 0.5, right: r() < 0.5, top: r() < 0.5, bottom: r() < 0.5 };
      const want = boxBlur3Oracle(start, rw, rh, br, edges);
      const got = boxBlur3(start.slice(), rw, rh, br, edges);
      const what = `case ${t}: ${rw}x${rh} br ${br} ${JSON.stringify(edges)}`;
      expect(
        Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer)),
        what,
      ).toBe(true);
    }
  });
});
