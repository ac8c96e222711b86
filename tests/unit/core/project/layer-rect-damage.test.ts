/**
 * A project.json edited by hand (or damaged) whose layer rectangle is not inside the photo (negative, past
 * an edge, of zero size, not whole pixels) opens with that layer reported damaged, applies the others, and
 * keeps the manifest's values as they were; one whose photo size disagrees with the photo itself refuses to
 * build the image in one sentence. Over seeded random rectangles, each checked against the rule (inside
 * the frame, whole pixels) rather than a list of expected answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EditParams, type Rect } from '../../../../shared/contract';
import { ProjectStore, toContractLayer } from '../../../../electron/core/project';
import { ProjectSession, runEdit } from '../../../../electron/core/pipeline';
import type { Photo } from '../../../../electron/core/imaging';
import { catProject, ellipseOn } from '../pipeline/fixtures';
import { fakeApi } from '../pipeline/fake-api';
import { pick, rng } from '../../../support/prng';

let dir: string;
let good: string;
let W: number;
let H: number;
let rects: Rect[];
/** The image with only the second layer applied (the first one left out). */
let secondOnly: Photo;

const inside = (r: Rect) =>
  [r.x, r.y, r.width, r.height].every(Number.isInteger) &&
  r.x >= 0 &&
  r.y >= 0 &&
  r.width > 0 &&
  r.height > 0 &&
  r.x + r.width <= W &&
  r.y + r.height <= H;

beforeAll(async () => {
  const made = await catProject('maskroom-rect-damage-');
  dir = made.dir;
  W = made.photo.width;
  H = made.photo.height;
  const edit = async (cx: number, cy: number) =>
    runEdit(
      made.session,
      {
        prompt: `at ${cx}`,
        params: EditParams.parse({ quality: 'low' }),
        feather: 2,
        colorMatch: true,
        mask: await ellipseOn(made.photo, cx, cy, 40, 30),
        references: [],
      },
      { api: fakeApi().api, transport: 'upload', mode: 'async' },
      {},
    );
  const first = await edit(120, 100);
  await edit(330, 200);
  rects = [first.rect];
  await made.session.close();
  await made.store.close();
  good = await fs.readFile(path.join(dir, 'project.json'), 'utf8');
  // The reference: the same project with the first layer hidden.
  const m = JSON.parse(good);
  m.layers[0].visible = false;
  await fs.writeFile(path.join(dir, 'project.json'), JSON.stringify(m));
  await withOpen(async (_, s) => void (secondOnly = await s.current()));
}, 60_000);

afterAll(async () => {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

async function withOpen<T>(f: (store: ProjectStore, s: ProjectSession) => Promise<T>): Promise<T> {
  const store = await ProjectStore.open(dir);
  const s = new ProjectSession(store);
  try {
    return await f(store, s);
  } finally {
    await s.close();
    await store.close();
  }
}

/** A rectangle drawn around the layer's own: moved, resized, made fractional or negative. */
function drawRect(r: () => number, base: Rect): Rect {
  const n = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const v = { ...base };
  const field = pick(r, ['x', 'y', 'width', 'height'] as const);
  switch (pick(r, ['shift', 'negative', 'past', 'zero', 'fraction', 'keep'] as const)) {
    case 'shift':
      v[field] += n(-3, 3);
      break;
    case 'negative':
      v[field] = -n(1, 50);
      break;
    case 'past':
      if (field === 'x' || field === 'width') v.x = W - v.width + n(1, 40);
      else v.y = H - v.height + n(1, 40);
      break;
    case 'zero':
      v[field === 'x' || field === 'width' ? 'width' : 'height'] = 0;
      break;
    case 'fraction':
      v[field] += pick(r, [0.5, 0.25, -0.75]);
      break;
    case 'keep':
      break;
  }
  return v;
}

describe('a layer rectangle that project.json puts outside the photo', () => {
  it('opens with that layer damaged (its reason naming the photo size), applies the other, keeps the values', async () => {
    const r = rng(20261201);
    let outside = 0;
    for (let i = 0; i < 24; i++) {
      const rect = drawRect(r, rects[0]!);
      const m = JSON.parse(good);
      m.layers[0].rect = rect;
      const text = JSON.stringify(m, null, 2);
      await fs.writeFile(path.join(dir, 'project.json'), text);
      await withOpen(async (store, s) => {
        const [l0, l1] = store.layers();
        const reason = store.damaged(l0!.id);
        if (inside(rect)) {
          // Inside the frame: a plausible rectangle is used as it is (only its patch can tell more).
          expect(reason === null || !/outside/.test(reason)).toBe(true);
          return;
        }
        outside++;
        expect(reason, JSON.stringify(rect)).toMatch(new RegExp(`outside the ${W}x${H} photo`));
        expect(store.damaged(l1!.id)).toBeNull();
        expect(toContractLayer(l0!, reason).damaged).toBe(reason);
        expect(s.damagedVisible().map((d) => d.layer.id)).toEqual([l0!.id]);
        const cur = await s.current();
        expect([cur.width, cur.height]).toEqual([W, H]);
        expect(Buffer.from(cur.pixels.buffer).equals(Buffer.from(secondOnly.pixels.buffer))).toBe(true);
        const crop = { x: 0, y: 0, width: W, height: H };
        const region = await s.currentRegion(crop);
        expect(Buffer.from(region.photo.pixels.buffer).equals(Buffer.from(secondOnly.pixels.buffer))).toBe(
          true,
        );
        await expect(s.patchOf(l0!)).rejects.toMatchObject({ code: 'damaged-layer' });
      });
      // Opening (and its tidying) left the rectangle as the file had it: nothing is rewritten away.
      expect(JSON.parse(await fs.readFile(path.join(dir, 'project.json'), 'utf8')).layers[0].rect).toEqual(
        rect,
      );
    }
    expect(outside).toBeGreaterThan(8);
  }, 60_000);
});

describe('a photo size in project.json that is not the photo', () => {
  for (const [dw, dh] of [
    [100, 50],
    [-100, -50],
    [0, 1],
    [-1, 0],
  ] as const) {
    it(`${dw >= 0 ? '+' : ''}${dw}x${dh >= 0 ? '+' : ''}${dh}: the image is refused in one sentence, before any layer is applied`, async () => {
      const m = JSON.parse(good);
      m.original.width = W + dw;
      m.original.height = H + dh;
      await fs.writeFile(path.join(dir, 'project.json'), JSON.stringify(m));
      await withOpen(async (_, s) => {
        const message = new RegExp(
          `^The project's original photo \\(.+\\) is ${W}x${H} pixels but project\\.json says ${W + dw}x${H + dh}; [^.;]+\\.$`,
        );
        await expect(s.current()).rejects.toMatchObject({ code: 'corrupt-project', message });
        await expect(s.originalPhoto()).rejects.toMatchObject({ code: 'corrupt-project', message });
        s.forgetDecoded();
        await expect(s.currentRegion({ x: 0, y: 0, width: 10, height: 10 })).rejects.toMatchObject({
          code: 'corrupt-project',
          message,
        });
      });
    });
  }
});
