/**
 * exportFileError words only the faults of the export's own file, its temporary file beside it, or its
 * folder as faults of that folder. A fault naming another file (the project's photo or a layer, read while
 * the export is made, say on a library disk that went away) is left to the caller's generic wording with its
 * own path: blaming the folder the user chose, and telling them to choose another, would be wrong.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { exportFileError } from '../../../electron/core/export-file';
import { TEMP_MARKER } from '../../../electron/core/fs-atomic';
import { rng } from '../../support/prng';

/** The disk faults exportFileError puts in words. */
const CODES = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR'] as const;

const fault = (code: string, at: string) =>
  Object.assign(new Error(`${code}: open '${at}'`), { code, path: at, syscall: 'open' });

/** A folder of 1-4 random names under `base`. */
function folder(r: () => number, base: string): string {
  const n = 1 + Math.floor(r() * 4);
  return path.join(base, ...Array.from({ length: n }, (_, i) => `d${i}${Math.floor(r() * 1000)}`));
}

describe('the faults an export to a file words as its folder', () => {
  it('a fault of another file is not said as one of the chosen folder', () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const where = folder(r, path.sep === '/' ? '/home/u/Pictures' : 'C:\\Pictures');
      const file = path.join(where, `photo${i}-edited.png`);
      // A project's files elsewhere, a subfolder of the chosen one, or the folder above it.
      const others = [
        path.join(folder(r, '/library'), 'original.jpg'),
        path.join(where, 'sub', 'layer.png'),
        path.join(path.dirname(where), 'x.png'),
      ];
      for (const code of CODES) {
        for (const other of others)
          expect(exportFileError(fault(code, other), file, { temporary: r() < 0.5 }), other).toBeNull();
        // The file itself, the temporary one beside it, the folder (its flush): the folder's fault.
        for (const own of [file, `${file}${TEMP_MARKER}0123456789ab`, where]) {
          const err = exportFileError(fault(code, own), file);
          expect(err, `${code} ${own}`).not.toBeNull();
          expect(err!.message).toContain(where);
        }
      }
    }
  });
});
