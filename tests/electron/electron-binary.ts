/**
 * Where the Electron binary is, or why there is none. Electron 45's npm package downloads the binary on
 * first use; on machines that cannot reach its download host there is no binary, and the Electron e2e
 * tests are skipped with this reason (never attempted, never a download).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function findElectron(): { path: string } | { missing: string } {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const bin = path.join(
      override,
      process.platform === 'win32'
        ? 'electron.exe'
        : process.platform === 'darwin'
          ? 'Electron.app/Contents/MacOS/Electron'
          : 'electron',
    );
    return existsSync(bin)
      ? { path: bin }
      : { missing: `ELECTRON_OVERRIDE_DIST_PATH is set but ${bin} does not exist` };
  }
  let dir: string;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      missing:
        'the Electron 45 binary is not installed (its npm package fetches it on first use and this machine cannot reach the download host); run "npx install-electron" or set ELECTRON_OVERRIDE_DIST_PATH where it can',
    };
  }
  const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { path: bin } : { missing: `the Electron binary is missing at ${bin}` };
}
