/**
 * A file that is not a photo Maskroom opens is refused in a sentence that names it, when the caller knows
 * its name (the CLI's --image path, the name of a file dropped in the app), as every other sentence about
 * an input file does; without a name the sentences are as before.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { loadPhoto, maskFromFile, probePhoto } from '../../../../electron/core/imaging';
import { fakeApi } from '../pipeline/fake-api';
import { workspaceHarness } from '../pipeline/workspace-harness';
import { psdHeader } from '../../../support/fixtures';

function heicBox(): Uint8Array<ArrayBuffer> {
  const box = new Uint8Array(64);
  new DataView(box.buffer).setUint32(0, 24);
  box.set(new TextEncoder().encode('ftypheic\0\0\0\0mif1heic'), 4);
  return box;
}

/** Every kind of file that is not a photo Maskroom opens, as the user may hand it over. */
async function notPhotos(): Promise<Array<[string, Uint8Array<ArrayBuffer>]>> {
  const jpeg = new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#884422' } })
      .jpeg()
      .toBuffer(),
  );
  const png = new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#224488' } })
      .png()
      .toBuffer(),
  );
  return [
    ['a Photoshop document', psdHeader(16, 16)],
    ['a HEIC photo', heicBox()],
    ['words in a file', new TextEncoder().encode('not an image at all\n'.repeat(40))],
    ['an SVG', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')],
    ['an empty file', new Uint8Array(0)],
    ['a truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2))],
    ['the first bytes of a JPEG', jpeg.subarray(0, 40)],
    ['a truncated PNG', png.subarray(0, Math.floor(png.length / 2))],
  ];
}

const NAMES = ['shot.psd', 'IMG_0001.HEIC', '/home/ana/Photos/2024 wedding/Ω final.jpg', 'photo'];

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

/** One sentence for people: a capital first, a full stop last and none in between. */
function oneSentence(message: string): void {
  expect(message).toMatch(/^[A-Z].*\.$/s);
  expect(message).not.toMatch(/\n/);
}

describe('a file that is not a photo is named', () => {
  it('by loadPhoto and probePhoto, for every kind of such file and every name', async () => {
    for (const [kind, bytes] of await notPhotos()) {
      const unnamed = await refusal(loadPhoto(bytes));
      expect(unnamed.code, kind).toBe('unsupported-image');
      expect(unnamed.message, kind).not.toMatch(/undefined|The file {2}/);
      for (const name of NAMES) {
        for (const [how, run] of [
          ['loadPhoto', () => loadPhoto(bytes, undefined, name)],
          ['probePhoto', () => probePhoto(bytes, undefined, name)],
        ] as const) {
          if (how === 'probePhoto' && kind.startsWith('a truncated')) continue; // the header reads
          const e = await refusal(run());
          expect(e.code, `${how} ${kind}`).toBe('unsupported-image');
          expect(e.message, `${how} ${kind}`).toContain(`The file ${name} `);
          oneSentence(e.message);
          // The same advice as without a name: only the subject changed.
          expect(e.message.split('; ')[1], `${how} ${kind}`).toBe(unnamed.message.split('; ')[1]);
        }
      }
    }
  });

  it('by maskFromFile, for a mask file that does not read', async () => {
    for (const [kind, bytes] of await notPhotos()) {
      // Those whose header gives a size are refused for their size instead (an SVG, a truncated JPEG).
      if (
        !['a Photoshop document', 'a HEIC photo', 'words in a file', 'the first bytes of a JPEG'].includes(
          kind,
        )
      )
        continue;
      for (const name of NAMES) {
        const e = await refusal(maskFromFile(bytes, 16, 16, name));
        expect(e.code, kind).toBe('unsupported-image');
        expect(e.message, kind).toContain(`The mask file ${name} could not be read;`);
        oneSentence(e.message);
      }
    }
  });

  it('by the app when a dropped file becomes a project (project:create names it)', async () => {
    const { ws, root } = await workspaceHarness(fakeApi().api);
    try {
      for (const [kind, bytes] of await notPhotos()) {
        const e = await refusal(ws.createProject({ name: 'shot.psd', photo: bytes }));
        expect(e.code, kind).toBe('unsupported-image');
        expect(e.message, kind).toMatch(/^The file shot\.psd /);
      }
      // Nothing was made from any of them.
      const lib = await fs.readdir(path.join(root, 'lib')).catch(() => []);
      expect(lib).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
