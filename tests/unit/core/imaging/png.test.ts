import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../../../../electron/core/imaging';
import { maskFromFile } from '../../../../electron/core/imaging/mask';
import {
  encodePng,
  encodePngAsync,
  deflateParts,
  encodePngBands,
  filteredRows,
  type PngInput,
} from '../../../../electron/core/imaging/png';

/** Small deterministic generator (LCG), so a failure names its round. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

async function decode(
  png: Uint8Array,
  depth: 8 | 16,
  channels: number,
): Promise<{ samples: number[]; channels: number }> {
  let img = sharp(png, { ignoreIcc: true });
  // Kept in the file's own interpretation: libvips would otherwise hand grey back as sRGB, 16 bit as 8.
  if (channels <= 2) img = img.toColourspace(depth === 16 ? 'grey16' : 'b-w');
  else if (depth === 16) img = img.toColourspace('rgb16');
  const { data, info } =
    depth === 16
      ? await img.raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
      : await img.raw().toBuffer({ resolveWithObject: true });
  const samples =
    depth === 16
      ? Array.from(new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2))
      : Array.from(data);
  return { samples, channels: info.channels };
}

/**
 * What the app writes, up to maxW x maxH: grey masks, RGB and RGBA images, 8 or 16 bit, noise or (as in
 * masks) runs of equal values.
 */
function randomImage(rand: () => number, maxW: number, maxH: number): PngInput {
  const width = 1 + Math.floor(rand() * maxW);
  const height = 1 + Math.floor(rand() * maxH);
  const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
  const channels = ([1, 3, 4] as const)[Math.floor(rand() * 3)]!;
  const n = width * height * channels;
  const pixels = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  const flat = rand() < 0.3;
  for (let i = 0; i < n; i++)
    pixels[i] = Math.floor((flat ? (rand() < 0.5 ? 0 : 1) : rand()) * (depth === 8 ? 255 : 65535));
  return { width, height, channels, depth, pixels };
}

/**
 * How many bytes of `raw` (filtered rows: a filter byte, then the row) are not the bytewise Sub of the 8-bit
 * `pixels` (bpp bytes a pixel): each row's filter byte 1, then each byte minus the one bpp before it.
 */
function notSub(raw: Uint8Array, pixels: Uint8Array, width: number, height: number, bpp: number): number {
  const stride = width * bpp;
  let bad = 0;
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 1) bad++;
    for (let i = 0; i < stride; i++) {
      const v = pixels[y * stride + i]!;
      const want = i < bpp ? v : (v - pixels[y * stride + i - bpp]!) & 0xff;
      if (raw[y * (stride + 1) + 1 + i] !== want) bad++;
    }
  }
  return bad;
}

describe('PNG writer', () => {
  it('decodes to the same samples for any size, channel count, depth, filter and level, sync or async', async () => {
    const rand = rng(91);
    for (let round = 0; round < 60; round++) {
      const img = randomImage(rand, 50, 30);
      const { width, height, channels, depth, pixels } = img;
      const n = pixels.length;
      const filter = rand() < 0.5 ? 'sub' : 'none';
      const level = Math.floor(rand() * 10);
      const strategy = rand() < 0.3 ? zlib.constants.Z_RLE : undefined;
      const a = await encodePngAsync(img, { filter, level, strategy });
      expect(
        Buffer.from(a).equals(Buffer.from(encodePng(img, { filter, level, strategy }))),
        `round ${round}`,
      ).toBe(true);
      const back = await decode(a, depth, channels);
      expect(back.channels, `round ${round}`).toBe(channels);
      expect(back.samples.length, `round ${round}`).toBe(n);
      expect(
        back.samples.every((v, i) => v === pixels[i]),
        `round ${round}: ${width}x${height}x${channels}@${depth} ${back.samples.slice(0, 6).join()} vs ${Array.from(pixels.slice(0, 6)).join()}`,
      ).toBe(true);
    }
  });

  it('deflates parts side by side that each inflate on their own and join into one stream, whatever their sizes (seeded)', async () => {
    const rand = rng(57);
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(rand() * 30);
      const lanes = 1 + Math.floor(rand() * 4);
      // A small first part, then larger ones: a lane's compressor, sized by the first part, runs out of
      // room and is replaced; runs of equal bytes and noise, so that deflate both matches and stores.
      const parts = Array.from({ length: n }, (_, i) => {
        const len = i === 0 ? Math.floor(rand() * 200) : Math.floor(rand() * 60_000 * (1 + (i % 3)));
        const b = new Uint8Array(len);
        for (let k = 0; k < len; k++) b[k] = rand() < 0.5 ? (k >> 6) & 255 : Math.floor(rand() * 256);
        return b;
      });
      const level = Math.floor(rand() * 10);
      const strategy = rand() < 0.5 ? zlib.constants.Z_RLE : zlib.constants.Z_DEFAULT_STRATEGY;
      const asked: number[] = [];
      const out = await deflateParts(n, lanes, (i) => (asked.push(i), parts[i]!), level, strategy);
      const what = `round ${round}: ${n} parts, ${lanes} lanes, level ${level}`;
      expect(asked, what).toEqual(Array.from({ length: n }, (_, i) => i));
      out.forEach((seg, i) => {
        // Every part is a deflate run of its own: it inflates without the parts before it.
        const alone = zlib.inflateRawSync(seg, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
        expect(alone.equals(Buffer.from(parts[i]!)), `${what}, part ${i}`).toBe(true);
      });
      const joined = zlib.inflateRawSync(Buffer.concat(out));
      expect(joined.equals(Buffer.concat(parts)), what).toBe(true);
    }
  });

  it('keeps no more than 16 MiB of output room per compressor however many large parts there are', async () => {
    const rand = rng(23);
    const parts = Array.from({ length: 24 }, () => {
      const b = new Uint8Array(1_500_000);
      // Noise, which deflate cannot shrink: each compressor's room holds about ten parts.
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256);
      return b;
    });
    const out = await deflateParts(parts.length, 2, (i) => parts[i]!, 1, zlib.constants.Z_RLE);
    // Each part is a view of its compressor's output buffer, which it keeps alive.
    for (const seg of out) expect(seg.buffer.byteLength).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(new Set(out.map((seg) => seg.buffer)).size).toBeGreaterThan(2);
    expect(zlib.inflateRawSync(Buffer.concat(out)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('falls back to deflating parts one by one, and still settles, when a kept compressor cannot be used or fails', async () => {
    const proto = zlib.DeflateRaw.prototype as unknown as Record<string, unknown>;
    const processChunk = proto._processChunk as (this: zlib.DeflateRaw, ...a: unknown[]) => unknown;
    const createDeflateRaw = zlib.createDeflateRaw;
    const deflateRaw = zlib.deflateRaw;
    let oneByOne = 0;
    const faults: Record<string, () => void> = {
      // A Node whose streams lack the method a kept compressor writes through.
      'no _processChunk': () =>
        Object.defineProperty(proto, '_processChunk', {
          value: undefined,
          configurable: true,
          writable: true,
        }),
      // A part that outgrows its compressor's output buffer (as an allowance too small would make it).
      'a part outgrows the buffer': () =>
        Object.defineProperty(zlib, 'createDeflateRaw', {
          configurable: true,
          writable: true,
          value: (o: zlib.ZlibOptions) => createDeflateRaw({ ...o, chunkSize: 8000 }),
        }),
      // A compressor closed under a part (its handle gone).
      'the stream is destroyed': () => {
        let calls = 0;
        Object.defineProperty(proto, '_processChunk', {
          configurable: true,
          writable: true,
          value(this: zlib.DeflateRaw, ...a: unknown[]) {
            if (++calls === 3) this.destroy();
            return processChunk.apply(this, a);
          },
        });
      },
    };
    const rand = rng(61);
    const parts = Array.from({ length: 9 }, (_, i) => {
      // Noise, so that a part's output is larger than the part: several times an 8000-byte buffer.
      const b = new Uint8Array(30_000 + i * 7000);
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256);
      return b;
    });
    for (const [name, fault] of Object.entries(faults)) {
      oneByOne = 0;
      (zlib as { deflateRaw: unknown }).deflateRaw = (...a: Parameters<typeof zlib.deflateRaw>) => {
        oneByOne++;
        return deflateRaw(...a);
      };
      fault();
      try {
        let timer: NodeJS.Timeout | undefined;
        const out = await Promise.race([
          deflateParts(parts.length, 3, (i) => parts[i]!, 6, zlib.constants.Z_DEFAULT_STRATEGY),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${name}: deflateParts did not settle in 10 s`)),
              10_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        out.forEach((seg, i) => {
          const alone = zlib.inflateRawSync(seg, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
          expect(alone.equals(Buffer.from(parts[i]!)), `${name}, part ${i}`).toBe(true);
        });
        expect(zlib.inflateRawSync(Buffer.concat(out)).equals(Buffer.concat(parts)), name).toBe(true);
        if (name === 'no _processChunk') expect(oneByOne, name).toBe(parts.length);
        else expect(oneByOne, name).toBeGreaterThan(0);
      } finally {
        (zlib as { deflateRaw: unknown }).deflateRaw = deflateRaw;
        Object.defineProperty(zlib, 'createDeflateRaw', {
          configurable: true,
          writable: true,
          value: createDeflateRaw,
        });
        delete proto._processChunk;
      }
    }
    expect(proto._processChunk).toBe(processChunk);
  }, 60_000);

  it('asks for no more parts once one of them fails, and rejects with its error', async () => {
    const asked: number[] = [];
    const parts = Array.from({ length: 40 }, (_, i) => new Uint8Array(20_000).fill(i));
    const run = deflateParts(
      parts.length,
      4,
      (i) => {
        asked.push(i);
        if (i === 5) throw new Error('part 5 could not be made');
        return parts[i]!;
      },
      6,
      zlib.constants.Z_DEFAULT_STRATEGY,
    );
    await expect(run).rejects.toThrow('part 5 could not be made');
    // Give lanes still deflating a part the time to finish it: none asks for another.
    await new Promise((r) => setTimeout(r, 200));
    expect(Math.max(...asked)).toBeLessThan(5 + 4);
  });

  it('writes a PNG in bands for any height and band count, more bands asked than rows make included', async () => {
    for (let height = 1; height <= 20; height++) {
      for (let bands = 1; bands <= 12; bands++) {
        const width = 3 + (height % 5);
        const pixels = new Uint8Array(width * height * 3).map((_, k) => (k * 37 + height) & 255);
        const img: PngInput = { width, height, channels: 3, depth: 8, pixels };
        const png = await encodePngBands(img, { bands, level: 6 });
        const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        expect(Buffer.from(data).equals(Buffer.from(pixels)), `${width}x${height}, ${bands} bands`).toBe(
          true,
        );
      }
    }
  });

  it('deflated in bands side by side, decodes to the same samples and inflates (Adler-32 checked) to the same rows', async () => {
    const rand = rng(92);
    for (let round = 0; round < 60; round++) {
      const img = randomImage(rand, 70, 40);
      const { width, height, channels, depth, pixels } = img;
      const n = pixels.length;
      const filter = rand() < 0.5 ? 'sub' : 'none';
      const level = Math.floor(rand() * 10);
      const strategy = rand() < 0.5 ? zlib.constants.Z_RLE : undefined;
      // One band, a few, one a row, and more bands asked for than there are rows.
      const bands = [1, 2 + Math.floor(rand() * 6), height, height + 3][round % 4]!;
      const png = await encodePngBands(img, { filter, level, strategy, bands });
      const what = `round ${round}: ${width}x${height}x${channels}@${depth} ${filter} level ${level} ${bands} bands`;
      // The IDAT's zlib stream checks its own Adler-32 when inflated.
      const at = Buffer.from(png).indexOf('IDAT') + 4;
      const len = Buffer.from(png).readUInt32BE(at - 8);
      const rows = zlib.inflateSync(png.subarray(at, at + len));
      expect(rows.equals(Buffer.from(filteredRows(img, filter))), what).toBe(true);
      const back = await decode(png, depth, channels);
      expect(back.channels, what).toBe(channels);
      expect(back.samples.length, what).toBe(n);
      expect(
        back.samples.every((v, i) => v === pixels[i]),
        what,
      ).toBe(true);
    }
  });

  it('filters 8-bit RGBA rows to exactly the bytewise Sub (word-at-a-time path, aligned or not), for any zlib strategy', async () => {
    const rand = rng(33);
    const strategies = [
      undefined,
      zlib.constants.Z_RLE,
      zlib.constants.Z_FILTERED,
      zlib.constants.Z_HUFFMAN_ONLY,
    ];
    for (let round = 0; round < 40; round++) {
      const width = 1 + Math.floor(rand() * 70);
      const height = 1 + Math.floor(rand() * 20);
      const n = width * height * 4;
      // Sometimes a view at an odd offset: the word path needs 4-byte alignment and falls back without it.
      const offset = rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0;
      const pixels = new Uint8Array(n + offset).subarray(offset);
      for (let i = 0; i < n; i++)
        pixels[i] = rand() < 0.2 ? 0 : rand() < 0.2 ? 255 : Math.floor(rand() * 256);
      const strategy = strategies[round % strategies.length];
      const png = await encodePngAsync(
        { width, height, channels: 4, depth: 8, pixels },
        { strategy, level: 3 },
      );
      // The IDAT payload, inflated: each row's filter byte, then its bytes minus the left pixel's.
      const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
      let off = 8;
      let idat: Uint8Array | null = null;
      while (off + 12 <= png.length && !idat) {
        const len = dv.getUint32(off);
        if (String.fromCharCode(...png.subarray(off + 4, off + 8)) === 'IDAT')
          idat = png.subarray(off + 8, off + 8 + len);
        off += 12 + len;
      }
      const raw = zlib.inflateSync(idat!);
      expect(
        notSub(raw, pixels, width, height, 4),
        `round ${round}: ${width}x${height} offset ${offset}`,
      ).toBe(0);
    }
  });

  it('filters 8-bit RGB rows to exactly the bytewise Sub (word-at-a-time path, aligned or not, any width)', () => {
    const rand = rng(34);
    for (let round = 0; round < 60; round++) {
      // Widths whose rows are a multiple of 4 bytes and widths whose rows are not (every row's start
      // aligned, or every other one).
      const width = round % 3 === 0 ? 4 * (1 + Math.floor(rand() * 40)) : 1 + Math.floor(rand() * 90);
      const height = 1 + Math.floor(rand() * 12);
      const n = width * height * 3;
      const offset = rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0;
      const pixels = new Uint8Array(n + offset).subarray(offset);
      for (let i = 0; i < n; i++)
        pixels[i] = rand() < 0.2 ? 0 : rand() < 0.2 ? 255 : Math.floor(rand() * 256);
      const raw = filteredRows({ width, height, channels: 3, depth: 8, pixels }, 'sub');
      expect(
        notSub(raw, pixels, width, height, 3),
        `round ${round}: ${width}x${height} offset ${offset}`,
      ).toBe(0);
    }
  });

  it('writes the edit mask so that it reads back as the same mask', async () => {
    const rand = rng(5);
    for (let round = 0; round < 12; round++) {
      const width = 1 + Math.floor(rand() * 300);
      const height = 1 + Math.floor(rand() * 200);
      const data = new Uint8Array(width * height);
      for (let b = 0; b < 3; b++) {
        const x0 = Math.floor(rand() * width);
        const y0 = Math.floor(rand() * height);
        const v = rand() < 0.7 ? 255 : Math.floor(rand() * 256);
        for (let y = y0; y < Math.min(height, y0 + 40); y++)
          data.fill(v, y * width + x0, Math.min((y + 1) * width, y * width + x0 + 60));
      }
      const png = await encodeMaskPng({ width, height, data });
      const back = await maskFromFile(png, width, height);
      expect(Buffer.from(back.data).equals(Buffer.from(data)), `round ${round}`).toBe(true);
    }
  });
});
