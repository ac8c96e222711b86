/**
 * mask-png.ts reads an 8-bit PNG mask a row at a time: it must give exactly the mask libvips' decode gives
 * (flattened on black, integer luma), over random sizes, colour types, contents, row filters (all five,
 * chosen per row), IDAT splits and zlib output pieces, and leave to libvips (null) every file it does not read
 * exactly: other depths and colour types, interlacing, tRNS or eXIf, a bad CRC, a stream that is short, long
 * or not zlib, an unknown filter. maskFromFile gives the same mask whichever path reads the file. Every file
 * is read both ways zlib can be driven: directly into one reused buffer, and through Node's Inflate stream.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maskFromFile } from '../../../../electron/core/imaging';
import { directInflateAvailable, maskFromPngRows } from '../../../../electron/core/imaging/mask-png';
import { rng } from '../../../support/prng';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** The file read both ways; they must agree (both null, or the same mask). */
async function readBothWays(png: Uint8Array, width: number, height: number): Promise<Uint8Array | null> {
  const direct = await maskFromPngRows(png, width, height);
  const streamed = await maskFromPngRows(png, width, height, { streaming: true });
  expect(direct === null, 'both ways refuse the file, or neither').toBe(streamed === null);
  if (direct && streamed)
    expect(Buffer.from(direct).equals(Buffer.from(streamed)), 'both ways agree').toBe(true);
  return direct;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4, 8))) >>> 0);
  return Buffer.concat([head, data, crc]);
}

/** Filters row `cur` (bytes) against `prev` with PNG filter f. */
function filterRow(f: number, cur: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(cur.length + 1);
  out[0] = f;
  for (let i = 0; i < cur.length; i++) {
    const a = i >= bpp ? cur[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    let pred = 0;
    if (f === 1) pred = a;
    else if (f === 2) pred = b;
    else if (f === 3) pred = (a + b) >> 1;
    else if (f === 4) {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    out[i + 1] = (cur[i]! - pred) & 255;
  }
  return out;
}

interface Made {
  png: Buffer;
  width: number;
  height: number;
}

/** An 8-bit PNG of `pixels` with a random filter per row, its stream cut into random IDATs, ancillary chunks. */
function writePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  colour: number,
  r: () => number,
  extra: { before?: Buffer[]; filters?: number[] } = {},
): Buffer {
  const c = CHANNELS[colour]!;
  const rows: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(width * c);
  for (let y = 0; y < height; y++) {
    const cur = pixels.subarray(y * width * c, (y + 1) * width * c);
    const f = extra.filters?.[y] ?? Math.floor(r() * 5);
    rows.push(filterRow(f, cur, prev, c));
    prev = cur;
  }
  const stream = zlib.deflateSync(Buffer.concat(rows), { level: Math.floor(r() * 10) });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colour;
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  parts.push(chunk('tEXt', Buffer.from('Software\0test', 'latin1')));
  if (r() < 0.5) parts.push(chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])));
  parts.push(...(extra.before ?? []));
  for (let at = 0; at < stream.length;) {
    const n = 1 + Math.floor(r() * Math.min(stream.length, 1 + (r() < 0.5 ? 64 : stream.length)));
    parts.push(chunk('IDAT', stream.subarray(at, at + n)));
    at += n;
  }
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** The zlib stream of a PNG's IDAT chunks, joined. */
function idatStream(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at)) {
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT')
      parts.push(png.subarray(at + 8, at + 8 + png.readUInt32BE(at)));
  }
  return Buffer.concat(parts);
}

/** The PNG with its image data replaced by `stream`, in one IDAT with a right CRC. */
function withStream(png: Buffer, stream: Buffer): Buffer {
  const kept: Buffer[] = [png.subarray(0, 8)];
  let placed = false;
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at)) {
    const type = png.toString('latin1', at + 4, at + 8);
    if (type !== 'IDAT') kept.push(png.subarray(at, at + 12 + png.readUInt32BE(at)));
    else if (!placed) {
      kept.push(chunk('IDAT', stream));
      placed = true;
    }
  }
  return Buffer.concat(kept);
}

/** Random mask-like pixels: black (opaque or clear) around soft shapes and white, now and then noise. */
function maskPixels(width: number, height: number, c: number, r: () => number): Uint8Array {
  const px = new Uint8Array(width * height * c);
  const alpha = c === 2 || c === 4;
  const noise = r() < 0.2;
  const cx = r() * width;
  const cy = r() * height;
  const rad = 1 + r() * Math.max(width, height) * 0.6;
  const clearBg = alpha && r() < 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * c;
      const d = Math.hypot(x - cx, y - cy) / rad;
      const v = noise ? Math.floor(r() * 256) : d < 0.8 ? 255 : d < 1 ? Math.round((1 - d) * 5 * 255) : 0;
      const colours = alpha ? c - 1 : c;
      for (let k = 0; k < colours; k++) px[i + k] = noise || r() < 0.9 ? v : Math.floor(r() * 256);
      if (alpha)
        px[i + c - 1] = noise ? Math.floor(r() * 256) : v === 0 ? (clearBg ? 0 : 255) : r() < 0.8 ? 255 : v;
    }
  }
  return px;
}

/** The mask libvips' decode gives: flattened on black, 8-bit sRGB, integer luma. */
async function oracle(png: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(png, { ignoreIcc: true, failOn: 'error' })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const m = new Uint8Array(width * height);
  const c = info.channels;
  for (let i = 0, j = 0; i < m.length; i++, j += c) {
    const rr = data[j]!;
    const g = c >= 3 ? data[j + 1]! : rr;
    const b = c >= 3 ? data[j + 2]! : rr;
    m[i] = (rr * 19595 + g * 38470 + b * 7471 + 32768) >>> 16;
  }
  return m;
}

function random(seed: number): Made & { colour: number } {
  const r = rng(seed);
  const colour = [0, 2, 4, 6][Math.floor(r() * 4)]!;
  const width = 1 + Math.floor(r() * (r() < 0.2 ? 900 : 120));
  const height = 1 + Math.floor(r() * (r() < 0.2 ? 700 : 90));
  const png = writePng(maskPixels(width, height, CHANNELS[colour]!, r), width, height, colour, r);
  return { png, width, height, colour };
}

describe('PNG masks read row by row', () => {
  it('inflate directly into one buffer on this Node (the stream is the slower way)', () => {
    expect(directInflateAvailable()).toBe(true);
  });

  it('give exactly the libvips mask over random files, filters and splits', async () => {
    const kinds = new Set<number>();
    for (let seed = 1; seed <= 60; seed++) {
      const { png, width, height, colour } = random(seed);
      kinds.add(colour);
      const got = await readBothWays(png, width, height);
      expect(got, `seed ${seed}`).not.toBeNull();
      const want = await oracle(png, width, height);
      expect(
        Buffer.from(got!).equals(Buffer.from(want)),
        `seed ${seed} ${width}x${height} type ${colour}`,
      ).toBe(true);
      // maskFromFile reads it this way and gives the same.
      const viaFile = await maskFromFile(png, width, height);
      expect(Buffer.from(viaFile.data).equals(Buffer.from(want)), `seed ${seed} via maskFromFile`).toBe(true);
    }
    expect([...kinds].sort()).toEqual([0, 2, 4, 6]);
  });

  it('reads rows that zlib hands over across its megabyte pieces', async () => {
    const r = rng(77);
    // 1100 x 700 RGBA: 4.4 KB rows, 3 MB of rows, so pieces end inside rows.
    const width = 1100;
    const height = 700;
    const png = writePng(maskPixels(width, height, 4, r), width, height, 6, r);
    const got = await readBothWays(png, width, height);
    expect(Buffer.from(got!).equals(Buffer.from(await oracle(png, width, height)))).toBe(true);
  });

  it('reads a mask of many pieces, weighed while the next inflates, and refuses one that goes wrong late', async () => {
    const r = rng(78);
    // 2000 x 1600 RGBA: 12.8 MB of rows, a dozen pieces.
    const width = 2000;
    const height = 1600;
    const px = maskPixels(width, height, 4, r);
    const png = writePng(px, width, height, 6, r);
    const got = await readBothWays(png, width, height);
    expect(Buffer.from(got!).equals(Buffer.from(await oracle(png, width, height)))).toBe(true);
    // An unknown filter on a row in the last piece, and a stream ending a row short: both refused.
    const filters = Array.from({ length: height }, (_, y) => (y === height - 3 ? 5 : 0));
    expect(await readBothWays(writePng(px, width, height, 6, r, { filters }), width, height)).toBeNull();
    const short = writePng(px.subarray(0, width * 4 * (height - 1)), width, height - 1, 6, r);
    const shortIhdr = Buffer.from(short);
    shortIhdr.writeUInt32BE(height, 8 + 8 + 4);
    shortIhdr.writeUInt32BE(zlib.crc32(shortIhdr.subarray(12, 29)) >>> 0, 29);
    expect(await readBothWays(shortIhdr, width, height)).toBeNull();
    // The zlib stream damaged two thirds of the way in, its chunk's CRC made right: zlib's own check fails
    // (or the data does), late, after many pieces were weighed.
    const stream = idatStream(png);
    for (const at of [0.4, 0.66, 0.97]) {
      const damaged = Buffer.from(stream);
      damaged[Math.floor(damaged.length * at)]! ^= 0x55;
      expect(await readBothWays(withStream(png, damaged), width, height), `damaged at ${at}`).toBeNull();
    }
    // The Adler-32 at the stream's end wrong: every row inflates, the check fails.
    const badSum = Buffer.from(stream);
    badSum[badSum.length - 1]! ^= 1;
    expect(await readBothWays(withStream(png, badSum), width, height)).toBeNull();
  });

  it('leaves to libvips every file it does not read exactly', async () => {
    const r = rng(5);
    const width = 40;
    const height = 30;
    const px = maskPixels(width, height, 3, r);
    const good = writePng(px, width, height, 2, r);
    expect(await readBothWays(good, width, height)).not.toBeNull();
    const refused: Array<[string, Uint8Array, number, number]> = [];
    refused.push(['another size', good, width + 1, height]);
    const sharpMade = (s: sharp.Sharp) => s.toBuffer().then((b) => new Uint8Array(b));
    const raw = { raw: { width, height, channels: 3 as const } };
    refused.push(['16 bit', await sharpMade(sharp(px, raw).toColourspace('rgb16').png()), width, height]);
    refused.push(['palette', await sharpMade(sharp(px, raw).png({ palette: true })), width, height]);
    refused.push(['interlaced', await sharpMade(sharp(px, raw).png({ progressive: true })), width, height]);
    refused.push([
      'tRNS',
      writePng(px, width, height, 2, r, { before: [chunk('tRNS', new Uint8Array(6))] }),
      width,
      height,
    ]);
    refused.push([
      'eXIf',
      writePng(px, width, height, 2, r, { before: [chunk('eXIf', new Uint8Array([77, 77, 0, 42]))] }),
      width,
      height,
    ]);
    // The text chunk's CRC (its text is not used), and a byte of the image data (its CRC and zlib's Adler-32).
    const badCrc = Buffer.from(good);
    const text = badCrc.indexOf(Buffer.from('tEXt'));
    badCrc[text + 4 + badCrc.readUInt32BE(text - 4) + 1]! ^= 1;
    refused.push(['a bad CRC', badCrc, width, height]);
    const badData = Buffer.from(good);
    badData[badData.indexOf(Buffer.from('IDAT')) + 6]! ^= 1;
    refused.push(['damaged data', badData, width, height]);
    // A short stream: the rows of a smaller image under this header.
    const short = writePng(px.subarray(0, width * 3 * 20), width, 20, 2, r);
    const shortIhdr = Buffer.from(short);
    shortIhdr.writeUInt32BE(height, 8 + 8 + 4);
    shortIhdr.writeUInt32BE(zlib.crc32(shortIhdr.subarray(12, 29)) >>> 0, 29);
    refused.push(['a short stream', shortIhdr, width, height]);
    // A long stream: a taller image's rows under a shorter header.
    const tall = writePng(new Uint8Array(width * 3 * 40), width, 40, 2, r);
    const tallIhdr = Buffer.from(tall);
    tallIhdr.writeUInt32BE(height, 8 + 8 + 4);
    tallIhdr.writeUInt32BE(zlib.crc32(tallIhdr.subarray(12, 29)) >>> 0, 29);
    refused.push(['a long stream', tallIhdr, width, height]);
    // Filter type 5 on a row.
    const filters = Array.from({ length: height }, (_, y) => (y === 7 ? 5 : 0));
    refused.push(['an unknown filter', writePng(px, width, height, 2, r, { filters }), width, height]);
    // Not zlib inside the IDAT.
    const garbage = Buffer.concat([
      good.subarray(0, 33),
      chunk('IDAT', new Uint8Array([1, 2, 3, 4, 5, 6])),
      chunk('IEND', new Uint8Array(0)),
    ]);
    refused.push(['not zlib', garbage, width, height]);
    refused.push(['no IEND', good.subarray(0, good.length - 12), width, height]);
    for (const [what, file, w, h] of refused) expect(await readBothWays(file, w, h), what).toBeNull();
    // The filter-5 file is one libvips refuses too, and maskFromFile says so in its own words.
    await expect(
      maskFromFile(refused.find(([w]) => w === 'an unknown filter')![1], width, height),
    ).rejects.toThrow(/could not be read/);
  });
});
