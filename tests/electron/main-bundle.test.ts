/**
 * Where the Electron binary is missing the full e2e test is skipped, so this one makes sure the shipped main
 * bundle (dist/electron/main.js, as electron-builder packs it) at least loads and wires itself: every import
 * resolves, and at load it registers the app protocol as privileged, turns on the sandbox for every renderer,
 * takes the single-instance lock, and waits for app ready. Electron is replaced by a recording stub.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp';

const root = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: root,
    stdio: 'inherit',
    timeout: 100_000,
  });
  if (b.status !== 0) throw new Error('npm run build failed (see above)');
});

describe('the built main bundle', () => {
  it('loads in plain Node against a stub Electron and sets up the shell before app ready', () => {
    const t = tempDir('maskroom-main-bundle-');
    try {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          './tests/support/electron-stub/register.mjs',
          '-e',
          "await import('./dist/electron/main.js')",
        ],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, MASKROOM_STUB_DIR: t.dir, MASKROOM_USER_DATA: t.dir },
        },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const line = r.stdout
        .trim()
        .split('\n')
        .find((l) => l.startsWith('{"electronCalls"'));
      expect(line, r.stdout).toBeDefined();
      const calls = (JSON.parse(line!) as { electronCalls: string[] }).electronCalls;
      expect(calls).toContain('protocol.registerSchemesAsPrivileged(1)');
      expect(calls).toContain('app.enableSandbox(0)');
      expect(calls).toContain('app.requestSingleInstanceLock');
      expect(calls).toContain('app.whenReady');
      // The privileged scheme must be registered before the app is ready (Electron refuses it afterwards).
      expect(calls.indexOf('protocol.registerSchemesAsPrivileged(1)')).toBeLessThan(
        calls.indexOf('app.whenReady'),
      );
    } finally {
      t.cleanup();
    }
  });

  it('is what package.json points Electron at', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main.js');
  });
});
