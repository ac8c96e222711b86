/**
 * What the benchmarks share: the repository root, the --quick flag, the median and the wall time of a step,
 * and for the browser benches the renderer build and the canvas test page's hooks on window.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
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
