import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../../../../electron/core/imaging';
import { maskFromFile } from '../../../../electron/core/imaging/mask';
import { encodePng, encodePngAsync, type PngInput } from '../../../../electron/core/imaging/png';

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

describe('PNG writer', () => {
  it('decodes to the same samples for any size, channel count, depth, filter and level, sync or async', async () => {
    const rand = rng(91);
    for (let round = 0; round < 60; round++) {
      const width = 1 + Math.floor(rand() * 50);
      const height = 1 + Math.floor(rand() * 30);
      const depth: 8 | 16 = rand() < 0.5 ? 8 : 16;
      // What the app writes: grey masks, RGB and RGBA images.
      const channels = ([1, 3, 4] as const)[Math.floor(rand() * 3)]!;
      const n = width * height * channels;
      const pixels = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
      const flat = rand() < 0.3; // runs of equal values, as in masks
      for (let i = 0; i < n; i++)
        pixels[i] = Math.floor((flat ? (rand() < 0.5 ? 0 : 1) : rand()) * (depth === 8 ? 255 : 65535));
      const img: PngInput = { width, height, channels, depth, pixels };
      const filter = rand() < 0.5 ? 'sub' : 'none';
      const level = Math.floor(rand() * 10);
      const a = await encodePngAsync(img, { filter, level });
      expect(Buffer.from(a).equals(Buffer.from(encodePng(img, { filter, level }))), `round ${round}`).toBe(
        true,
      );
      const back = await decode(a, depth, channels);
      expect(back.channels, `round ${round}`).toBe(channels);
      expect(back.samples.length, `round ${round}`).toBe(n);
      expect(
        back.samples.every((v, i) => v === pixels[i]),
        `round ${round}: ${width}x${height}x${channels}@${depth} ${back.samples.slice(0, 6).join()} vs ${Array.from(pixels.slice(0, 6)).join()}`,
      ).toBe(true);
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
