/** npm run web -- [--port N] [--library DIR]: build the renderer, then serve it with the web host. */
import { spawnSync, spawn } from 'node:child_process';

const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--renderer'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(process.execPath, ['--import', 'tsx', 'electron/hosts/web-host.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
