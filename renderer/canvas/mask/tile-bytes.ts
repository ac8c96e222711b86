/**
 * Byte-level tests of tile buffers (a tile is a tileSize² Uint8Array; null stands for all zero), read a
 * 32-bit word at a time where the buffers' alignment allows it. Used by the tiles, the bounds and the engine.
 */
/** Whether a buffer is all zero (4 bytes at a time where the buffer allows it). */
export function allZero(t: Uint8Array): boolean {
  if (t.byteOffset % 4 === 0 && t.length % 4 === 0) {
    const w = new Uint32Array(t.buffer, t.byteOffset, t.length / 4);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < t.length; i++) if (t[i] !== 0) return false;
  return true;
}

/** Whether two tiles hold the same values (null = all zero). */
export function sameTile(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a) return allZero(b!);
  if (!b) return allZero(a);
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tiles shared by every tile index that holds the same constant content (see MaskTiles.fullTile). */
const constantTiles = new WeakSet<Uint8Array>();

/** Marks a buffer as a shared constant tile: it is never written and counts one byte in the history. */
export function markConstant(t: Uint8Array): Uint8Array {
  constantTiles.add(t);
  return t;
}

export function isConstant(t: Uint8Array): boolean {
  return constantTiles.has(t);
}

/** Bytes a tile costs the history: none for null, one for a shared constant tile, else its length. */
export function storedBytes(t: Uint8Array | null): number {
  return !t ? 0 : constantTiles.has(t) ? 1 : t.length;
}
