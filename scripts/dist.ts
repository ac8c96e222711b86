/**
 * npm run dist [-- electron-builder args]: build, then package with electron-builder.
 * electron-builder fetches the Electron runtime for each target platform; where that download is impossible
 * (an offline build machine), point MASKROOM_ELECTRON_DIST at an unpacked Electron of the same version, and a
 * failed download is explained in one line instead of a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const require = createRequire(import.meta.url);
const cli = require.resolve('electron-builder/cli.js');
const args = ['--config', 'electron-builder.yml', ...process.argv.slice(2)];
if (process.env.MASKROOM_ELECTRON_DIST) args.push(`-c.electronDist=${process.env.MASKROOM_ELECTRON_DIST}`);

// electron-builder reports failures on either stream: pass both through and keep them to explain the failure.
const child = spawn(process.execPath, [cli, ...args], { stdio: ['inherit', 'pipe', 'pipe'] });
let err = '';
child.stdout.on('data', (d: Buffer) => {
  err += d.toString();
  process.stdout.write(d);
});
child.stderr.on('data', (d: Buffer) => {
  err += d.toString();
  process.stderr.write(d);
});
child.on('exit', (code) => {
  if (code !== 0 && /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo/.test(err)) {
    console.error(
      '\nmaskroom dist: electron-builder could not download the Electron runtime for the target platform; ' +
        'run it where the internet is reachable, or set MASKROOM_ELECTRON_DIST to an unpacked Electron 45 for that platform.',
    );
  }
  process.exit(code ?? 1);
});
