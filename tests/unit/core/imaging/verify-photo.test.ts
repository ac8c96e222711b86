/**
 * verifyPhoto against the full decode: for every file, the check refuses exactly what loadPhoto refuses,
 * with the same code and sentence, and accepts what it accepts. Files cut short at many points and with
 * bytes overwritten anywhere (headers, tables, the entropy-coded data, the end marker), of JPEGs of every
 * layout an edit can start from (baseline and progressive, 4:2:0 and 4:4:4, with EXIF orientation 6, grey,
 * CMYK), plus PNGs, and the refusals before any decode (empty, too big, too many pixels, HEIC, not an
 * image). A check that looked at less of the file than the decode does (the header only, the rows down to
 * some point) accepts files the decode refuses.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearPhotoCache,
  loadPhoto,
  photoCacheStats,
  setPhotoCacheLimit,
  verifyPhoto,
} from '../../../../electron/core/imaging/load';
import type { ImagingLimits } from '../../../../electron/core/imaging';
import { AppError } from '../../../../shared/errors';
import { rng } from '../../../support/prng';

type Kind =
  'baseline420' | 'baseline444' | 'progressive' | 'orientation6' | 'progressive6' | 'grey' | 'cmyk' | 'png';

/** A structured noisy image (gradients and noise: the entropy-coded data is most of the file). */
function pixels(w: number, h: number, r: () => number): Buffer {
  const out = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        out[(y * w + x) * 3 + c] = ((x * (c + 1) * 7 + y * (3 - c) * 5) & 255) ^ Math.floor(r() * 48);
  return out;
}

async function photoFile(kind: Kind, w: number, h: number, r: () => number): Promise<Uint8Array> {
  let s = sharp(pixels(w, h, r), { raw: { width: w, height: h, channels: 3 } });
  if (kind === 'grey') s = s.greyscale();
  if (kind === 'cmyk') s = s.toColourspace('cmyk');
  if (kind === 'orientation6' || kind === 'progressive6') s = s.withMetadata({ orientation: 6 });
  const out =
    kind === 'png'
      ? s.png({ compressionLevel: 6 })
      : s.jpeg({
          quality: 88,
          chromaSubsampling: kind === 'baseline444' ? '4:4:4' : '4:2:0',
          progressive: kind === 'progressive' || kind === 'progressive6',
        });
  return new Uint8Array(await out.toBuffer());
}

/** What opening the file comes to: 'ok', or the refusal's code and sentence. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

/** The file cut short at n bytes. */
const cut = (b: Uint8Array, n: number) => b.slice(0, n);

/** The file with `count` bytes from `at` overwritten by draws of r (each differs from the byte it replaces). */
function overwritten(b: Uint8Array, at: number, count: number, r: () => number): Uint8Array {
  const out = b.slice();
  for (let i = at; i < Math.min(b.length, at + count); i++)
    out[i] = (b[i]! + 1 + Math.floor(r() * 255)) & 255;
  return out;
}

/** Damaged variants of a file: cut short at many points (the last bytes included), bytes overwritten. */
function damaged(b: Uint8Array, r: () => number, cuts: number, hits: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 1; i <= cuts; i++) out.push(cut(b, Math.floor((b.length * i) / (cuts + 1))));
  for (const k of [1, 2, 3, 16]) out.push(cut(b, b.length - k));
  for (let i = 0; i < hits; i++) {
    // Mostly in the entropy-coded data (most of the file), some in the first 700 bytes (markers, tables).
    const at = i % 5 === 0 ? Math.floor(r() * Math.min(700, b.length)) : Math.floor(r() * b.length);
    out.push(overwritten(b, at, 1 + Math.floor(r() * (i % 3 === 0 ? 64 : 4)), r));
  }
  // Each of the last 12 bytes changed (the end of the entropy-coded data, the end marker).
  for (let k = 1; k <= 12; k++) out.push(overwritten(b, b.length - k, 1, r));
  // A stretch of zeros in the middle (a sync that lost a block).
  const zeros = b.slice();
  zeros.fill(0, Math.floor(b.length / 2), Math.floor(b.length / 2) + 4096);
  out.push(zeros);
  return out;
}

let previousLimit = 0;
beforeAll(() => {
  // No whole decode is kept: each verifyPhoto below really decodes (a cached photo is not checked again).
  previousLimit = photoCacheStats().limit;
  setPhotoCacheLimit(0);
});
afterAll(() => setPhotoCacheLimit(previousLimit));

describe('verifyPhoto', () => {
  const KINDS: Kind[] = [
    'baseline420',
    'baseline444',
    'progressive',
    'orientation6',
    'progressive6',
    'grey',
    'cmyk',
    'png',
  ];

  const SIZES = [
    [517, 389],
    [203, 61],
    [301, 392],
    [250, 400],
    [333, 388],
    [190, 390],
    [64, 9],
  ] as const;

  it('refuses exactly the damaged files the full decode refuses, in the same sentence', async () => {
    const r = rng(20261202);
    const tally = { ok: 0, refused: 0 };
    for (const kind of KINDS) {
      // Stored heights of every kind for the shrink while decoding: a multiple of 8 (and of 16 or not), of
      // 4, of 2, odd; a last row of MCUs of fewer than 8 rows; widths that are not whole MCUs.
      // Three of them for each kind, every one for several kinds.
      const k = KINDS.indexOf(kind);
      for (const [w, h] of [k, k + 2, k + 4].map((i) => SIZES[i % SIZES.length]!)) {
        const file = await photoFile(kind, w, h, r);
        const variants = [file, ...damaged(file, r, 16, 16)];
        for (const [i, bytes] of variants.entries()) {
          const name = `photo-${kind}-${i}.jpg`;
          const checked = await outcome(verifyPhoto(bytes, undefined, name));
          const decoded = await outcome(loadPhoto(bytes, undefined, name));
          expect(checked, `${kind} ${w}x${h} variant ${i} (${bytes.length} of ${file.length} bytes)`).toBe(
            decoded,
          );
          if (decoded === 'ok') tally.ok++;
          else tally.refused++;
        }
      }
    }
    // Both answers were given many times: the comparison is not of files that all fail (or all pass).
    expect(tally.refused).toBeGreaterThan(KINDS.length * 3 * 20);
    expect(tally.ok).toBeGreaterThan(KINDS.length * 3);
  }, 240_000);

  it('agrees on a large progressive and a large baseline JPEG cut short near the end', async () => {
    const r = rng(99);
    for (const kind of ['baseline420', 'progressive6'] as const) {
      const file = await photoFile(kind, 2400, 1600, r);
      for (const n of [0.5, 0.9, 0.99, 0.999].map((f) => Math.floor(file.length * f))) {
        const bytes = cut(file, n);
        const checked = await outcome(verifyPhoto(bytes, undefined, 'big.jpg'));
        expect(checked, `${kind} cut at ${n}`).toBe(await outcome(loadPhoto(bytes, undefined, 'big.jpg')));
        expect(checked).toMatch(/^unsupported-image: The file big\.jpg is damaged or incomplete/);
      }
      expect(await outcome(verifyPhoto(file))).toBe('ok');
    }
  }, 120_000);

  it('refuses what is refused before any decode in the same sentence as loadPhoto', async () => {
    const r = rng(5);
    const jpeg = await photoFile('baseline420', 300, 200, r);
    const heic = new Uint8Array(64);
    new DataView(heic.buffer).setUint32(0, 24);
    heic.set(new TextEncoder().encode('ftypheic\0\0\0\0mif1heic'), 4);
    const text = new TextEncoder().encode('not a photo\n'.repeat(50));
    const cases: [Uint8Array, Partial<ImagingLimits> | undefined][] = [
      [new Uint8Array(0), undefined],
      [jpeg, { maxFileBytes: 1000 }],
      [jpeg, { maxPixels: 50_000 }],
      [heic, undefined],
      [text, undefined],
      [cut(jpeg, 40), undefined],
    ];
    for (const [bytes, limits] of cases) {
      for (const name of [undefined, 'IMG_1.jpg']) {
        const checked = await outcome(verifyPhoto(bytes, limits, name));
        expect(checked).not.toBe('ok');
        expect(checked).toBe(await outcome(loadPhoto(bytes, limits, name)));
      }
    }
  });

  it('gives the header look at the photo (upright size) and keeps no decode', async () => {
    clearPhotoCache();
    const before = photoCacheStats();
    const info = await verifyPhoto(await photoFile('orientation6', 320, 200, rng(8)));
    expect([info.width, info.height, info.format, info.orientation]).toEqual([200, 320, 'jpeg', 6]);
    const after = photoCacheStats();
    expect([after.entries, after.decodes]).toEqual([before.entries, before.decodes]);
  });
});
