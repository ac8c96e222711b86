/**
 * cache/current.bin as the session writes and reads it: raw pixels (MRFLAT2) that give back the flattened
 * image exactly for every depth and channel count, a file cut short or with a changed byte ignored, the
 * first (deflated) version still read, and the write behind the answer once the stack is deep enough. And
 * what a hide or an undo costs: a stack with layers taken out of a held one (in memory or on disk) is rebuilt
 * only where those layers were, bit-identical to a flatten from the original.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/project-session';
import {
  encodePatch,
  loadPhoto,
  makeThumbnail,
  type Patch,
  type Photo,
} from '../../../../electron/core/imaging';
import { appendPatchLayer, randomPhotoProject, randomSamples } from '../../../support/flatten';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A project whose original is a generated PNG of this depth and channel count, with `layers` random patches. */
async function project(
  depth: 8 | 16,
  channels: 3 | 4,
  layers: number,
  seed: number,
  place?: (width: number, height: number, i: number) => Rect,
) {
  const rand = rng(seed);
  const { dir, store, png, width, height } = await randomPhotoProject('maskroom-flatcache-', rand, {
    width: [40, 30],
    height: [30, 20],
    depth,
    channels,
  });
  for (let i = 0; i < layers; i++) {
    const w = 1 + Math.floor(rand() * (width / 2));
    const h = 1 + Math.floor(rand() * (height / 2));
    const rect = place?.(width, height, i) ?? {
      x: Math.floor(rand() * (width - w + 1)),
      y: Math.floor(rand() * (height - h + 1)),
      width: w,
      height: h,
    };
    const patch: Patch = { rect, depth, rgba: randomSamples(depth, rect.width * rect.height * 4, rand) };
    await appendPatchLayer(store, {
      rect,
      patch: await encodePatch(patch),
      prompt: `layer ${i}`,
      thumb: await makeThumbnail(patch, { format: 'webp' }),
    });
  }
  return { dir, store, png };
}

/** A fresh open with counters of what the session reads from the store. */
async function reopen(dir: string, opts: ConstructorParameters<typeof ProjectSession>[1] = {}) {
  const store = await ProjectStore.open(dir);
  const originals = vi.spyOn(store, 'readOriginal');
  const layerFiles = vi.spyOn(store, 'readLayerFile');
  return { store, session: new ProjectSession(store, opts), originals, layerFiles };
}

const cacheFile = (dir: string) => path.join(dir, 'cache', 'current.bin');
const same = (a: Photo, b: Photo) =>
  Buffer.from(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength).equals(
    Buffer.from(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength),
  );

describe('cache/current.bin', () => {
  it('holds the flattened image as raw pixels that read back exactly, for every depth and channel count', async () => {
    let seed = 1;
    for (const depth of [8, 16] as const)
      for (const channels of [3, 4] as const) {
        const what = `${depth} bit, ${channels} channels`;
        const { dir, store } = await project(depth, channels, 3, seed++);
        const first = new ProjectSession(store, { diskCacheMinLayers: 1, persistInBackground: false });
        const truth = await first.current();
        expect([truth.depth, truth.channels], what).toEqual([depth, channels]);
        expect(await first.persistCache(), what).toBe(true);
        await first.close();

        const bytes = await fs.readFile(cacheFile(dir));
        expect(bytes.subarray(0, 8).toString('latin1'), what).toBe('MRFLAT2\n');
        const pixelBytes = truth.width * truth.height * channels * (depth / 8);
        // Raw: the pixels are the file's last bytes, as they are in memory.
        const tail = bytes.subarray(bytes.length - pixelBytes);
        expect(tail.equals(Buffer.from(truth.pixels.buffer, truth.pixels.byteOffset, pixelBytes)), what).toBe(
          true,
        );
        expect((bytes.length - pixelBytes) % 8, what).toBe(0);

        const o = await reopen(dir, { diskCacheMinLayers: 1 });
        const again = await o.session.current();
        expect(same(again, truth), what).toBe(true);
        expect([again.width, again.height, again.depth, again.channels, again.format]).toEqual([
          truth.width,
          truth.height,
          truth.depth,
          truth.channels,
          truth.format,
        ]);
        expect(o.originals, what).not.toHaveBeenCalled();
        expect(o.layerFiles, what).not.toHaveBeenCalled();
        await o.session.close();

        // One changed byte, or a file cut short: ignored, the image comes from the original and the layers.
        for (const damage of [
          (b: Buffer) => {
            const c = Buffer.from(b);
            const at = c.length - 1 - (seed % 7);
            c[at] = c[at]! ^ 0x10;
            return c;
          },
          (b: Buffer) => b.subarray(0, b.length - 3),
        ]) {
          await fs.writeFile(cacheFile(dir), damage(bytes));
          const d = await reopen(dir, { diskCacheMinLayers: 1, persistInBackground: false });
          expect(same(await d.session.current(), truth), what).toBe(true);
          expect(d.originals, what).toHaveBeenCalledTimes(1);
          await d.session.close();
        }
      }
  });

  it('of the first version (deflated pixels, no CRC) is still read', async () => {
    const { dir, store } = await project(16, 3, 2, 99);
    const first = new ProjectSession(store, { persistInBackground: false });
    const truth = await first.current();
    const ids = store.visibleLayers().map((l) => l.id);
    await first.close();
    const header = Buffer.from(
      JSON.stringify({
        key: ids,
        width: truth.width,
        height: truth.height,
        channels: truth.channels,
        depth: truth.depth,
        format: truth.format,
        icc: null,
        exif: null,
      }),
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const px = zlib.deflateSync(
      Buffer.from(truth.pixels.buffer, truth.pixels.byteOffset, truth.pixels.byteLength),
    );
    await fs.mkdir(path.dirname(cacheFile(dir)), { recursive: true });
    await fs.writeFile(cacheFile(dir), Buffer.concat([Buffer.from('MRFLAT1\n'), len, header, px]));
    const o = await reopen(dir, { persistInBackground: false });
    expect(same(await o.session.current(), truth)).toBe(true);
    expect(o.originals).not.toHaveBeenCalled();
    await o.session.close();
  });

  it('is written behind the answer once the stack is deep enough, never by a read-only open or when told not to', async () => {
    const { dir, store, png } = await project(8, 3, 3, 7);
    await store.close();
    // Told not to, or too shallow (3 layers below the minimum of 4): nothing is written.
    for (const opts of [{ diskCacheMinLayers: 1, persistInBackground: false }, { diskCacheMinLayers: 4 }]) {
      const o = await reopen(dir, opts);
      await o.session.current();
      await o.session.close();
      await expect(fs.stat(cacheFile(dir))).rejects.toMatchObject({ code: 'ENOENT' });
    }
    // Read-only: nothing either.
    const ro = await ProjectStore.open(dir, { readOnly: true });
    const r = new ProjectSession(ro, { diskCacheMinLayers: 1 });
    await r.current();
    await r.close();
    await expect(fs.stat(cacheFile(dir))).rejects.toMatchObject({ code: 'ENOENT' });
    // Deep enough: the flatten's answer comes first, the file follows; settled() waits for it.
    const o = await reopen(dir, { diskCacheMinLayers: 1 });
    const truth = await o.session.current();
    await o.session.settled();
    const bytes = await fs.readFile(cacheFile(dir));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MRFLAT2\n');
    await o.session.close();
    // The next open reads it instead of the original and the layers.
    const next = await reopen(dir, { diskCacheMinLayers: 1 });
    expect(same(await next.session.current(), truth)).toBe(true);
    expect(next.originals).not.toHaveBeenCalled();
    expect(next.layerFiles).not.toHaveBeenCalled();
    await next.session.close();
    expect((await loadPhoto(png)).width).toBe(truth.width);
    // A hide is rebuilt from the file as it is, not written behind the answer again; new layers are.
    const keyOnDisk = async () => {
      const b = await fs.readFile(cacheFile(dir));
      return (JSON.parse(b.subarray(12, 12 + b.readUInt32LE(8)).toString()) as { key: string[] }).key;
    };
    const h = await reopen(dir, { diskCacheMinLayers: 1 });
    const all = h.store.layers().map((l) => l.id);
    expect(await keyOnDisk()).toEqual(all);
    await h.store.setVisible(all[1]!, false);
    await h.session.current();
    await h.session.settled();
    expect(await keyOnDisk()).toEqual(all);
    await h.session.close();
  });
});

describe('a stack with layers hidden or deleted from a held one', () => {
  it('is rebuilt where they were, bit-identical to a flatten from the original', async () => {
    const rand = rng(4242);
    let rebuilt = 0;
    for (let trial = 0; trial < 12; trial++) {
      const depth = trial % 2 ? 16 : 8;
      const channels = trial % 4 < 2 ? 3 : 4;
      const n = 4 + Math.floor(rand() * 6);
      const { dir, store } = await project(depth, channels, n, 1000 + trial);
      const fromDisk = trial % 4 === 1;
      let s = new ProjectSession(store, { diskCacheMinLayers: 1, persistInBackground: false });
      await s.current();
      if (fromDisk) {
        // The held stack is the file a previous session left.
        expect(await s.persistCache()).toBe(true);
        await s.close();
        const again = await ProjectStore.open(dir);
        s = new ProjectSession(again, { diskCacheMinLayers: 1, persistInBackground: false });
      }
      const st = s.store;
      const before = st.visibleLayers();
      // An undo (the top layer hidden), or a few layers anywhere hidden, or one deleted.
      const ids = st.layers().map((l) => l.id);
      const kind = trial % 3;
      if (kind === 0) await st.setVisible(ids.at(-1)!, false);
      else if (kind === 1) {
        for (const id of ids) if (rand() < 0.4) await st.setVisible(id, false);
      } else await st.deleteLayer(ids[Math.floor(rand() * ids.length)]!);
      const layerReads = vi.spyOn(st, 'readLayerFile');
      const now = st.visibleLayers();
      const got = await s.current();
      const reads = layerReads.mock.calls.length;
      // Only the layers reaching into the box around the ones taken out are read again (a full flatten once
      // that box covers more than half the frame).
      const gone = before.filter((l) => !now.some((k) => k.id === l.id)).map((l) => l.rect);
      if (gone.length > 0) {
        const x0 = Math.min(...gone.map((r) => r.x));
        const y0 = Math.min(...gone.map((r) => r.y));
        const x1 = Math.max(...gone.map((r) => r.x + r.width));
        const y1 = Math.max(...gone.map((r) => r.y + r.height));
        // A layer deleted before this session flattened anything (the held stack is the disk's) has no
        // known rectangle left: the full flatten then.
        const small = (x1 - x0) * (y1 - y0) <= 0.5 * st.width * st.height && !(fromDisk && kind === 2);
        const reaching = now.filter(
          (l) =>
            l.rect.x < x1 && x0 < l.rect.x + l.rect.width && l.rect.y < y1 && y0 < l.rect.y + l.rect.height,
        );
        // (The full flatten, planned front to back, reads no more than every layer: whole files only of
        // layers without a band index, the others by parts.)
        if (small) expect(reads, `trial ${trial}`).toBe(reaching.length);
        else expect(reads, `trial ${trial}`).toBeLessThanOrEqual(now.length);
        if (small) rebuilt++;
      }
      await s.close();
      // Truth: a fresh open without any cache.
      await fs.rm(path.join(dir, 'cache'), { recursive: true, force: true });
      const t = await reopen(dir, { persistInBackground: false });
      const want = await t.session.current();
      expect(same(got, want), `trial ${trial}`).toBe(true);
      await t.session.close();
    }
    expect(rebuilt).toBeGreaterThan(3);
  });

  it('reads only the layers that reach into the hidden one when the top layer is hidden', async () => {
    // Three layers in the left quarter, three in the right one: an undo of the top (right) one reads the
    // two below it there, not the left ones, and does not decode the original twice.
    const { dir, store } = await project(8, 3, 6, 77, (w, h, i) => ({
      x: i % 2 ? Math.floor((3 * w) / 4) : 0,
      y: i,
      width: Math.floor(w / 4),
      height: Math.floor(h / 2),
    }));
    await store.close();
    const o = await reopen(dir, { persistInBackground: false });
    const first = await o.session.current();
    o.layerFiles.mockClear();
    const top = o.store.layers().at(-1)!;
    await o.store.setVisible(top.id, false);
    const undone = await o.session.current();
    expect(o.layerFiles).toHaveBeenCalledTimes(2);
    expect(o.originals).toHaveBeenCalledTimes(1);
    expect(same(undone, first)).toBe(false);
    await o.session.close();
    await fs.rm(path.join(dir, 'cache'), { recursive: true, force: true });
    const t = await reopen(dir, { persistInBackground: false });
    expect(same(await t.session.current(), undone)).toBe(true);
    await t.session.close();
  });
});
