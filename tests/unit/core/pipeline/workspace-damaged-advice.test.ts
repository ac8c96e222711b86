/**
 * The app's sentences for a damaged layer (its thumbnail, its pixels, an export, a save back) give the advice
 * that fits the damage: a rectangle project.json puts outside the photo is mended by restoring project.json
 * (the layer's files are intact), a missing layer file by putting it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ellipseMask, fixture } from './fixtures';
import { editInTurn, lastProjectState, restartOn, workspaceHarness } from './workspace-harness';
import { fakeApi } from './fake-api';

let lib: string;
let dir: string;
let projectId: string;
let layerId: string;
let good: string;

async function findProjectDir(root: string): Promise<string> {
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(root, e.name);
    if (
      await fs.stat(path.join(sub, 'project.json')).then(
        () => true,
        () => false,
      )
    )
      return sub;
    const deeper = await findProjectDir(sub).catch(() => '');
    if (deeper) return deeper;
  }
  throw new Error(`no project under ${root}`);
}

beforeAll(async () => {
  const h = await workspaceHarness(fakeApi().api);
  const created = await h.ws.createProject({ name: 'coffee.png', photo: await fixture('coffee.png') });
  projectId = created.id;
  await editInTurn(h, projectId, ['latte art'], () => ellipseMask(600, 400, 300, 200, 80, 50));
  layerId = lastProjectState(h)!.layers[0]!.id;
  lib = (await h.settings.get()).libraryDir;
  dir = await findProjectDir(lib);
  good = await fs.readFile(path.join(dir, 'project.json'), 'utf8');
  await h.ws.dispose();
}, 60_000);

afterAll(async () => {
  await fs.rm(path.dirname(lib), { recursive: true, force: true });
});

/** A fresh app over the library, the project opened, and what its damaged layer's requests say. */
async function sentences(): Promise<string[]> {
  const h = await restartOn(lib, fakeApi().api);
  await h.ws.openProject({ projectId });
  const said: string[] = [];
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => said.push('(no error)'),
      (e: Error) => said.push(e.message),
    );
  await fail(h.ws.render({ projectId, target: { kind: 'thumbnail', layerId } }));
  await fail(h.ws.render({ projectId, target: { kind: 'patch', layerId } }));
  await fail(h.ws.exportImage({ projectId, format: 'png' }));
  await h.ws.dispose();
  return said;
}

describe('a damaged layer in the app', () => {
  it('is told to restore project.json when its rectangle lies outside the photo', async () => {
    const m = JSON.parse(good);
    m.layers[0].rect = { ...m.layers[0].rect, x: -7 };
    await fs.writeFile(path.join(dir, 'project.json'), JSON.stringify(m, null, 2));
    const said = await sentences();
    for (const s of said) {
      expect(s).toMatch(/restore project\.json from a backup/);
      expect(s).not.toMatch(/put the file back/);
    }
  });

  it('is told to put the file back when its patch file is missing', async () => {
    await fs.writeFile(path.join(dir, 'project.json'), good);
    const layers = path.join(dir, 'layers');
    const patch = (await fs.readdir(layers)).find((f) => f.startsWith(layerId) && f.includes('patch'));
    expect(patch).toBeDefined();
    await fs.rename(path.join(layers, patch!), path.join(dir, 'moved-away.png'));
    const said = await sentences();
    for (const s of said) {
      expect(s).toMatch(/put the file back/);
      expect(s).not.toMatch(/project\.json/);
    }
  });
});
