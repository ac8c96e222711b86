/**
 * Finds the Chromium that browser tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else (as
 * root) installs Debian's chromium package with apt-get, else a clear error. Never downloads a browser build
 * of its own (Playwright's browser download cannot work on these machines).
 */
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(opts: { install?: boolean; log?: (s: string) => void } = {}): string {
  const log = opts.log ?? (() => undefined);
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, which is not an executable file; fix or unset it.`);
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (executable(p)) return p;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (opts.install && isRoot && executable('/usr/bin/apt-get')) {
    log('Chromium not found: installing Debian package "chromium" with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env,
    });
    if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  throw new Error(
    'No Chromium found for the browser tests: install Debian\'s "chromium" package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable.',
  );
}

export function freshUserDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'maskroom-chromium-'));
}
