/**
 * What the benchmarks share: the repository root, the --quick flag, the median and the wall time of a step,
 * and for the browser benches the renderer build and the canvas test page's hooks on window.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Patch, Photo } from '../electron/core/imaging';
import type { Rect } from '../shared/contract';
import type { CanvasPage } from '../renderer/canvas/dev/main';
import type { CanvasDebugApi } from '../renderer/canvas/debug';

declare global {
  interface Window {
    __canvasPage?: CanvasPage;
    __maskroomCanvas?: CanvasDebugApi;
  }
}

/** The bench folder (results/ is below it). */
export const here = import.meta.dirname;
/** The repository root (benches run with it as the working folder of what they spawn). */
export const root = path.resolve(here, '..');
/** `--quick`: fewer runs and smaller cases, for a smoke run. */
export const quick = process.argv.includes('--quick');

/**
 * A JPEG of `width` x `height` made from a fixture photo (coffee.png, resized with lanczos3; quality 92):
 * benches generate large images, never commit them.
 */
export async function fixtureJpeg(width: number, height: number): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const fixtures =
    process.env.MASKROOM_FIXTURES || path.resolve(import.meta.dirname, '../../shared/fixtures/photos');
  return new Uint8Array(
    await sharp(path.join(fixtures, 'coffee.png'))
      .resize(width, height, { kernel: 'lanczos3' })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

/** The median of xs (the mean of the two middle values for an even count; NaN when empty). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wall time of one awaited step, in ms. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Builds dist/renderer for the browser benches, unless MASKROOM_SKIP_RENDERER_BUILD=1 reuses the last build. */
export function buildRenderer(): void {
  if (process.env.MASKROOM_SKIP_RENDERER_BUILD === '1') return;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--renderer'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('Building the renderer failed (see above).');
}

/**
 * A layer-like 8-bit patch at `rect` (inside the photo): a feathered ellipse filling it (alpha 255 inside,
 * falling to 0 over the outer 15% of its radius) over a copy of the photo's pixels there, tinted by three
 * draws of `rand` and a little pattern.
 */
export function ellipsePatch(photo: Photo, rect: Rect, rand: () => number): Patch {
  const { x, y, width: w, height: h } = rect;
  const rgba = new Uint8Array(w * h * 4);
  const tint = [rand() * 80 - 40, rand() * 80 - 40, rand() * 80 - 40];
  const feather = 0.15;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const dx = (i + 0.5) / w - 0.5;
      const dy = (j + 0.5) / h - 0.5;
      const d = Math.sqrt(dx * dx + dy * dy) * 2; // 0 centre, 1 at the ellipse
      const a = d >= 1 ? 0 : d <= 1 - feather ? 255 : Math.round((255 * (1 - d)) / feather);
      const o = (j * w + i) * 4;
      const s = ((y + j) * photo.width + (x + i)) * photo.channels;
      for (let c = 0; c < 3; c++)
        rgba[o + c] = Math.max(0, Math.min(255, photo.pixels[s + c]! + tint[c]! + ((i ^ j) & 7)));
      rgba[o + 3] = a;
    }
  }
  return { rect: { ...rect }, depth: 8, rgba };
}
