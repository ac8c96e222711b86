/**
 * Drag-out: main has the workspace write the export into a file in its own folder (a fake exporter here;
 * export-save-as.test.ts runs the real one) and starts a native drag of that file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { createDragDir, dragOut, safeFileName } from '../../../electron/main/drag';
import { isInside } from '../../../electron/main/protocol';
import { tempDir } from '../../support/temp';

let t: ReturnType<typeof tempDir>;
let exported: unknown[];
let drags: { file: string; icon: unknown }[];
const sender = { startDrag: (item: { file: string; icon: unknown }) => void drags.push(item) };

/** Writes [1, 2, 3] where the drag asks, given the name the export would have. */
function exporter(fileName = '../../Beach Day.jpg') {
  return {
    exportImageToFile: async (req: { projectId: string }, target: string | ((name: string) => string)) => {
      exported.push(req);
      if (req.projectId === 'gone')
        throw new AppError('not-found', 'That project no longer exists; open it again.');
      const file = typeof target === 'string' ? target : target(fileName);
      writeFileSync(file, new Uint8Array([1, 2, 3]));
      return { file, bytes: 3 };
    },
  };
}

beforeEach(() => {
  t = tempDir('maskroom-drag-');
  exported = [];
  drags = [];
});
afterEach(() => t.cleanup());

const deps = (fileName?: string) => ({
  exporter: exporter(fileName),
  dir: t.dir,
  icon: async () => 'ICON' as never,
});

describe('dragOut', () => {
  it('exports, writes the file inside its own folder and drags that file', async () => {
    const res = await dragOut(deps(), sender, { projectId: 'p1', format: 'jpeg', layerId: 'l2' });
    expect(res).toEqual({ ok: true, value: { ok: true } });
    expect(exported).toEqual([{ projectId: 'p1', format: 'jpeg', layerId: 'l2' }]);
    expect(drags).toHaveLength(1);
    const file = drags[0]?.file ?? '';
    expect(isInside(t.dir, file)).toBe(true);
    expect(path.basename(file)).toBe('Beach Day.jpg');
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(drags[0]?.icon).toBe('ICON');
  });

  it('refuses an invalid request without exporting, and passes export errors on', async () => {
    for (const bad of [
      null,
      { projectId: '../x', format: 'png' },
      { projectId: 'p1', format: 'exe' },
      { projectId: 'p1', format: 'png', path: '/tmp/x' },
    ]) {
      expect(await dragOut(deps(), sender, bad)).toMatchObject({
        ok: false,
        error: { code: 'invalid-input' },
      });
    }
    expect(exported).toEqual([]);
    expect(await dragOut(deps(), sender, { projectId: 'gone', format: 'png' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'That project no longer exists; open it again.' },
    });
    expect(drags).toEqual([]);
    // A failed export leaves no folder behind in the drag folder.
    expect(readdirSync(t.dir)).toEqual([]);
    expect(existsSync(t.dir)).toBe(true);
  });
});

describe('safeFileName', () => {
  it('keeps a readable name with the format extension and nothing that leaves the folder', () => {
    expect(safeFileName('Beach Day.jpg', 'png')).toBe('Beach Day.png');
    expect(safeFileName('../../etc/passwd', 'jpeg')).toBe('passwd.jpg');
    expect(safeFileName('C:\\Users\\me\\a.tif', 'tiff')).toBe('a.tif');
    expect(safeFileName('a<b>c:d|e?.webp', 'webp')).toBe('a_b_c_d_e_.webp');
    expect(safeFileName('...', 'png')).toBe('maskroom-export.png');
    expect(safeFileName('CON.jpg', 'jpeg')).toBe('maskroom-export.jpg');
    expect(safeFileName('x\u0000y\n.png', 'png')).toBe('x_y_.png');
  });
});

describe('the drag folder', () => {
  it('is a fresh private folder with an unpredictable name on every run', async () => {
    const t = tempDir();
    try {
      const made = await Promise.all(Array.from({ length: 8 }, () => createDragDir(t.dir)));
      expect(new Set(made).size).toBe(made.length);
      for (const d of made) {
        expect(path.dirname(d)).toBe(t.dir);
        expect(path.basename(d)).toMatch(/^maskroom-drag-[A-Za-z0-9]{6}$/);
        expect(path.basename(d)).not.toContain(String(process.pid));
        if (process.platform !== 'win32') expect(statSync(d).mode & 0o777).toBe(0o700);
      }
    } finally {
      t.cleanup();
    }
  });
});
