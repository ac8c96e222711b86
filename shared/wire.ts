/**
 * Binary-safe framing for the web host (the Electron IPC binding needs none: structured clone carries
 * Uint8Array as is). A value is sent as JSON in which every Uint8Array is replaced by {"$bin": index},
 * followed by the binary chunks themselves, so a 24 MP mask costs its own size, not a base64 copy.
 *
 * Layout: "MRW1" | u32 JSON length | JSON (UTF-8) | per chunk: u32 length | bytes   (little-endian)
 */
const MAGIC = [0x4d, 0x52, 0x57, 0x31];

export const WIRE_CONTENT_TYPE = 'application/x-maskroom-wire';

export function encodeWire(value: unknown): Uint8Array {
  const chunks: Uint8Array[] = [];
  const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v instanceof Uint8Array) {
      chunks.push(v);
      return { $bin: chunks.length - 1 };
    }
    return v;
  });
  const jsonBytes = new TextEncoder().encode(json ?? 'null');
  let total = 8 + jsonBytes.length;
  for (const c of chunks) total += 4 + c.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, jsonBytes.length, true);
  out.set(jsonBytes, 8);
  let off = 8 + jsonBytes.length;
  for (const c of chunks) {
    view.setUint32(off, c.length, true);
    out.set(c, off + 4);
    off += 4 + c.length;
  }
  return out;
}

export function decodeWire(buf: Uint8Array): unknown {
  if (buf.length < 8 || MAGIC.some((b, i) => buf[i] !== b)) throw new Error('not a Maskroom wire message');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const jsonLen = view.getUint32(4, true);
  if (8 + jsonLen > buf.length) throw new Error('truncated Maskroom wire message');
  const json = new TextDecoder().decode(buf.subarray(8, 8 + jsonLen));
  const chunks: Uint8Array[] = [];
  let off = 8 + jsonLen;
  while (off < buf.length) {
    if (off + 4 > buf.length) throw new Error('truncated Maskroom wire message');
    const len = view.getUint32(off, true);
    if (off + 4 + len > buf.length) throw new Error('truncated Maskroom wire message');
    chunks.push(buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return JSON.parse(json, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const idx = (v as { $bin?: unknown }).$bin;
      if (keys.length === 1 && typeof idx === 'number') {
        const chunk = chunks[idx];
        if (!chunk) throw new Error('Maskroom wire message refers to a missing binary chunk');
        return chunk;
      }
    }
    return v;
  });
}
