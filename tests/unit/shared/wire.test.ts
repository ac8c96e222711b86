import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../../shared/wire';

describe('wire format', () => {
  it('round-trips nested values with binary chunks, byte for byte', () => {
    const mask = new Uint8Array(6000 * 4);
    for (let i = 0; i < mask.length; i++) mask[i] = (i * 31) & 0xff;
    const value = { a: 1, s: 'héllo', nested: { mask, list: [new Uint8Array([1, 2, 3]), null, true] } };
    const out = decodeWire(encodeWire(value)) as typeof value;
    expect(out.a).toBe(1);
    expect(out.s).toBe('héllo');
    expect(out.nested.mask).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out.nested.mask).equals(Buffer.from(mask))).toBe(true);
    expect(Array.from(out.nested.list[0] as Uint8Array)).toEqual([1, 2, 3]);
    expect(out.nested.list.slice(1)).toEqual([null, true]);
  });

  it('costs the binary size, not a base64 copy', () => {
    const big = new Uint8Array(1_000_000);
    expect(encodeWire({ big }).length).toBeLessThan(1_000_100);
  });

  it('rejects foreign and truncated messages', () => {
    expect(() => decodeWire(new TextEncoder().encode('{"a":1}'))).toThrow(/not a Maskroom wire message/);
    const good = encodeWire({ b: new Uint8Array(100) });
    expect(() => decodeWire(good.subarray(0, good.length - 10))).toThrow(/truncated/);
    const noChunk = encodeWire({ b: { $bin: 3 } });
    expect(() => decodeWire(noChunk)).toThrow(/missing binary chunk/);
  });
});
