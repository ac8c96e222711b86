/**
 * Seeded generators for property tests and benchmarks, so every run draws the same cases and a failing case
 * can be replayed from its seed.
 */

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of xs, drawn with r. */
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** xorshift32, the generator of the synthetic object-select scenes (one definition, in the renderer's dev code). */
export { rng as xorshift } from '../../renderer/canvas/dev/object-scene';
