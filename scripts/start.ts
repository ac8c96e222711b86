/**
 * npm start: build, then launch Electron. The Electron runtime is a separate download (Electron 45 fetches
 * it on first use); where it is missing and cannot be fetched, say so in two lines instead of a stack trace.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function electronBinary(): string | null {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return null; // electron's own resolver handles this case
  let dir: string;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

export function electronAvailable(): boolean {
  return Boolean(process.env.ELECTRON_OVERRIDE_DIST_PATH) || electronBinary() !== null;
}

function tryDownload(): boolean {
  let installer: string;
  try {
    installer = require.resolve('electron/install.js');
  } catch {
    return false;
  }
  console.log('The Electron runtime is not installed yet; trying to download it once…');
  const r = spawnSync(process.execPath, [installer], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  });
  return r.status === 0 && electronBinary() !== null;
}

if (!electronAvailable() && !tryDownload()) {
  console.error(
    'Maskroom cannot start: the Electron runtime (electron 45 binary) is not installed and could not be downloaded from this machine.\n' +
      'Run "npx install-electron" where the internet is reachable (or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron); meanwhile "npm run web" runs Maskroom in a browser.',
  );
  process.exit(1);
}

const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const electronPath = require('electron') as unknown as string;
const child = spawn(electronPath, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
