/** Global setup for the e2e project: the web host serves the built renderer, so build it once first. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env.MASKROOM_SKIP_RENDERER_BUILD === '1') return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--renderer'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('Building the renderer for the e2e tests failed (see above).');
}
