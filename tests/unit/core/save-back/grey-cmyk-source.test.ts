/**
 * Save back into a greyscale or CMYK source (what Lightroom or Photoshop hands over): a grey TIFF, PNG or
 * JPEG comes back grey, at its depth, with its alpha and its own grey profile, every sample no edit touched
 * as it was (within the one level a profile's decode can merge) and the edited block its grey; a CMYK file
 * is refused in one sentence before anything is written. Over every format x depth x alpha x profile.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { loadPhoto, type Photo } from '../../../../electron/core/imaging';
import { encodePng, iccpChunk } from '../../../../electron/core/imaging/png';
import { encodeTiff } from '../../../../electron/core/imaging/tiff';
import { withJpegMetadata } from '../../../../electron/core/imaging/export-flat';
import { checkSaveBack, saveBack } from '../../../../electron/core/save-back';
import { projectOfSource } from '../../../support/source-project';
import { rng } from '../../../support/prng';
import { greyProfile } from '../../../support/icc';

const W = 61;
const H = 43;
/** The block the "edit" paints, in a colour (R != G != B). */
const BLOCK = { x: 10, y: 8, width: 20, height: 14 };
const COLOUR = [200, 40, 90] as const;

interface Case {
  format: 'png' | 'tiff' | 'jpeg';
  depth: 8 | 16;
  alpha: boolean;
  icc: Uint8Array | null;
}

/** Grey samples of seeded noise (and a seeded alpha), and the file made of them. */
async function greyFile(c: Case, seed: number): Promise<{ bytes: Uint8Array; samples: number[] }> {
  const r = rng(seed);
  const ch = c.alpha ? 2 : 1;
  const max = c.depth === 16 ? 65535 : 255;
  const px = c.depth === 16 ? new Uint16Array(W * H * ch) : new Uint8Array(W * H * ch);
  for (let i = 0; i < W * H; i++) {
    px[i * ch] = Math.floor(r() * (max + 1));
    if (c.alpha) px[i * ch + 1] = Math.floor(max / 2 + r() * (max / 2));
  }
  const img = { width: W, height: H, channels: ch as 1 | 2, depth: c.depth, pixels: px };
  let bytes: Uint8Array;
  if (c.format === 'png') {
    bytes =
      c.icc || c.depth === 16
        ? encodePng(img, { chunks: c.icc ? [iccpChunk(c.icc)] : [] })
        : new Uint8Array(
            await sharp(Buffer.from(px.buffer), { raw: { width: W, height: H, channels: ch } })
              .toColourspace('b-w')
              .png()
              .toBuffer(),
          );
  } else if (c.format === 'tiff') {
    bytes =
      c.icc || c.depth === 16 || c.alpha
        ? encodeTiff({ ...img, icc: c.icc })
        : new Uint8Array(
            await sharp(Buffer.from(px.buffer), { raw: { width: W, height: H, channels: 1 } })
              .toColourspace('b-w')
              .tiff()
              .toBuffer(),
          );
  } else {
    const jpeg = await sharp(Buffer.from(px.buffer), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .jpeg({ quality: 95 })
      .toBuffer();
    bytes = new Uint8Array(withJpegMetadata(jpeg, c.icc, null));
  }
  // The samples as stored in the file (a JPEG's are its decode, not the noise it was made from).
  return { bytes, samples: (await stored(bytes)).samples };
}

/** A file's own samples (no profile applied), interleaved as stored, with what sharp says it is. */
async function stored(bytes: Uint8Array) {
  const m = await sharp(bytes).metadata();
  const grey = m.space === 'b-w' || m.space === 'grey16';
  const depth = m.depth === 'ushort' ? ('ushort' as const) : ('uchar' as const);
  const read = async (s: sharp.Sharp) => {
    const { data, info } = await s.raw({ depth }).toBuffer({ resolveWithObject: true });
    const v = depth === 'ushort' ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : data;
    return { v, channels: info.channels };
  };
  // Read as grey when the file is grey (sharp's raw output is otherwise RGB, and its grey drops alpha).
  const base = await read(
    grey
      ? sharp(bytes, { ignoreIcc: true }).toColourspace(depth === 'ushort' ? 'grey16' : 'b-w')
      : sharp(bytes, { ignoreIcc: true }),
  );
  if (!grey || !m.hasAlpha)
    return {
      space: m.space,
      channels: base.channels,
      depth: m.depth,
      icc: m.icc ?? null,
      samples: Array.from(base.v),
    };
  const alpha = await read(sharp(bytes, { ignoreIcc: true }).extractChannel('alpha'));
  const samples: number[] = [];
  for (let i = 0; i < alpha.v.length; i++) samples.push(base.v[i * base.channels]!, alpha.v[i]!);
  return { space: m.space, channels: 2, depth: m.depth, icc: m.icc ?? null, samples };
}

/** The photo as loaded, with the block painted in a colour (an edit). */
function edited(p: Photo): Photo {
  const pixels = p.pixels.slice();
  const k = p.depth === 16 ? 257 : 1;
  for (let y = BLOCK.y; y < BLOCK.y + BLOCK.height; y++)
    for (let x = BLOCK.x; x < BLOCK.x + BLOCK.width; x++)
      for (let c = 0; c < 3; c++) pixels[(y * W + x) * p.channels + c] = COLOUR[c]! * k;
  return { ...p, pixels };
}

const inBlock = (i: number) => {
  const x = i % W;
  const y = Math.floor(i / W);
  return x >= BLOCK.x && x < BLOCK.x + BLOCK.width && y >= BLOCK.y && y < BLOCK.y + BLOCK.height;
};

async function projectFrom(bytes: Uint8Array, name: string) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-grey-back-'));
  const file = path.join(root, name);
  await fs.writeFile(file, bytes);
  const photo = await loadPhoto(bytes);
  const dir = path.join(root, 'project');
  await projectOfSource(dir, file, {
    photo: bytes,
    name,
    width: photo.width,
    height: photo.height,
    format: photo.format,
  });
  return { root, file, dir, photo };
}

const cases: Case[] = [];
for (const format of ['png', 'tiff', 'jpeg'] as const)
  for (const depth of format === 'jpeg' ? ([8] as const) : ([8, 16] as const))
    for (const alpha of format === 'jpeg' ? [false] : [false, true])
      for (const icc of [null, greyProfile(1.8)]) cases.push({ format, depth, alpha, icc });

describe('save back into a greyscale file', () => {
  for (const [n, c] of cases.entries()) {
    it(`${c.format} ${c.depth}-bit${c.alpha ? ' with alpha' : ''}${c.icc ? ', own grey profile' : ', untagged'}: comes back grey, the rest as it was`, async () => {
      const src = await greyFile(c, 1000 + n);
      const { root, file, dir, photo } = await projectFrom(
        src.bytes,
        `grey.${c.format === 'jpeg' ? 'jpg' : c.format}`,
      );
      try {
        const res = await saveBack(dir, edited(photo), { confirmed: true, overwriteChanged: false });
        expect(res.format).toBe(c.format);
        const out = await stored(new Uint8Array(await fs.readFile(file)));
        expect(out.space).toBe(c.depth === 16 ? 'grey16' : 'b-w');
        expect(out.channels).toBe(c.alpha ? 2 : 1);
        expect(out.depth).toBe(c.depth === 16 ? 'ushort' : 'uchar');
        if (c.icc) expect(Buffer.from(out.icc!).equals(Buffer.from(c.icc))).toBe(true);
        else expect(out.icc).toBeNull();
        const ch = out.channels;
        // Lossless formats: every sample outside the block is the file's own (a profile's decode may merge
        // neighbouring dark samples: one level); JPEG: re-encoded, so within its noise.
        let worst = 0;
        let sum = 0;
        let count = 0;
        for (let i = 0; i < W * H; i++) {
          if (inBlock(i)) continue;
          for (let k = 0; k < ch; k++) {
            const d = Math.abs(out.samples[i * ch + k]! - src.samples[i * ch + k]!);
            worst = Math.max(worst, d);
            sum += d;
            count++;
          }
        }
        if (c.format === 'jpeg') expect(sum / count).toBeLessThan(3);
        else expect(worst).toBeLessThanOrEqual(c.icc ? 1 : 0);
        // The block: its grey, as loading the saved file shows it, is the painted colour's luma.
        const back = await loadPhoto(new Uint8Array(await fs.readFile(file)));
        const luma = 0.2126 * COLOUR[0] + 0.7152 * COLOUR[1] + 0.0722 * COLOUR[2];
        const k = c.depth === 16 ? 257 : 1;
        for (let i = 0; i < W * H; i++) {
          if (!inBlock(i)) continue;
          const v = back.pixels[i * back.channels]! / k;
          // JPEG: its ringing from the noise around the block reaches a few levels into it.
          expect(Math.abs(v - luma), `pixel ${i}`).toBeLessThan(c.format === 'jpeg' ? 8 : 2.5);
          if (c.alpha) expect(out.samples[i * 2 + 1], `alpha ${i}`).toBe(src.samples[i * 2 + 1]);
        }
        // Nothing left beside it.
        expect((await fs.readdir(root)).sort()).toEqual([path.basename(file), 'project'].sort());
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    });
  }
});

describe('save back into a CMYK file', () => {
  for (const format of ['jpeg', 'tiff'] as const) {
    it(`${format}: refused in one sentence before asking or writing, the file as it was`, async () => {
      const cmyk = sharp({
        create: { width: W, height: H, channels: 3, background: { r: 30, g: 120, b: 200 } },
      }).toColourspace('cmyk');
      const bytes = new Uint8Array(await (format === 'jpeg' ? cmyk.jpeg() : cmyk.tiff()).toBuffer());
      expect((await sharp(bytes).metadata()).space).toBe('cmyk');
      const name = `print.${format === 'jpeg' ? 'jpg' : 'tif'}`;
      const { root, file, dir, photo } = await projectFrom(bytes, name);
      try {
        const sentence = new RegExp(`^${name.replace('.', '\\.')} is a CMYK file[^.]*; [^.;]+\\.$`);
        await expect(checkSaveBack(dir)).rejects.toMatchObject({ code: 'unsupported', message: sentence });
        await expect(
          saveBack(dir, edited(photo), { confirmed: true, overwriteChanged: false }),
        ).rejects.toMatchObject({ code: 'unsupported', message: sentence });
        expect(Buffer.from(await fs.readFile(file)).equals(Buffer.from(bytes))).toBe(true);
        expect((await fs.readdir(root)).sort()).toEqual([name, 'project'].sort());
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    });
  }
});
