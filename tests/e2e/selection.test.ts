/**
 * The selection tools in Debian Chromium, in the editor served by the web host, on a synthetic photo with
 * known shapes (a noisy gradient with two flat orange discs): each tool's mask measured against the true
 * shape (IoU), the rectangle exact to the pixel at two zooms, Alt subtracts, Shift+Alt intersects, one undo
 * step per selection, the wand and select colour range, the feather preview, and a mask file imported and
 * exported. Screenshots go to test-results/selection-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startEditor, type EditorSession } from './support/editor';
import { tempDir } from '../support/temp';

const W = 1600;
const H = 1000;
const ORANGE = [230, 120, 40] as const;
const DISC_A = { cx: 1100, cy: 350, r: 150 };
const DISC_B = { cx: 1350, cy: 780, r: 90 };

/** A shape in photo pixels; a pixel is in it when its centre is. */
type Shape =
  | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'poly'; pts: [number, number][] };
/** The expected mask: shapes combined in order (add, subtract, intersect). */
type Truth = { op: 'add' | 'sub' | 'and'; shape: Shape }[];

const files = tempDir();
let editor: EditorSession;
let page: Page;

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

async function makePhoto(path: string): Promise<void> {
  const rand = rng(99);
  const px = Buffer.alloc(W * H * 3);
  const inDisc = (d: typeof DISC_A, x: number, y: number) =>
    (x + 0.5 - d.cx) ** 2 + (y + 0.5 - d.cy) ** 2 <= d.r ** 2;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (inDisc(DISC_A, x, y) || inDisc(DISC_B, x, y)) {
        px[o] = ORANGE[0];
        px[o + 1] = ORANGE[1];
        px[o + 2] = ORANGE[2];
      } else {
        const n = () => Math.floor(rand() * 25) - 12;
        px[o] = Math.max(0, Math.min(255, Math.round((x / W) * 200) + n()));
        px[o + 1] = Math.max(0, Math.min(255, Math.round((y / H) * 200) + n()));
        px[o + 2] = 140 + n();
      }
    }
  await sharp(px, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(path);
}

const canvas = {
  stats: () => page.evaluate(() => window.__maskroomCanvas!.stats()!),
  client: (x: number, y: number) =>
    page.evaluate(([a, b]) => window.__maskroomCanvas!.photoToClient(a!, b!), [x, y]),
  /** FNV-1a of the mask bytes, computed in the page. */
  hash: () =>
    page.evaluate(() => {
      const m = window.__maskroomCanvas!.maskBytes()!;
      let h = 0x811c9dc5;
      for (let i = 0; i < m.length; i++) h = Math.imul(h ^ m[i]!, 0x01000193) >>> 0;
      return h;
    }),
  /** Intersection over union of the mask (> 127) with the true shapes, computed in the page. */
  iou: (truth: Truth) =>
    page.evaluate((truth) => {
      const api = window.__maskroomCanvas!;
      const m = api.maskBytes()!;
      const { width: w, height: h } = api.stats()!;
      const inside = (s: Shape, x: number, y: number): boolean => {
        if (s.kind === 'rect') return x >= s.x0 && x < s.x1 && y >= s.y0 && y < s.y1;
        if (s.kind === 'ellipse') return ((x - s.cx) / s.rx) ** 2 + ((y - s.cy) / s.ry) ** 2 <= 1;
        let c = false;
        for (let i = 0, j = s.pts.length - 1; i < s.pts.length; j = i++) {
          const [ax, ay] = s.pts[i]!;
          const [bx, by] = s.pts[j]!;
          if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) c = !c;
        }
        return c;
      };
      let both = 0;
      let either = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let t = false;
          for (const { op, shape } of truth) {
            const v = inside(shape, x + 0.5, y + 0.5);
            t = op === 'add' ? t || v : op === 'sub' ? t && !v : t && v;
          }
          const got = m[y * w + x]! > 127;
          if (got && t) both++;
          if (got || t) either++;
        }
      return either === 0 ? 1 : both / either;
    }, truth),
};

const settle = () =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

async function tool(id: string): Promise<void> {
  await page.getByTestId(id).click();
  await expect(page.getByTestId(id).getAttribute('aria-pressed')).resolves.toBe('true');
}

/** A drag between photo points; `mods` are held from before the press to after the release. */
async function drag(a: [number, number], b: [number, number], mods: string[] = [], shot?: string) {
  const p = await canvas.client(...a);
  const q = await canvas.client(...b);
  for (const k of mods) await page.keyboard.down(k);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move((p.x + q.x) / 2, (p.y + q.y) / 2, { steps: 4 });
  await page.mouse.move(q.x, q.y, { steps: 4 });
  if (shot) await editor.shot(shot);
  await page.mouse.up();
  for (const k of mods) await page.keyboard.up(k);
  await settle();
}

/** Runs one selection and checks it made exactly one undo step, which undo and redo take back and forth. */
async function oneStep(run: () => Promise<void>): Promise<void> {
  const before = await canvas.stats();
  const h0 = await canvas.hash();
  await run();
  const after = await canvas.stats();
  const h1 = await canvas.hash();
  expect(after.undoDepth).toBe(before.undoDepth + 1);
  expect(h1).not.toBe(h0);
  await page.getByTestId('undo').click();
  await settle();
  await expect(canvas.hash()).resolves.toBe(h0);
  await page.getByTestId('redo').click();
  await settle();
  await expect(canvas.hash()).resolves.toBe(h1);
}

async function clearMask(): Promise<void> {
  if (!(await canvas.stats()).empty) await page.getByTestId('clear-mask').click();
  await settle();
  expect((await canvas.stats()).empty).toBe(true);
}

beforeAll(async () => {
  mkdirSync('test-results', { recursive: true });
  await makePhoto(join(files.dir, 'shapes.png'));
  editor = await startEditor({ latencyMs: 0, credits: 10, withApiKey: true, shotPrefix: 'selection' });
  page = editor.page;
  await page.getByTestId('open-image').setInputFiles(join(files.dir, 'shapes.png'));
  await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 30_000 });
  await page.waitForTimeout(500); // the screen-sized copy is made asynchronously
}, 120_000);

afterAll(async () => {
  await editor?.close();
  files.cleanup();
});

describe('selection tools', () => {
  it('a rectangle dragged from (100,100) to (300,250) is exactly that rectangle, at fit and at 100%', async () => {
    expect(await canvas.stats()).toMatchObject({ width: W, height: H, empty: true });
    await tool('tool-rect');
    await expect(page.getByTestId('tool-options-name').textContent()).resolves.toBe('Rectangle marquee');
    await oneStep(() => drag([100, 100], [300, 250], [], 'rect-dragging'));
    const s = await canvas.stats();
    expect(s.bbox).toEqual({ x: 100, y: 100, width: 200, height: 150 });
    expect(s.nonZero).toBe(200 * 150);
    await editor.shot('rect');
    await clearMask();

    await page.getByTestId('zoom-100').click();
    await settle();
    const v = await page.evaluate(() => window.__maskroomCanvas!.view());
    expect(v.scale).toBe(1);
    // At 100% the middle of the photo is on screen: a rectangle there.
    await drag([700, 400], [900, 550]);
    const t = await canvas.stats();
    expect(t.bbox).toEqual({ x: 700, y: 400, width: 200, height: 150 });
    expect(t.nonZero).toBe(200 * 150);
    await page.getByTestId('zoom-fit').click();
    await settle();
    await clearMask();
  });

  it('Alt subtracts and Shift+Alt intersects, each one undo step', async () => {
    await drag([100, 100], [400, 300]);
    await oneStep(() => drag([150, 150], [250, 250], ['Alt']));
    const truth: Truth = [
      { op: 'add', shape: { kind: 'rect', x0: 100, y0: 100, x1: 400, y1: 300 } },
      { op: 'sub', shape: { kind: 'rect', x0: 150, y0: 150, x1: 250, y1: 250 } },
    ];
    await expect(canvas.iou(truth)).resolves.toBe(1);
    await editor.shot('subtract');

    // Shift+Alt pressed for the press only (held through the drag, Shift would make the box a square).
    const p = await canvas.client(200, 50);
    const q = await canvas.client(500, 200);
    await oneStep(async () => {
      await page.keyboard.down('Shift');
      await page.keyboard.down('Alt');
      await page.mouse.move(p.x, p.y);
      await page.mouse.down();
      await page.keyboard.up('Alt');
      await page.keyboard.up('Shift');
      await page.mouse.move(q.x, q.y, { steps: 6 });
      await page.mouse.up();
      await settle();
    });
    truth.push({ op: 'and', shape: { kind: 'rect', x0: 200, y0: 50, x1: 500, y1: 200 } });
    await expect(canvas.iou(truth)).resolves.toBe(1);
    await editor.shot('intersect');
    await clearMask();
  });

  it('the subtract mode on the options bar works without a modifier', async () => {
    await drag([100, 100], [400, 300]);
    await page.getByTestId('select-mode-subtract').click();
    await drag([100, 100], [250, 300]);
    await expect(
      canvas.iou([{ op: 'add', shape: { kind: 'rect', x0: 250, y0: 100, x1: 400, y1: 300 } }]),
    ).resolves.toBe(1);
    await page.getByTestId('select-mode-add').click();
    await clearMask();
  });

  it('the ellipse is inscribed in the dragged box; Shift makes it a circle', async () => {
    await page.keyboard.press('m'); // M: from the rectangle to the ellipse marquee
    await expect(page.getByTestId('tool-ellipse').getAttribute('aria-pressed')).resolves.toBe('true');
    await oneStep(() => drag([200, 500], [600, 800]));
    const iou = await canvas.iou([
      { op: 'add', shape: { kind: 'ellipse', cx: 400, cy: 650, rx: 200, ry: 150 } },
    ]);
    expect(iou).toBeGreaterThanOrEqual(0.98);
    await clearMask();
    await drag([200, 500], [600, 800], ['Shift'], 'ellipse-dragging');
    const circle = await canvas.iou([
      { op: 'add', shape: { kind: 'ellipse', cx: 400, cy: 700, rx: 200, ry: 200 } },
    ]);
    expect(circle).toBeGreaterThanOrEqual(0.98);
    await editor.shot('ellipse');
    await clearMask();
  });

  it('the lasso fills the traced outline when released', async () => {
    await tool('tool-lasso');
    const pts: [number, number][] = [];
    for (let i = 0; i < 90; i++) {
      const a = (i / 90) * 2 * Math.PI;
      const r = 170 + 50 * Math.sin(3 * a); // a three-lobed outline
      pts.push([500 + r * Math.cos(a), 550 + r * Math.sin(a)]);
    }
    await oneStep(async () => {
      const first = await canvas.client(...pts[0]!);
      await page.mouse.move(first.x, first.y);
      await page.mouse.down();
      for (const p of pts.slice(1)) {
        const c = await canvas.client(...p);
        await page.mouse.move(c.x, c.y);
      }
      await editor.shot('lasso-dragging');
      await page.mouse.up();
      await settle();
    });
    const iou = await canvas.iou([{ op: 'add', shape: { kind: 'poly', pts } }]);
    expect(iou).toBeGreaterThanOrEqual(0.98);
    await editor.shot('lasso');
    await clearMask();
  });

  it('the polygon lasso closes on a double-click, and on Enter', async () => {
    await page.keyboard.press('l'); // L: from the lasso to the polygon lasso
    await expect(page.getByTestId('tool-polygon').getAttribute('aria-pressed')).resolves.toBe('true');
    const pts: [number, number][] = [
      [150, 450],
      [550, 420],
      [620, 700],
      [380, 880],
      [120, 760],
    ];
    const clickAll = async (list: [number, number][]) => {
      for (const p of list) {
        const c = await canvas.client(...p);
        await page.mouse.click(c.x, c.y);
        await page.waitForTimeout(450); // not a double-click
      }
    };
    await oneStep(async () => {
      await clickAll(pts.slice(0, -1));
      const last = await canvas.client(...pts[pts.length - 1]!);
      await page.mouse.move(last.x, last.y, { steps: 3 });
      await editor.shot('polygon-drawing');
      await page.mouse.dblclick(last.x, last.y);
      await settle();
    });
    await expect(canvas.iou([{ op: 'add', shape: { kind: 'poly', pts } }])).resolves.toBeGreaterThanOrEqual(
      0.98,
    );
    await editor.shot('polygon');
    await clearMask();

    const tri: [number, number][] = [
      [700, 600],
      [1000, 650],
      [800, 900],
    ];
    await clickAll(tri);
    await page.keyboard.press('Enter');
    await settle();
    await expect(
      canvas.iou([{ op: 'add', shape: { kind: 'poly', pts: tri } }]),
    ).resolves.toBeGreaterThanOrEqual(0.98);
    await clearMask();
  });

  it('the magic wand selects the flat disc clicked, and colour range every disc of that colour', async () => {
    await tool('tool-wand');
    await page.getByTestId('wand-tolerance').fill('30');
    const discA: Truth = [
      { op: 'add', shape: { kind: 'ellipse', cx: DISC_A.cx, cy: DISC_A.cy, rx: DISC_A.r, ry: DISC_A.r } },
    ];
    const c = await canvas.client(DISC_A.cx, DISC_A.cy);
    await oneStep(async () => {
      await page.mouse.click(c.x, c.y);
      await page.waitForFunction(() => !window.__maskroomCanvas!.stats()!.empty, null, { timeout: 20_000 });
      await settle();
    });
    expect(await canvas.iou(discA)).toBeGreaterThanOrEqual(0.95);
    await editor.shot('wand');
    await clearMask();

    await page.getByTestId('wand-contiguous').uncheck();
    await page.mouse.click(c.x, c.y);
    await page.waitForFunction(() => !window.__maskroomCanvas!.stats()!.empty, null, { timeout: 20_000 });
    await settle();
    const both: Truth = [
      ...discA,
      { op: 'add', shape: { kind: 'ellipse', cx: DISC_B.cx, cy: DISC_B.cy, rx: DISC_B.r, ry: DISC_B.r } },
    ];
    expect(await canvas.iou(both)).toBeGreaterThanOrEqual(0.95);
    await editor.shot('colour-range');
    await page.getByTestId('wand-contiguous').check();
  });

  it('the feather preview shows the soft edge the edit will blend with, and goes back', async () => {
    const edge = await canvas.client(DISC_A.cx + DISC_A.r + 3, DISC_A.cy);
    const stage = await page.getByTestId('stage').boundingBox();
    const red = async () => {
      await settle();
      const png = await page.screenshot({ clip: { x: edge.x - 1, y: edge.y - 1, width: 3, height: 3 } });
      const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return data[12]! - data[13]!; // the centre pixel: red over green
    };
    expect(stage).not.toBeNull();
    const plain = await red();
    // A feather of 4 px (the default) grows the weight past the disc's edge.
    await page.getByTestId('feather-preview').click();
    await expect(page.getByTestId('feather-preview').getAttribute('aria-pressed')).resolves.toBe('true');
    const soft = await red();
    expect(soft).toBeGreaterThan(plain + 20);
    await editor.shot('feather-preview');
    await page.getByTestId('feather-preview').click();
    expect(await red()).toBeLessThan(soft - 20);
  });

  it('imports a mask file of the photo’s size (luminance), refuses another size, and exports the mask', async () => {
    const grey = Buffer.alloc(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if ((x + 0.5 - 800) ** 2 + (y + 0.5 - 500) ** 2 <= 300 ** 2) grey[y * W + x] = 255;
    const maskPath = join(files.dir, 'mask.png');
    await sharp(grey, { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(maskPath);
    await oneStep(async () => {
      await page.getByTestId('import-mask').setInputFiles(maskPath);
      await page.waitForFunction(() => window.__maskroomCanvas!.pixel(800, 500) === 255, null, {
        timeout: 20_000,
      });
      await settle();
    });
    await expect(
      canvas.iou([{ op: 'add', shape: { kind: 'ellipse', cx: 800, cy: 500, rx: 300, ry: 300 } }]),
    ).resolves.toBe(1);
    await editor.shot('imported');

    const small = join(files.dir, 'small.png');
    await sharp(grey.subarray(0, 100 * 80), { raw: { width: 100, height: 80, channels: 1 } })
      .png()
      .toFile(small);
    const depth = (await canvas.stats()).undoDepth;
    await page.getByTestId('import-mask').setInputFiles(small);
    await page.waitForSelector('[data-testid=error]', { timeout: 10_000 });
    await expect(page.getByTestId('error').textContent()).resolves.toMatch(
      /The mask file is 100x80 pixels but the photo is 1600x1000; choose a mask made for this photo\./,
    );
    expect((await canvas.stats()).undoDepth).toBe(depth);
    await page.getByRole('button', { name: 'Dismiss' }).first().click();

    const download = page.waitForEvent('download', { timeout: 20_000 });
    await page.getByTestId('export-mask').click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(/-mask\.png$/);
    const out = join(files.dir, 'exported.png');
    await d.saveAs(out);
    const { data, info } = await sharp(out).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([W, H]);
    expect(Buffer.compare(data, grey)).toBe(0);
    writeFileSync(join(files.dir, 'done'), '');
  });
});
