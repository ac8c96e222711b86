/** A seeded generator, so every property run is repeatable. */
export function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}
