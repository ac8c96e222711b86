/**
 * A damaged layer's sentence gives the advice its reason calls for: a rectangle project.json puts outside
 * the photo is fixed by restoring project.json from a backup (putting the layer file back cannot help, the
 * file is intact); a missing or cut-short layer file by putting it back; a layer with both faults, both.
 * Over seeded random damage (which file, how, which rectangle), each sentence checked against its cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EditParams } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession, runEdit } from '../../../../electron/core/pipeline';
import { catProject, ellipseOn } from '../pipeline/fixtures';
import { fakeApi } from '../pipeline/fake-api';
import { pick, rng } from '../../../support/prng';

let dir: string;
let good: string;
let layerFiles: Map<string, Buffer>;
let W: number;
let H: number;

beforeAll(async () => {
  const made = await catProject('maskroom-damage-advice-');
  dir = made.dir;
  W = made.photo.width;
  H = made.photo.height;
  await runEdit(
    made.session,
    {
      prompt: 'a hat',
      params: EditParams.parse({ quality: 'low' }),
      feather: 2,
      colorMatch: true,
      mask: await ellipseOn(made.photo, 120, 100, 40, 30),
      references: [],
    },
    { api: fakeApi().api, transport: 'upload', mode: 'async' },
    {},
  );
  await made.session.close();
  await made.store.close();
  good = await fs.readFile(path.join(dir, 'project.json'), 'utf8');
  layerFiles = new Map();
  for (const n of await fs.readdir(path.join(dir, 'layers')))
    layerFiles.set(n, await fs.readFile(path.join(dir, 'layers', n)));
}, 60_000);

afterAll(async () => {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

/** The project as it was made, then damaged as drawn. */
async function damage(r: () => number): Promise<{ rect: boolean; file: boolean }> {
  await fs.writeFile(path.join(dir, 'project.json'), good);
  for (const [n, b] of layerFiles) await fs.writeFile(path.join(dir, 'layers', n), b);
  const kind = pick(r, ['rect', 'file', 'both'] as const);
  const m = JSON.parse(good);
  const layer = m.layers[0];
  if (kind !== 'file') {
    const rect = layer.rect;
    switch (pick(r, ['negative', 'past', 'zero', 'fraction'] as const)) {
      case 'negative':
        rect.x = -1 - Math.floor(r() * 50);
        break;
      case 'past':
        rect.y = H - rect.height + 1 + Math.floor(r() * 40);
        break;
      case 'zero':
        rect.width = 0;
        break;
      case 'fraction':
        rect.x += 0.5;
        break;
    }
    expect(
      rect.x + rect.width > W ||
        rect.y + rect.height > H ||
        rect.x < 0 ||
        rect.width === 0 ||
        !Number.isInteger(rect.x),
    ).toBe(true);
    await fs.writeFile(path.join(dir, 'project.json'), JSON.stringify(m, null, 2));
  }
  if (kind !== 'rect') {
    const f = path.join(dir, 'layers', layer.files[pick(r, ['patch', 'mask', 'thumb'] as const)]);
    if (r() < 0.5) await fs.rm(f);
    else await fs.truncate(f, Math.floor(r() * 100));
  }
  return { rect: kind !== 'file', file: kind !== 'rect' };
}

describe('the damaged-layer sentence', () => {
  it('advises restoring project.json for a bad rectangle, putting the file back for a bad file, both for both', async () => {
    const r = rng(20261202);
    const seen = new Set<string>();
    for (let i = 0; i < 18; i++) {
      const cause = await damage(r);
      seen.add(`${cause.rect}/${cause.file}`);
      const store = await ProjectStore.open(dir);
      const s = new ProjectSession(store);
      try {
        const [l0] = store.layers();
        const e: unknown = await s.patchOf(l0!).then(
          () => null,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(AppError);
        const msg = (e as AppError).message;
        expect((e as AppError).code, msg).toBe('damaged-layer');
        expect(msg, msg).toMatch(/ or hide that layer\.$/);
        expect(/restore project\.json from a backup/.test(msg), msg).toBe(cause.rect);
        expect(/put the (layer )?files? back/.test(msg), msg).toBe(cause.file);
      } finally {
        await s.close();
        await store.close();
      }
    }
    expect(seen.size).toBe(3);
  }, 60_000);
});
