/**
 * A patch file declaring rows larger than one buffer can hold (a damaged or hostile project: the header and
 * the manifest's rectangle agree on a vast size, the data is a few bytes) is a damaged layer in the same
 * sentence as any other, never a RangeError from the inflater's options.
 */
import { describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { decodePatch, readPatch } from '../../../../electron/core/imaging/patch';
import { rng } from '../../../support/prng';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA PNG laid out as our own patches are (every CRC right), of a declared size and a tiny IDAT. */
function declaredPng(width: number, height: number, depth: 8 | 16): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = 6;
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

describe('a patch declaring rows beyond one buffer', () => {
  it('is a damaged layer, said in its one sentence', async () => {
    const r = rng(11);
    for (let i = 0; i < 12; i++) {
      const depth = i % 2 === 0 ? 8 : 16;
      // Rows of width w (a filter byte, then RGBA samples) and a height that takes them past the largest buffer.
      const w = 20_000 + Math.floor(r() * 40_000);
      const rowBytes = 1 + w * 4 * (depth / 8);
      const h = Math.ceil(bufferConstants.MAX_LENGTH / rowBytes) + Math.floor(r() * 1000);
      expect(h * rowBytes).toBeGreaterThan(bufferConstants.MAX_LENGTH);
      const png = declaredPng(w, h, depth);
      const rect = { x: 0, y: 0, width: w, height: h };
      for (const read of [readPatch, decodePatch])
        await expect(read(png, rect), `${w}x${h} ${depth} bit`).rejects.toMatchObject({
          name: 'AppError',
          code: 'corrupt-project',
        });
    }
  });
});
