/**
 * The current image inside an edit's crop (ProjectSession.currentRegion, what a CLI edit reads before its
 * upload) on a 24 MP (6000x4000) JPEG project of 1, 8 and 20 layers, beside its baseline measured in the same
 * run: the whole-frame flatten cut to the crop (`cutRegion(await session.current(), crop)`, what the region
 * was from 7 layers on before it was planned over the rectangle). Each measurement is made by a fresh
 * session on a freshly opened project (no decoded photo, no flattened image held, no cache/current.bin on
 * disk), the two alternated; the decode cache of loadPhoto is cleared before each.
 * Layers are synthetic but shaped like edits of one area: feathered ellipses of about 800 px around the same
 * spot (pixels of the photo there, tinted), and every fourth one elsewhere; the crop is 1400x1400 around the
 * spot. Also reported: the bytes of layer files the region read (heads and bands, and any file read whole).
 * Usage: npx tsx bench/region.bench.ts [--quick]
 */
import { mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProjectStore } from '../electron/core/project';
import { ProjectSession } from '../electron/core/project-session';
import { encodeMaskPng, encodePatch, loadPhoto, makeThumbnail, type Photo } from '../electron/core/imaging';
import { clearPhotoCache } from '../electron/core/imaging/load';
import { cutRegion } from '../electron/core/imaging/region';
import { syntheticLayer } from '../tests/support/layers';
import { rng } from '../tests/support/prng';
import { ellipsePatch, fixtureJpeg, here, median, quick, time } from './support';

const runs = quick ? 3 : 7;
const W = 6000;
const H = 4000;
const STACKS = [1, 8, 20];
/** The spot the edits pile on, and the crop an edit there sends. */
const SPOT = { x: 3000, y: 2000 };
const CROP = { x: SPOT.x - 700, y: SPOT.y - 700, width: 1400, height: 1400 };

async function buildProject(
  dir: string,
  photoBytes: Uint8Array,
  photo: Photo,
  layers: number,
): Promise<void> {
  const store = await ProjectStore.create(dir, {
    photo: photoBytes,
    name: 'bench.jpg',
    width: W,
    height: H,
    format: 'jpeg',
  });
  const r = rng(7 + layers);
  for (let i = 0; i < layers; i++) {
    const elsewhere = i % 4 === 3;
    const w = 700 + Math.floor(r() * 200);
    const h = 700 + Math.floor(r() * 200);
    const cx = elsewhere ? 500 + r() * (W - 1000) : SPOT.x + (r() - 0.5) * 300;
    const cy = elsewhere ? 500 + r() * (H - 1000) : SPOT.y + (r() - 0.5) * 300;
    const x = Math.max(0, Math.min(W - w, Math.round(cx - w / 2)));
    const y = Math.max(0, Math.min(H - h, Math.round(cy - h / 2)));
    const patch = ellipsePatch(photo, { x, y, width: w, height: h }, r);
    const alpha = new Uint8Array(w * h);
    for (let k = 0; k < alpha.length; k++) alpha[k] = patch.rgba[k * 4 + 3]!;
    const [p, m, t] = await Promise.all([
      encodePatch(patch),
      encodeMaskPng({ width: w, height: h, data: alpha }),
      makeThumbnail(patch, { format: 'webp' }),
    ]);
    await store.appendLayer(syntheticLayer(patch.rect, { prompt: `layer ${i}`, requestId: `bench-${i}` }), {
      patch: p,
      mask: m,
      thumb: t,
      thumbExt: 'webp',
    });
  }
  await store.close();
}

/**
 * One measurement by a fresh session on the project opened anew; `read` counts the bytes of layer files it
 * read, in parts (heads, bands) and whole (a file without an index, or every file once a plan is dropped).
 */
async function measure(dir: string, what: 'region' | 'whole'): Promise<{ ms: number; read: number }> {
  clearPhotoCache();
  const store = await ProjectStore.open(dir);
  let read = 0;
  const part = store.readLayerFilePart.bind(store);
  store.readLayerFilePart = async (...args) => {
    const got = await part(...args);
    read += got.length;
    return got;
  };
  const file = store.readLayerFile.bind(store);
  store.readLayerFile = async (...args) => {
    const got = await file(...args);
    read += got.length;
    return got;
  };
  const session = new ProjectSession(store, { persistInBackground: false, regionEdits: true });
  let check = 0;
  const ms = await time(async () => {
    const region =
      what === 'region' ? await session.currentRegion(CROP) : cutRegion(await session.current(), CROP);
    check = region.photo.pixels[region.photo.pixels.length >> 1]!;
  });
  await session.close();
  if (!Number.isFinite(check)) throw new Error('no image');
  return { ms, read };
}

async function main(): Promise<void> {
  const photoBytes = await fixtureJpeg(W, H);
  const photo = await loadPhoto(photoBytes);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-bench-region-'));
  try {
    const table = [];
    for (const layers of STACKS) {
      const dir = path.join(root, `p${layers}`);
      await buildProject(dir, photoBytes, photo, layers);
      // One of each first, not counted (the files into the page cache, the code warm).
      await measure(dir, 'region');
      await measure(dir, 'whole');
      const ours: number[] = [];
      const whole: number[] = [];
      let read = 0;
      for (let i = 0; i < runs; i++) {
        // Alternated, each first every other run.
        const order = i % 2 === 0 ? (['region', 'whole'] as const) : (['whole', 'region'] as const);
        for (const what of order) {
          const m = await measure(dir, what);
          if (what === 'region') {
            ours.push(m.ms);
            read = m.read;
          } else whole.push(m.ms);
        }
      }
      const o = median(ours);
      const b = median(whole);
      table.push({
        layers,
        region_ms: +o.toFixed(1),
        whole_flatten_cut_ms: +b.toFixed(1),
        ratio: +(o / b).toFixed(3),
        region_read_kb: Math.round(read / 1024),
      });
    }
    console.log(
      `region bench: ${W}x${H} JPEG, crop ${CROP.width}x${CROP.height}, ${runs} runs, medians (ratio = region / whole flatten cut; < 1 is faster)`,
    );
    console.table(table);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(
      path.join(here, 'results/region.json'),
      `${JSON.stringify({ image: `${W}x${H}`, crop: CROP, runs, quick, table }, null, 2)}\n`,
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

await main();
