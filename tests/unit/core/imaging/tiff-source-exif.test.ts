/**
 * TIFF sources keep their metadata: libvips gives no EXIF for a TIFF, so loadPhoto reads the file's own IFD0
 * descriptive tags and Exif / GPS IFDs and makes a standard EXIF block of them, which every export keeps.
 * JPEG / PNG / WebP exports are checked with sharp's `metadata().exif` decoded by exif.ts's reader; TIFF
 * exports with the independent test reader (tiff-helpers.ts).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exportImage, loadPhoto, type Photo } from '../../../../electron/core/imaging';
import {
  exifForTiff,
  exifOrientation,
  tiffFileMetadata,
  type TiffEntry,
} from '../../../../electron/core/imaging/exif';
import { EXIF_BLOCK_MAX, exifFromTiffFile } from '../../../../electron/core/imaging/tiff';
import { photoBytes } from './helpers';
import { buildTiffFile, cameraJpeg as cameraJpegOf, plain, readTiff, type Spec } from './tiff-helpers';
import { rng } from '../../../support/prng';

const MAKE = 0x010f;
const MODEL = 0x0110;
const COPYRIGHT = 0x8298;
const ORIENTATION = 0x0112;
const DATE_TIME_ORIGINAL = 0x9003;
const GPS_LATITUDE = 0x0002;

/** An ASCII entry's text without its NUL, from exif.ts's reader. */
function ascii(list: TiffEntry[] | undefined, tag: number): string | undefined {
  const e = list?.find((x) => x.tag === tag);
  return e && Buffer.from(e.bytes).toString('latin1').replace(/\0+$/, '');
}

function bytesOf(a: Uint8Array | Uint16Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A 240x160 JPEG with camera EXIF (orientation 6, Display P3), made by sharp. */
async function cameraJpeg(): Promise<Uint8Array> {
  const rgb = await sharp(photoBytes('coffee.png')).removeAlpha().resize(240, 160).raw().toBuffer();
  return cameraJpegOf(new Uint8Array(rgb), 240, 160);
}

/** The pixels of a file as sharp decodes them (no colour conversion), at the photo's depth. */
async function rawOf(file: Uint8Array, depth: 8 | 16): Promise<Buffer> {
  return sharp(file, { ignoreIcc: true })
    .toColourspace(depth === 16 ? 'rgb16' : 'srgb')
    .raw({ depth: depth === 16 ? 'ushort' : 'uchar' })
    .toBuffer();
}

const TINY_W = 5;
const TINY_H = 3;
const TINY = Uint8Array.from({ length: TINY_W * TINY_H * 3 }, (_, i) => (i * 29 + 7) & 255);
const TAGS: { ifd0: Spec[]; exif: Spec[]; gps: Spec[]; interop: Spec[] } = {
  ifd0: [
    { tag: MAKE, type: 2, values: 'Acme Cameras' },
    { tag: MODEL, type: 2, values: 'MM-1' },
    { tag: COPYRIGHT, type: 2, values: 'Studio' },
    { tag: 0x0131, type: 2, values: 'Capture Two 1.0' }, // Software
    { tag: 0x011a, type: 5, values: [300, 1] },
    { tag: 0x011b, type: 5, values: [300, 1] },
    { tag: 0x0128, type: 3, values: [2] },
    { tag: 0x8773, type: 7, values: [1, 2, 3, 4, 5, 6] }, // ICC-like structural data: not descriptive, not kept
  ],
  exif: [
    { tag: 0x829a, type: 5, values: [1, 125] },
    { tag: DATE_TIME_ORIGINAL, type: 2, values: '2023:01:02 03:04:05' },
    { tag: 0x8827, type: 3, values: [400] },
  ],
  gps: [
    { tag: 0x0001, type: 2, values: 'S' },
    { tag: GPS_LATITUDE, type: 5, values: [33, 1, 52, 1, 1, 10] },
  ],
  interop: [{ tag: 0x0001, type: 2, values: 'R98' }],
};

describe('TIFF sources keep their EXIF', () => {
  it('an 8- and 16-bit TIFF with EXIF (our writer) loads with it; JPEG, PNG, WebP and TIFF exports keep it', async () => {
    const jpeg = await cameraJpeg();
    const photo = await loadPhoto(jpeg);
    const sixteen: Photo = {
      ...photo,
      depth: 16,
      pixels: Uint16Array.from(photo.pixels, (v, i) => v * 257 + (i % 7)),
    };
    for (const p of [photo, sixteen]) {
      const tif = await exportImage(p, { format: 'tiff' });
      expect((await sharp(tif).metadata()).exif).toBeUndefined(); // the premise: libvips gives none
      const src = await loadPhoto(tif);
      expect([src.width, src.height, src.depth, src.format]).toEqual([160, 240, p.depth, 'tiff']);
      expect(bytesOf(src.pixels).equals(bytesOf(p.pixels))).toBe(true);
      expect(Buffer.from(src.icc!).equals(Buffer.from(photo.icc!))).toBe(true);
      expect(src.exif).not.toBeNull();
      expect(Buffer.from(src.exif!.subarray(0, 8)).toString('latin1')).toBe('Exif\0\0II');

      for (const format of ['jpeg', 'png', 'webp'] as const) {
        const out = await exportImage(src, { format, quality: 100 });
        const m = await sharp(out).metadata();
        expect([format, m.orientation, m.width, m.height]).toEqual([format, 1, 160, 240]);
        const exif = exifForTiff(new Uint8Array(m.exif!))!;
        expect([
          ascii(exif.ifd0, MAKE),
          ascii(exif.ifd0, MODEL),
          ascii(exif.ifd0, COPYRIGHT),
          ascii(exif.exif, DATE_TIME_ORIGINAL),
        ]).toEqual(['Acme', 'Lens-o-matic 9', 'Maskroom test', '2024:05:06 07:08:09']);
        expect(exif.gps.find((e) => e.tag === GPS_LATITUDE)?.count).toBe(3);
      }
      const png = await exportImage(src, { format: 'png' });
      const pngRaw = await rawOf(png, p.depth);
      expect(pngRaw.equals(bytesOf(p.pixels))).toBe(true); // pixels unchanged through TIFF and back

      // TIFF → TIFF: the same tags as the first TIFF export, pixels unchanged.
      const again = await exportImage(src, { format: 'tiff' });
      expect((await rawOf(again, p.depth)).equals(bytesOf(p.pixels))).toBe(true);
      const first = readTiff(tif);
      const second = readTiff(again);
      for (const tag of [MAKE, MODEL, COPYRIGHT, 0x013b, 0x0132, 0x011a, 0x011b, 0x0128])
        expect([tag, second.ifd0.get(tag)?.value]).toEqual([tag, first.ifd0.get(tag)?.value]);
      expect(second.ifd0.get(ORIENTATION)?.value).toEqual([1]);
      expect(Object.keys(plain(first.exif)).length).toBeGreaterThanOrEqual(3);
      expect(plain(second.exif)).toEqual(plain(first.exif));
      expect(plain(second.gps)).toEqual(plain(first.gps));
      expect(plain(second.interop)).toEqual(plain(first.interop));
    }
  });

  it('reads II and MM TIFFs (Orientation 6 applied on open, kept in Photo.exif, 1 in exports)', async () => {
    for (const le of [true, false]) {
      const tif = buildTiffFile(le, TINY_W, TINY_H, TINY, {
        ...TAGS,
        ifd0: [...TAGS.ifd0, { tag: ORIENTATION, type: 3, values: [6] }],
      });
      const photo = await loadPhoto(tif);
      // Orientation 6: shown rotated 90° clockwise, so upright(x, y) = stored(y, H - 1 - x).
      expect([photo.width, photo.height]).toEqual([TINY_H, TINY_W]);
      const want = new Uint8Array(TINY.length);
      for (let y = 0; y < TINY_W; y++)
        for (let x = 0; x < TINY_H; x++)
          for (let c = 0; c < 3; c++)
            want[(y * TINY_H + x) * 3 + c] = TINY[((TINY_H - 1 - x) * TINY_W + y) * 3 + c]!;
      expect(bytesOf(photo.pixels).equals(Buffer.from(want))).toBe(true);

      expect(exifOrientation(photo.exif!)).toBe(6);
      const block = readTiff(photo.exif!);
      expect(block.le).toBe(true);
      expect(plain(block.ifd0)).toEqual({
        [MAKE]: 'Acme Cameras\0',
        [MODEL]: 'MM-1\0',
        [COPYRIGHT]: 'Studio\0',
        0x0131: 'Capture Two 1.0\0',
        0x011a: [300, 1],
        0x011b: [300, 1],
        0x0128: [2],
        [ORIENTATION]: [6],
      }); // no structural tag (width, strips, …) and not the unknown 0x8773
      expect(plain(block.exif)).toEqual({
        0x829a: [1, 125],
        [DATE_TIME_ORIGINAL]: '2023:01:02 03:04:05\0',
        0x8827: [400],
      });
      expect(plain(block.gps)).toEqual({ 0x0001: 'S\0', [GPS_LATITUDE]: [33, 1, 52, 1, 1, 10] });
      expect(plain(block.interop)).toEqual({ 0x0001: 'R98\0' });

      const jpeg = await exportImage(photo, { format: 'jpeg', quality: 95 });
      const m = await sharp(jpeg).metadata();
      expect([m.orientation, m.width, m.height]).toEqual([1, TINY_H, TINY_W]);
      const exif = exifForTiff(new Uint8Array(m.exif!))!;
      expect([ascii(exif.ifd0, MAKE), ascii(exif.exif, DATE_TIME_ORIGINAL)]).toEqual([
        'Acme Cameras',
        '2023:01:02 03:04:05',
      ]);
      const out = readTiff(await exportImage(photo, { format: 'tiff' }));
      expect([out.ifd0.get(MAKE)?.value, out.ifd0.get(ORIENTATION)?.value]).toEqual(['Acme Cameras\0', [1]]);
      expect(plain(out.gps)).toEqual(plain(block.gps));
    }
  });

  it('a TIFF whose metadata IFDs are corrupt still loads and exports, without what is broken', async () => {
    const good = buildTiffFile(true, TINY_W, TINY_H, TINY, TAGS);
    const dv = new DataView(good.buffer);
    const ifd0 = dv.getUint32(4, true);
    const entryOf = (ifd: number, tag: number) => {
      for (let i = 0; i < dv.getUint16(ifd, true); i++)
        if (dv.getUint16(ifd + 2 + i * 12, true) === tag) return ifd + 2 + i * 12;
      throw new Error(`no tag ${tag}`);
    };
    const gpsAt = dv.getUint32(entryOf(ifd0, 0x8825) + 8, true);
    const patch = (f: (d: DataView) => void) => {
      const b = new Uint8Array(good);
      f(new DataView(b.buffer));
      return b;
    };
    const cases: {
      name: string;
      file: Uint8Array;
      make: string | undefined;
      dto: string | undefined;
      gps: boolean;
    }[] = [
      {
        name: 'Exif pointer outside the file',
        file: patch((d) => d.setUint32(entryOf(ifd0, 0x8769) + 8, 0xfffffff0, true)),
        make: 'Acme Cameras',
        dto: undefined,
        gps: true,
      },
      {
        name: 'Exif and GPS pointers looping to IFD0',
        file: patch((d) => {
          d.setUint32(entryOf(ifd0, 0x8769) + 8, ifd0, true);
          d.setUint32(entryOf(ifd0, 0x8825) + 8, ifd0, true);
        }),
        make: 'Acme Cameras',
        dto: undefined,
        gps: false,
      },
      {
        name: "GPS IFD's entry count past the end",
        file: patch((d) => d.setUint16(gpsAt, 0xffff, true)),
        make: 'Acme Cameras',
        dto: '2023:01:02 03:04:05',
        gps: false,
      },
      {
        name: "Make's value outside the file",
        file: patch((d) => d.setUint32(entryOf(ifd0, MAKE) + 8, 0x7ffffff0, true)),
        make: undefined,
        dto: '2023:01:02 03:04:05',
        gps: true,
      },
    ];
    for (const c of cases) {
      const photo = await loadPhoto(c.file);
      expect([c.name, bytesOf(photo.pixels).equals(Buffer.from(TINY))]).toEqual([c.name, true]);
      const jpeg = await exportImage(photo, { format: 'jpeg' });
      const m = await sharp(jpeg).metadata();
      const exif = m.exif ? exifForTiff(new Uint8Array(m.exif)) : null;
      expect([c.name, ascii(exif?.ifd0, MAKE), ascii(exif?.exif, DATE_TIME_ORIGINAL)]).toEqual([
        c.name,
        c.make,
        c.dto,
      ]);
      const tif = await exportImage(photo, { format: 'tiff' });
      expect((await rawOf(tif, 8)).equals(Buffer.from(TINY))).toBe(true);
      expect([c.name, readTiff(tif).gps !== null]).toEqual([c.name, c.gps]);
    }
    // An unreadable IFD0 or header: no EXIF, nothing thrown.
    for (const bad of [
      new Uint8Array(0),
      good.subarray(0, 7),
      good.subarray(0, ifd0 + 4),
      Uint8Array.from(good, (v, i) => (i === 2 ? 43 : v)),
    ])
      expect(exifFromTiffFile(bad)).toBeNull();
  });

  it('never throws on random corruption of the metadata; the file still loads with the same pixels (fuzz, seeded)', async () => {
    const rand = rng(7);
    const t0 = Date.now();
    for (const le of [true, false]) {
      const good = buildTiffFile(le, TINY_W, TINY_H, TINY, TAGS);
      // The sub-IFDs are written before IFD0: [8, IFD0) is theirs; libtiff never reads it to decode.
      const ifd0 = new DataView(good.buffer).getUint32(4, le);
      for (let k = 0; k < 150; k++) {
        const file = new Uint8Array(good);
        for (let f = 1 + Math.floor(rand() * 10); f > 0; f--)
          file[8 + Math.floor(rand() * (ifd0 - 8))] = Math.floor(rand() * 256);
        const exif = exifFromTiffFile(file);
        if (exif) {
          expect(exif.length).toBeLessThanOrEqual(EXIF_BLOCK_MAX);
          readTiff(exif); // a sane structure: sorted tags, values inside, sub-IFDs terminated
        }
        if (k % 10 === 0) {
          const photo = await loadPhoto(file);
          expect(bytesOf(photo.pixels).equals(Buffer.from(TINY))).toBe(true);
          await sharp(await exportImage(photo, { format: 'jpeg' })).metadata();
          readTiff(await exportImage(photo, { format: 'tiff' }));
        }
        // Anywhere in the file (IFD0 included): the reader alone never throws.
        const any = new Uint8Array(good);
        for (let f = 1 + Math.floor(rand() * 10); f > 0; f--)
          any[Math.floor(rand() * any.length)] = Math.floor(rand() * 256);
        const x = exifFromTiffFile(any);
        if (x) readTiff(x);
      }
    }
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('the block fits a JPEG APP1 segment: a huge XMP is left out, a small one kept', async () => {
    const raw = Buffer.from(TINY);
    const tiffWithXmp = async (size: number) =>
      new Uint8Array(
        await sharp(raw, { raw: { width: TINY_W, height: TINY_H, channels: 3 } })
          .withMetadata({ orientation: 3 })
          .withXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/">${'a'.repeat(size)}</x:xmpmeta>`)
          .tiff()
          .toBuffer(),
      );
    const small = exifFromTiffFile(await tiffWithXmp(500))!;
    expect(readTiff(small).ifd0.get(700)?.count).toBeGreaterThan(500);
    const hugeFile = await tiffWithXmp(100_000);
    expect(tiffFileMetadata(hugeFile)!.ifd0.find((e) => e.tag === 700)?.count).toBeGreaterThan(100_000);
    const huge = exifFromTiffFile(hugeFile)!;
    expect(huge.length).toBeLessThanOrEqual(EXIF_BLOCK_MAX);
    const read = readTiff(huge);
    expect([read.ifd0.has(700), read.ifd0.get(ORIENTATION)?.value]).toEqual([false, [3]]);
    const photo = await loadPhoto(hugeFile);
    const m = await sharp(await exportImage(photo, { format: 'jpeg' })).metadata();
    expect(m.orientation).toBe(1);
  });
});
