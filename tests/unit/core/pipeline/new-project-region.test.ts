/**
 * A new project's first edit made from the region alone (its JPEG checked whole by verifyPhoto, the crop
 * then decoded by the edit, as the CLI does) against the same edit made the way it was before: the photo
 * decoded whole and the inputs built from it ahead of the project (prepareEdit). For photos of several
 * shapes (landscape, portrait, a panorama, EXIF orientation 6, heights the JPEG's shrink-on-load does and
 * does not divide) and masks anywhere (edges and corners included), both send the same bytes and make the
 * same project: project.json alike but for its times and ids, every layer file byte for byte. The model is
 * the fake service's, whose answer depends on every pixel sent.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { prepareEdit, runEdit, type PipelineDeps } from '../../../../electron/core/pipeline';
import { ProjectSession } from '../../../../electron/core/project-session';
import { LAYERS_DIR, MANIFEST_FILE, ProjectStore } from '../../../../electron/core/project';
import {
  clearPhotoCache,
  loadPhoto,
  maskFromFile,
  photoCacheStats,
  setPhotoCacheLimit,
  verifyPhoto,
  type Mask,
} from '../../../../electron/core/imaging';
import type { EditApi, EditInput } from '../../../../electron/core/edit-api/types';
import { renderEdit } from '../../../fake-segmind/server';
import { ellipseMaskPng, fixturesDir } from '../../../support/fixtures';
import { rng } from '../../../support/prng';

/** The fake service's model in process: its answer to the bytes sent, the request id given. */
function modelApi(requestId: string): { api: EditApi; calls: EditInput[] } {
  const calls: EditInput[] = [];
  const api: EditApi = {
    async edit(input, o = {}) {
      calls.push(input);
      o.onProgress?.({ stage: 'uploading', elapsedSeconds: 0 });
      await o.onRequestId?.(requestId);
      o.onProgress?.({ stage: 'processing', elapsedSeconds: 0, requestId });
      const out = await renderEdit(Buffer.from(input.image), {
        prompt: input.prompt,
        size: input.params.size,
      });
      return {
        image: new Uint8Array(out.bytes),
        mime: 'image/png',
        requestId,
        creditsLeft: 7,
        timings: { total: 1 },
      };
    },
    resume: () => Promise.reject(new Error('not used')),
  };
  return { api, calls };
}

const deps = (api: EditApi): PipelineDeps => ({ api, transport: 'upload', mode: 'async' });

/** project.json without what differs between any two projects made alike: ids of its own, times. */
async function manifestOf(dir: string): Promise<unknown> {
  const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = m;
  const layers = (rest.layers as Array<Record<string, unknown>>).map((l) => {
    const { createdAt: _lc, timings: _t, ...kept } = l;
    return kept;
  });
  return { ...rest, layers };
}

/** Every file under the project's layers folder: name -> bytes. */
async function layerFiles(dir: string): Promise<Map<string, Buffer>> {
  const at = path.join(dir, LAYERS_DIR);
  const out = new Map<string, Buffer>();
  for (const f of (await fs.readdir(at)).sort()) out.set(f, await fs.readFile(path.join(at, f)));
  return out;
}

interface Shape {
  what: string;
  width: number;
  height: number;
  orientation: number;
}

/** Stored sizes: orientation 6 turns the stored 520x363 into an upright 363x520. */
const SHAPES: Shape[] = [
  { what: 'landscape, height a multiple of 8', width: 600, height: 400, orientation: 1 },
  { what: 'portrait, odd height', width: 331, height: 497, orientation: 1 },
  { what: 'panorama', width: 1400, height: 226, orientation: 1 },
  { what: 'orientation 6', width: 520, height: 363, orientation: 6 },
];

let work = '';
let previousLimit = 0;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-new-region-'));
  previousLimit = photoCacheStats().limit;
});
afterAll(async () => {
  setPhotoCacheLimit(previousLimit);
  await fs.rm(work, { recursive: true, force: true });
});

async function jpegOf(shape: Shape): Promise<Uint8Array> {
  const src = readFileSync(path.join(fixturesDir(), 'chelsea.png'));
  return new Uint8Array(
    await sharp(src)
      .resize(shape.width, shape.height, { fit: 'fill' })
      .withMetadata({ orientation: shape.orientation })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

async function newProject(dir: string, bytes: Uint8Array, width: number, height: number) {
  const store = await ProjectStore.create(dir, {
    photo: bytes,
    name: 'photo.jpg',
    width,
    height,
    format: 'jpeg',
  });
  return { store, session: new ProjectSession(store, { regionEdits: true }) };
}

describe('a new project edited from the region', () => {
  it('sends the same inputs and makes the same project as the whole-photo way', async () => {
    const r = rng(20261203);
    let n = 0;
    for (const shape of SHAPES) {
      const bytes = await jpegOf(shape);
      const info = await verifyPhoto(bytes);
      const { width, height } = info;
      for (let k = 0; k < 3; k++) {
        // A small mask anywhere, one in a corner, a large one (crops of every size against the API's).
        const rx = k === 2 ? width * 0.35 : 8 + r() * width * 0.12;
        const ry = k === 2 ? height * 0.3 : 8 + r() * height * 0.12;
        const cx = k === 1 ? rx * 0.5 : rx + r() * (width - 2 * rx);
        const cy = k === 1 ? height - ry * 0.5 : ry + r() * (height - 2 * ry);
        const mask: Mask = await maskFromFile(
          await ellipseMaskPng(width, height, cx, cy, rx, ry),
          width,
          height,
        );
        const params = EditParams.parse({ quality: 'low', size: k === 1 ? '1024x1536' : 'auto' });
        const job = { prompt: `edit ${k}`, params, feather: 4, colorMatch: k !== 1, mask, references: [] };
        const ids = { jobId: `j${n}`, layerId: `l${n}` };
        const what = `${shape.what}, mask ${k} at ${Math.round(cx)},${Math.round(cy)}`;

        // The region's way first, with no whole decode cached: its region is decoded, not cut from one.
        clearPhotoCache();
        setPhotoCacheLimit(0);
        const viaRegion = await newProject(path.join(work, `region-${n}`), bytes, width, height);
        await verifyPhoto(bytes);
        const a = modelApi(`req-${n}`);
        await runEdit(viaRegion.session, { ...job, ...ids }, deps(a.api));
        await viaRegion.session.close();

        setPhotoCacheLimit(previousLimit);
        const whole = await newProject(path.join(work, `whole-${n}`), bytes, width, height);
        const prepared = prepareEdit(await loadPhoto(bytes), mask, params);
        const b = modelApi(`req-${n}`);
        await runEdit(whole.session, { ...job, ...ids, prepared }, deps(b.api));
        await whole.session.close();

        expect(a.calls.length, what).toBe(1);
        expect(Buffer.from(a.calls[0]!.image).equals(Buffer.from(b.calls[0]!.image)), what).toBe(true);
        expect(Buffer.from(a.calls[0]!.mask).equals(Buffer.from(b.calls[0]!.mask)), what).toBe(true);
        expect(await manifestOf(viaRegion.store.dir), what).toEqual(await manifestOf(whole.store.dir));
        const filesA = await layerFiles(viaRegion.store.dir);
        const filesB = await layerFiles(whole.store.dir);
        expect([...filesA.keys()], what).toEqual([...filesB.keys()]);
        for (const [f, got] of filesA) expect(got.equals(filesB.get(f)!), `${what}: ${f}`).toBe(true);
        n++;
      }
    }
    expect(n).toBe(SHAPES.length * 3);
  }, 180_000);
});
