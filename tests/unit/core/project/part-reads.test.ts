/**
 * Reading parts of a layer's file (ProjectStore.readLayerFilePart, as the planned flatten reads patch heads
 * and bands) never holds more memory than the file has bytes, whatever length its header or band index
 * claims: a truncated file, or a chunk or IDAT length of gigabytes, costs what the file is, not what it says.
 */
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectSession } from '../../../../electron/core/project-session';
import type { Patch } from '../../../../electron/core/imaging';
import { encodeBandedPatch } from '../../../../electron/core/imaging/patch-bands';
import { appendPatchLayer, generatedProject } from '../../../support/flatten';
import { rng } from '../../../support/prng';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

function opaque(rect: Patch['rect'], rand: () => number): Patch {
  const rgba = new Uint8Array(rect.width * rect.height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i & 3) === 3 ? 255 : Math.floor(rand() * 256);
  return { rect, depth: 8, rgba };
}

/** A chunk header whose length field claims `claim` bytes, with only `have` of them present. */
function truncatedChunk(type: string, claim: number, have: number): Uint8Array {
  const b = new Uint8Array(8 + have);
  new DataView(b.buffer).setUint32(0, claim);
  b.set(Buffer.from(type, 'latin1'), 4);
  return b;
}

/** The file's IDAT chunk's length field set to `claim` and the file cut `keep` bytes into its data. */
function claimIdat(file: Uint8Array, claim: number, keep: number): Uint8Array {
  const b = Buffer.from(file);
  const at = b.indexOf(Buffer.from('IDAT', 'latin1')) - 4;
  b.writeUInt32BE(claim, at);
  return new Uint8Array(b.subarray(0, at + 8 + keep));
}

describe('part reads of layer files', () => {
  it('hold no more than the file, whatever is asked, and the flatten still names the damaged layer', async () => {
    const rand = rng(7);
    const width = 40;
    const height = 36;
    const { root, store } = await generatedProject('maskroom-part-reads-', {
      width,
      height,
      channels: 3,
      depth: 8,
      pixels: new Uint8Array(width * height * 3),
    });
    dirs.push(root);
    const below = { x: 0, y: 0, width: 40, height: 36 };
    const above = { x: 0, y: 0, width: 40, height: 20 };
    const good = await encodeBandedPatch(opaque(below, rand), [], 4);
    const sig = good.subarray(0, 8 + 25); // signature and IHDR
    // Layer 1: its head claims a 1 GB chunk before IDAT (a file cut short inside it).
    const bigChunk = new Uint8Array([...sig, ...truncatedChunk('tEXt', 1 << 30, 40 * 1024)]);
    // Layer 2: a banded file whose IDAT claims about 1 GB, cut short 100 bytes into its data.
    const bigIdat = claimIdat(await encodeBandedPatch(opaque(below, rand), [], 4), (1 << 30) - 1, 100);
    // Layer 3, on top, hides the first 20 rows of both.
    const files = [bigChunk, bigIdat, await encodeBandedPatch(opaque(above, rand), [], 4)];
    for (const [i, file] of files.entries()) {
      const rect = i === 2 ? above : below;
      await appendPatchLayer(store, { rect, patch: file, prompt: `layer ${i}` });
    }
    const sizes = new Map<string, number>();
    for (const l of store.layers()) sizes.set(l.id, (await store.readLayerFile(l.id, 'patch')).length);
    let largest = 0;
    const readPart = store.readLayerFilePart.bind(store);
    store.readLayerFilePart = async (id, kind, length, position = 0) => {
      const got = await readPart(id, kind, length, position);
      const held = got.buffer.byteLength;
      if (held > Math.max(sizes.get(id)!, Buffer.poolSize)) largest = Math.max(largest, held);
      return got;
    };
    // Asked directly for far more than the file has.
    const [first] = store.layers();
    const part = await store.readLayerFilePart(first!.id, 'patch', 1 << 30, 16);
    expect(part.length).toBe(sizes.get(first!.id)! - 16);
    expect(await store.readLayerFilePart(first!.id, 'patch', 64, sizes.get(first!.id)! + 5)).toHaveLength(0);

    const session = new ProjectSession(store, { persistInBackground: false });
    await expect(session.current()).rejects.toMatchObject({ code: 'damaged-layer' });
    await session.close();
    expect(largest).toBe(0);
    // The file's bytes themselves are still what a part read gives.
    const whole = await store.readLayerFile(first!.id, 'patch');
    expect(
      Buffer.from(await readPart(first!.id, 'patch', 100, 3)).equals(Buffer.from(whole.subarray(3, 103))),
    ).toBe(true);
  });
});
