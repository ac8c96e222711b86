/**
 * Save As with a name typed without its extension: the dialog asked about the name as typed, so a file of
 * that name with the format's extension added is never replaced unless the user says so; declining goes
 * back to the dialog at that name. Over every export format, with and without an existing file, with and
 * without a yes (a fake exporter: save.test.ts and export-save-as.test.ts cover the writing itself).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HandlerTable } from '../../../electron/core/handlers';
import { replaceQuestion, saveAs, type SaveAsDeps } from '../../../electron/main/export';
import { FORMATS, extensionOf, type ExportFormatId } from '../../../shared/formats';
import { tempDir } from '../../support/temp';

let t: ReturnType<typeof tempDir>;

const table = {
  'projects:list': async () => [
    { id: 'p1', name: 'Beach Day.jpg', width: 4, height: 3, layerCount: 1, updatedAt: '' },
  ],
} as unknown as HandlerTable;

const exporter: SaveAsDeps['exporter'] = {
  exportImageToFile: async (req, file) => {
    if (typeof file !== 'string') throw new Error('Save As names the file itself');
    writeFileSync(file, `new ${req.format}`);
    return { file, bytes: 0 };
  },
};

const formats = FORMATS.filter((f) => f.exports).map((f) => f.id as ExportFormatId);

beforeEach(() => {
  t = tempDir('maskroom-save-overwrite-');
});
afterEach(() => t.cleanup());

describe('Save As of a name typed without an extension', () => {
  for (const format of formats) {
    for (const exists of [false, true]) {
      for (const yes of [false, true]) {
        it(`${format}: ${exists ? 'an existing' : 'no'} file with the extension, ${yes ? 'replace' : 'keep'} answered`, async () => {
          const typed = path.join(t.dir, 'final');
          const target = `${typed}.${extensionOf(format)}`;
          if (exists) writeFileSync(target, 'the old photo');
          const offered: string[] = [];
          const asked: string[] = [];
          // The first dialog gets the bare name; after a "keep", the user cancels the second one.
          const answers = [typed, null];
          const res = await saveAs(
            {
              table,
              exporter,
              defaultDir: t.dir,
              chooseFile: async (p) => (offered.push(p), answers.shift() ?? null),
              confirmReplace: async (file) => (asked.push(file), yes),
            },
            { projectId: 'p1', format },
          );
          expect(asked).toEqual(exists ? [target] : []);
          const replaced = !exists || yes;
          expect(res).toEqual({ ok: true, value: { saved: replaced } });
          expect(readFileSync(target, 'utf8')).toBe(replaced ? `new ${format}` : 'the old photo');
          // Declining goes back to the dialog, at the name that exists, so its own prompt covers it.
          expect(offered.slice(1)).toEqual(replaced ? [] : [target]);
          expect(readdirSync(t.dir)).toEqual([path.basename(target)]);
        });
      }
    }
  }

  it('a name typed with its extension is not asked about again (the dialog already asked)', async () => {
    const target = path.join(t.dir, 'final.png');
    writeFileSync(target, 'the old photo');
    const asked: string[] = [];
    const res = await saveAs(
      {
        table,
        exporter,
        defaultDir: t.dir,
        chooseFile: async () => target,
        confirmReplace: async (file) => (asked.push(file), false),
      },
      { projectId: 'p1', format: 'jpeg' },
    );
    expect(res).toEqual({ ok: true, value: { saved: true } });
    expect(asked).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('new png');
  });

  it('the question names the file that would be replaced, in one sentence, and why it was not asked before', () => {
    const q = replaceQuestion(path.join(t.dir, 'final.jpg'));
    expect(q.message).toBe('final.jpg already exists; replace it?');
    expect(q.detail).toContain(path.join(t.dir, 'final.jpg'));
    expect(q.detail).toContain('.jpg');
  });
});
