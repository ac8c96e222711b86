import { describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EditParams } from '../../../../shared/contract';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession, runEdit } from '../../../../electron/core/pipeline';
import { maskFromFile, photoCacheStats, renderPreview, type Mask } from '../../../../electron/core/imaging';
import { catProject, ellipseMask, ellipseOn } from './fixtures';
import { fakeApi } from './fake-api';

const params = EditParams.parse({ quality: 'low' });
const job = (prompt: string, mask: Mask) => ({
  prompt,
  params,
  feather: 2,
  colorMatch: true,
  mask,
  references: [],
});
const deps = () => ({ api: fakeApi().api, transport: 'upload' as const, mode: 'async' as const });

/** A project of `n` layers, each an edit inside its own ellipse. */
async function deepProject(n: number) {
  const { dir, store, session, photo } = await catProject('maskroom-preview-');
  const layers = [];
  for (let i = 0; i < n; i++) {
    const cx = 60 + ((i * 37) % (photo.width - 120));
    const cy = 50 + ((i * 23) % (photo.height - 100));
    const mask = await ellipseOn(photo, cx, cy, 40, 30);
    layers.push(await runEdit(session, job(`edit ${i}`, mask), deps()));
  }
  return { dir, store, session, layers, photo };
}

/** A session on the project as a fresh open, with counters of what it reads from the store. */
async function reopen(dir: string) {
  const store = await ProjectStore.open(dir);
  const originals = vi.spyOn(store, 'readOriginal');
  const wholeFiles = vi.spyOn(store, 'readLayerFile');
  const fileParts = vi.spyOn(store, 'readLayerFilePart');
  /** The layers whose pixels were read: whole files, or parts past the head (a flatten reads heads first). */
  const layersRead = () =>
    new Set([
      ...wholeFiles.mock.calls.map((c) => c[0]),
      ...fileParts.mock.calls.filter((c) => (c[3] ?? 0) > 0).map((c) => c[0]),
    ]).size;
  const session = new ProjectSession(store);
  const decodes = () => photoCacheStats().decodes + photoCacheStats().hits;
  return { store, session, originals, wholeFiles, fileParts, layersRead, decodes };
}

describe('screen-sized previews in cache/', () => {
  it('reopening a deep project shows its current image, its original and a history state without decoding the photo or any layer', async () => {
    const { dir, session, layers } = await deepProject(10);
    const first = {
      current: await session.preview({ kind: 'current' }, 256),
      original: await session.preview({ kind: 'original' }, 256),
      third: await session.preview({ kind: 'layer', layerId: layers[2]!.id }, 256),
    };
    expect(Object.values(first).map((p) => p.cached)).toEqual([false, false, false]);
    await session.close();

    const o = await reopen(dir);
    const before = o.decodes();
    const again = {
      current: await o.session.preview({ kind: 'current' }, 256),
      original: await o.session.preview({ kind: 'original' }, 256),
      third: await o.session.preview({ kind: 'layer', layerId: layers[2]!.id }, 256),
    };
    for (const k of ['current', 'original', 'third'] as const) {
      expect(again[k].cached, k).toBe(true);
      expect(Buffer.from(again[k].data).equals(Buffer.from(first[k].data)), k).toBe(true);
      expect([again[k].width, again[k].height]).toEqual([first[k].width, first[k].height]);
    }
    expect(o.originals).not.toHaveBeenCalled();
    expect(o.wholeFiles).not.toHaveBeenCalled();
    expect(o.fileParts).not.toHaveBeenCalled();
    expect(o.decodes()).toBe(before);
    // Another size is another preview: rendered from the full image, which starts from the flattened cache
    // the first session wrote behind the answer once 8 layers were visible: the photo is not decoded, only
    // the 2 layers above the cached stack are read.
    expect((await o.session.preview({ kind: 'current' }, 200)).cached).toBe(false);
    expect(o.originals).not.toHaveBeenCalled();
    expect(o.layersRead()).toBe(layers.length - 8);
    // Without that file the full image is flattened from the original and every layer.
    await o.session.close();
    await fs.rm(path.join(dir, 'cache', 'current.bin'));
    const p = await reopen(dir);
    expect((await p.session.preview({ kind: 'current' }, 300)).cached).toBe(false);
    expect(p.originals).toHaveBeenCalledTimes(1);
    expect(p.layersRead()).toBe(layers.length);
    await p.session.close();
  });

  it('a preview is what rendering the flattened image gives, and hiding a layer shows another one', async () => {
    const { dir, store, session, layers } = await deepProject(4);
    const shown = await session.preview({ kind: 'current' }, 300);
    expect(
      Buffer.from(shown.data).equals(Buffer.from(await renderPreview(await session.current(), 300))),
    ).toBe(true);
    await session.settled();
    await store.setVisible(layers[1]!.id, false);
    const hidden = await session.preview({ kind: 'current' }, 300);
    expect(hidden.cached).toBe(false);
    expect(Buffer.from(hidden.data).equals(Buffer.from(shown.data))).toBe(false);
    expect(
      Buffer.from(hidden.data).equals(Buffer.from(await renderPreview(await session.current(), 300))),
    ).toBe(true);
    await session.close();

    // Shown again (in a fresh open): the earlier preview is reused, not a stale one of the hidden state.
    const o = await reopen(dir);
    await o.store.setVisible(layers[1]!.id, true);
    const back = await o.session.preview({ kind: 'current' }, 300);
    expect(back.cached).toBe(true);
    expect(Buffer.from(back.data).equals(Buffer.from(shown.data))).toBe(true);
    expect(o.originals).not.toHaveBeenCalled();
    await o.session.close();
  });

  it('a history state whose layer file went missing says so instead of showing its cached preview', async () => {
    const { dir, session, layers } = await deepProject(2);
    await session.preview({ kind: 'layer', layerId: layers[0]!.id }, 128);
    await session.close();
    await fs.rm(path.join(dir, 'layers', layers[0]!.files.patch));
    const o = await reopen(dir);
    await expect(o.session.preview({ kind: 'layer', layerId: layers[0]!.id }, 128)).rejects.toMatchObject({
      code: 'damaged-layer',
    });
    await o.session.close();
  });

  it('a preview file cut short is rendered again', async () => {
    const { dir, session } = await deepProject(1);
    const p = await session.preview({ kind: 'current' }, 128);
    await session.close();
    const names = (await fs.readdir(path.join(dir, 'cache'))).filter((n) => n.startsWith('preview-'));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      const f = path.join(dir, 'cache', n);
      const b = await fs.readFile(f);
      await fs.writeFile(f, b.subarray(0, b.length >> 1));
    }
    const o = await reopen(dir);
    const again = await o.session.preview({ kind: 'current' }, 128);
    expect(again.cached).toBe(false);
    expect(Buffer.from(again.data).equals(Buffer.from(p.data))).toBe(true);
    await o.session.close();
  });
});

describe('flattened cache on disk', () => {
  it('is rewritten only once the stack has grown enough past the one it holds', async () => {
    const { dir, store, session, photo } = await deepProject(2);
    const s = new ProjectSession(store, { diskCacheMinLayers: 1, diskCacheRefreshLayers: 3 });
    expect(await s.persistCache()).toBe(true);
    const written = async () => (await fs.stat(path.join(dir, 'cache', 'current.bin'))).mtimeMs;
    const t0 = await written();
    const mask = await maskFromFile(
      await ellipseMask(photo.width, photo.height, 100, 100, 30, 30),
      photo.width,
      photo.height,
    );
    await runEdit(s, job('three', mask), deps());
    await runEdit(s, job('four', mask), deps());
    expect(await s.persistCache()).toBe(false); // two layers past the cached stack: applied on open instead
    expect(await written()).toBe(t0);
    await runEdit(s, job('five', mask), deps());
    expect(await s.persistCache()).toBe(true);
    await s.close();
    void session;
  });
});
