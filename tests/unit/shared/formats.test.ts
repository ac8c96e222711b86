/**
 * The format table is true of the code: each format it says Maskroom opens decodes, each export format is
 * written as that format (PSD checked by ImageMagick), every save-back format is one that both opens and
 * exports, names map to formats in any case, and the contract's ExportFormat is the table's export rows.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ExportFormat } from '../../../shared/contract';
import {
  EXPORT_FORMAT_IDS,
  FORMATS,
  OPEN_ACCEPT,
  OPEN_EXTENSIONS,
  exportFormatOfName,
  formatOfName,
  openLabels,
  type ExportFormatId,
} from '../../../shared/formats';
import { exportImage, loadPhoto, type Photo } from '../../../electron/core/imaging';
import { magickLayers, psdFile } from '../core/imaging/psd-reader';

const small = (): Photo => {
  const pixels = new Uint8Array(12 * 8 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) & 255;
  return { width: 12, height: 8, channels: 3, depth: 8, pixels, icc: null, exif: null, format: 'png' };
};

describe('the format table', () => {
  it('is what the contract accepts for export', () => {
    expect([...ExportFormat.options]).toEqual([...EXPORT_FORMAT_IDS]);
    expect(FORMATS.filter((f) => f.exports).map((f) => f.id)).toEqual([...EXPORT_FORMAT_IDS]);
  });

  it('maps every extension, in any case, to its format, and nothing else', () => {
    for (const f of FORMATS)
      for (const e of f.extensions)
        for (const name of [
          `a.${e}`,
          `My Photo.${e.toUpperCase()}`,
          `x.y.${e[0]!.toUpperCase()}${e.slice(1)}`,
        ]) {
          expect(formatOfName(name)?.id, name).toBe(f.id);
          expect(exportFormatOfName(name), name).toBe(f.exports ? f.id : null);
        }
    for (const name of ['a.heic', 'a.heif', 'a.bmp', 'a', 'jpg', 'a.jpg.txt'])
      expect(formatOfName(name), name).toBeUndefined();
  });

  it('opens what it says: each open format decodes; HEIC, HEIF and PSD are not claimed', async () => {
    for (const f of FORMATS.filter((x) => x.opens)) {
      const raw = sharp(Buffer.from(small().pixels), { raw: { width: 12, height: 8, channels: 3 } });
      const bytes = new Uint8Array(await raw.toFormat(f.id as keyof sharp.FormatEnum).toBuffer());
      const p = await loadPhoto(bytes);
      expect([p.width, p.height], f.id).toEqual([12, 8]);
      for (const e of f.extensions) {
        expect(OPEN_EXTENSIONS).toContain(e);
        expect(OPEN_ACCEPT.split(',')).toContain(`.${e}`);
      }
    }
    for (const e of ['heic', 'heif', 'psd']) expect(OPEN_EXTENSIONS).not.toContain(e);
    expect(openLabels()).toBe('JPEG, PNG, TIFF, WebP, AVIF or GIF');
  });

  it('exports what it says, as that format', async () => {
    for (const id of EXPORT_FORMAT_IDS) {
      const data = await exportImage(small(), { format: id });
      if (id === 'psd') expect(magickLayers(psdFile(data))[0]).toMatchObject({ width: 12, height: 8 });
      else expect((await sharp(data).metadata()).format, id).toBe(id === 'tiff' ? 'tiff' : id);
    }
  });

  it('saves back only into formats it both opens and exports', () => {
    const back = FORMATS.filter((f) => f.savesBack);
    expect(back.map((f) => f.id)).toEqual(['jpeg', 'png', 'tiff', 'webp']);
    for (const f of back) {
      expect(f.opens && f.exports, f.id).toBe(true);
      expect(EXPORT_FORMAT_IDS).toContain(f.id as ExportFormatId);
    }
  });
});
