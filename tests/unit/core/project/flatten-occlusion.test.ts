/**
 * The flatten planned front to back (ProjectSession.applyPlanned): over random deep stacks where layers hide
 * each other (both photo depths, 3 and 4 channels, patches of either depth, feathered, hard-edged, opaque and
 * noisy alphas, layers at the frame's edges, banded files of bands from one row up among files without an
 * index and files written by libpng, hidden layers), the current image and the image after any layer are
 * those of the oracle: every visible patch decoded by libvips and applied whole, bottom to top, onto the
 * original. And the plan does leave out what is hidden: some layer files are never read past their head,
 * and of some only part of the pixel data is read.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../../../shared/contract';
import { ProjectSession } from '../../../../electron/core/project-session';
import type { Patch, Photo } from '../../../../electron/core/imaging';
import { ownLayout } from '../../../../electron/core/imaging/patch';
import { encodeBandedPatch, parseBandIndex } from '../../../../electron/core/imaging/patch-bands';
import { encodePng, textChunk } from '../../../../electron/core/imaging/png';
import {
  appendPatchLayer,
  flattenOracle,
  randomUpTo,
  generatedProject,
  layerPatch,
  randomPhotoProject,
  randomSamples,
} from '../../../support/flatten';
import { rng } from '../../../support/prng';

async function randomProject(seed: number, count: number) {
  const rand = rng(seed);
  const { root, store, width, height, depth } = await randomPhotoProject(
    'maskroom-flatten-occlusion-',
    rand,
    {
      width: [20, 50],
      height: [15, 40],
    },
  );
  for (let i = 0; i < count; i++) {
    const w = 1 + Math.floor(rand() * width * (rand() < 0.3 ? 1 : 0.6));
    const h = 1 + Math.floor(rand() * height * (rand() < 0.3 ? 1 : 0.6));
    // Now and then flush with an edge of the frame.
    const edge = rand();
    const x = edge < 0.15 ? 0 : edge < 0.3 ? width - w : Math.floor(rand() * (width - w + 1));
    const y = edge < 0.1 || edge > 0.9 ? height - h : Math.floor(rand() * (height - h + 1));
    const rect = { x, y, width: w, height: h };
    const patch = layerPatch(rect, rand() < 0.8 ? depth : depth === 8 ? 16 : 8, rand);
    const kind = rand();
    const text = textChunk('maskroom:rect', `${x},${y},${w},${h}`);
    const file =
      kind < 0.1 && patch.depth === 8
        ? new Uint8Array(
            await sharp(patch.rgba, { raw: { width: w, height: h, channels: 4 } })
              .png({ adaptiveFiltering: true })
              .toBuffer(),
          )
        : kind < 0.25
          ? // A file from before banding: one stream, no index.
            encodePng(
              { width: w, height: h, channels: 4, depth: patch.depth, pixels: patch.rgba },
              { level: 3, chunks: [text] },
            )
          : await encodeBandedPatch(patch, [text], 1 + Math.floor(rand() * 6));
    const layer = await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
    if (rand() < 0.12) await store.setVisible(layer.id, false);
  }
  return { root, store, rand };
}

const bytesOf = (p: Photo) => Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);

describe('flatten planned front to back', () => {
  it('gives the oracle image over random deep stacks, reading only part of what is hidden', async () => {
    let skipped = 0;
    let partly = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { root, store, rand } = await randomProject(seed, 6 + Math.floor(seed * 0.8));
      const what = `seed ${seed}`;
      const visible = store.visibleLayers().map((l) => l.id);
      const expected = await flattenOracle(store, visible);
      // What the flatten reads of each layer's file past its head (the index pass reads heads only): whole
      // files, or the byte count of the parts.
      const whole = new Set<string>();
      const parts = new Map<string, number>();
      const read = store.readLayerFile.bind(store);
      store.readLayerFile = (id, kind) => {
        if (kind === 'patch') whole.add(id);
        return read(id, kind);
      };
      const readPart = store.readLayerFilePart.bind(store);
      store.readLayerFilePart = (id, kind, length, position = 0) => {
        if (kind === 'patch' && position > 0) parts.set(id, (parts.get(id) ?? 0) + length);
        return readPart(id, kind, length, position);
      };
      const session = new ProjectSession(store, { persistInBackground: false });
      const current = await session.current();
      expect(bytesOf(current).equals(bytesOf(expected)), what).toBe(true);
      skipped += visible.filter((id) => !whole.has(id) && !parts.has(id)).length;
      for (const [id, n] of parts) {
        const own = ownLayout(await read(id, 'patch'));
        if (!whole.has(id) && own && n < own.idat.length) partly++;
      }

      // The image right after some layer: the visible ones below it, and it.
      const upTo = randomUpTo(store, rand);
      expect(
        bytesOf(await session.upTo(upTo.at)).equals(bytesOf(await flattenOracle(store, upTo.ids))),
        what,
      ).toBe(true);
      await session.close();
      await fs.rm(root, { recursive: true, force: true });
    }
    expect(skipped).toBeGreaterThan(0);
    expect(partly).toBeGreaterThan(0);
  });

  it('says a damaged band it reads in the damaged-layer sentence, and never sees one it does not read', async () => {
    const width = 30;
    const height = 24;
    const rand = rng(99);
    const pixels = randomSamples(8, width * height * 3, rand);
    const opaque = (rect: Rect): Patch => {
      const rgba = randomSamples(8, rect.width * rect.height * 4, rand) as Uint8Array;
      for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
      return { rect, depth: 8, rgba };
    };
    // Layer 1: 20 rows in bands of 2; layer 2 hides its top 10 rows wholly.
    const below = { x: 5, y: 2, width: 20, height: 20 };
    const above = { x: 0, y: 0, width: 30, height: 12 };
    const files = [
      await encodeBandedPatch(opaque(below), [], 2),
      await encodeBandedPatch(opaque(above), [], 2),
    ];
    const own = ownLayout(files[0]!)!;
    const index = parseBandIndex(own.index!, 20, 20, own.idat.length - 6)!;
    const idatAt = files[0]!.length - own.idat.length - 12 - 4;
    /** The file of layer 1 with one byte of band b's deflate data changed. */
    const damaged = (b: number) => {
      const f = new Uint8Array(files[0]!);
      const at = idatAt + 2 + Math.floor((index.offsets[b]! + index.offsets[b + 1]!) / 2);
      f[at] = f[at]! ^ 0x5a;
      return f;
    };
    const make = async (first: Uint8Array) => {
      const { root, store } = await generatedProject('maskroom-flatten-occlusion-', {
        width,
        height,
        channels: 3,
        depth: 8,
        pixels,
      });
      const ids: string[] = [];
      for (const [i, file] of [first, files[1]!].entries()) {
        const rect = i === 0 ? below : above;
        ids.push((await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` })).id);
      }
      return { root, store, ids, session: new ProjectSession(store, { persistInBackground: false }) };
    };
    const clean = await make(files[0]!);
    const truth = await clean.session.current();
    expect(bytesOf(truth).equals(bytesOf(await flattenOracle(clean.store, clean.ids)))).toBe(true);
    // Bands 0-4 (rows 0-9 of layer 1) lie under layer 2; band 5 (rows 10-11, frame rows 12-13) shows.
    const hidden = await make(damaged(1));
    expect(bytesOf(await hidden.session.current()).equals(bytesOf(truth))).toBe(true);
    const shown = await make(damaged(5));
    await expect(shown.session.current()).rejects.toMatchObject({ code: 'damaged-layer' });
    expect(shown.store.damaged(shown.ids[0]!)).toContain('cannot be read');
    for (const p of [clean, hidden, shown]) {
      await p.session.close();
      await fs.rm(p.root, { recursive: true, force: true });
    }
  });
});
