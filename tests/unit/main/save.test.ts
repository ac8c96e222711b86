/**
 * Save As: main asks where and has the workspace write the export into that file (a fake exporter here;
 * export-save-as.test.ts runs the real one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { HandlerTable } from '../../../electron/core/handlers';
import { saveAs } from '../../../electron/main/export';
import { tempDir } from '../../support/temp';

let t: ReturnType<typeof tempDir>;
let exported: { format: string; quality?: number }[];
let offered: string[];

const table = {
  'projects:list': async () => [
    { id: 'p1', name: 'Beach Day.jpg', width: 4, height: 3, layerCount: 1, updatedAt: '' },
  ],
  'export:image': async () => {
    throw new Error('Save As must not export in memory');
  },
} as unknown as HandlerTable;

const exporter = {
  exportImageToFile: async (req: { format: string; quality?: number }, file: unknown) => {
    exported.push(req);
    if (typeof file !== 'string') throw new Error('Save As names the file itself');
    writeFileSync(file, `bytes as ${req.format}`);
    return { file, bytes: 0 };
  },
};

beforeEach(() => {
  t = tempDir('maskroom-save-');
  exported = [];
  offered = [];
});
afterEach(() => t.cleanup());

const deps = (answer: (offeredPath: string) => string | null) => ({
  table,
  exporter,
  defaultDir: t.dir,
  chooseFile: async (p: string) => {
    offered.push(p);
    return answer(p);
  },
  confirmReplace: async () => false,
});

describe('saveAs', () => {
  it('offers <Pictures>/<photo name>.<ext> and writes the export where the user chose', async () => {
    const res = await saveAs(
      deps((p) => p),
      { projectId: 'p1', format: 'tiff', quality: 90 },
    );
    expect(res).toEqual({ ok: true, value: { saved: true } });
    expect(offered).toEqual([path.join(t.dir, 'Beach Day.tif')]);
    expect(readFileSync(path.join(t.dir, 'Beach Day.tif'), 'utf8')).toBe('bytes as tiff');
    expect(exported).toEqual([{ projectId: 'p1', format: 'tiff', quality: 90 }]);
    expect(readdirSync(t.dir)).toEqual(['Beach Day.tif']);
  });

  it('lets the typed extension choose the format, and adds one when none is typed', async () => {
    await saveAs(
      deps(() => path.join(t.dir, 'final.webp')),
      { projectId: 'p1', format: 'jpeg' },
    );
    expect(readFileSync(path.join(t.dir, 'final.webp'), 'utf8')).toBe('bytes as webp');
    await saveAs(
      deps(() => path.join(t.dir, 'final')),
      { projectId: 'p1', format: 'png' },
    );
    expect(readFileSync(path.join(t.dir, 'final.png'), 'utf8')).toBe('bytes as png');
  });

  it('writes nothing when the user cancels, and refuses a malformed request before asking', async () => {
    expect(
      await saveAs(
        deps(() => null),
        { projectId: 'p1', format: 'png' },
      ),
    ).toEqual({
      ok: true,
      value: { saved: false },
    });
    expect(exported).toEqual([]);
    const bad = await saveAs(
      deps((p) => p),
      { projectId: 'p1', format: 'bmp', path: '/etc/passwd' },
    );
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(offered).toHaveLength(1);
    expect(existsSync(path.join(t.dir, 'Beach Day.png'))).toBe(false);
  });
});
