import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  checkLibraryDir,
  JsonFilePrefsStore,
  MemorySecretStore,
  SettingsService,
  DEFAULT_API_BASE,
  DEFAULT_STORAGE_BASE,
  type ServiceChange,
} from '../../../electron/core/settings';
import { createAppCore } from '../../../electron/core/app';
import { dispatch } from '../../../electron/core/dispatch';
import { EventBus } from '../../../electron/core/events';
import { createHandlers, type HandlerTable } from '../../../electron/core/handlers';
import { SegmindClient } from '../../../electron/core/edit-api';
import { createWorkspace, editApiConfigFrom } from '../../../electron/core/workspace';
import { baseInput } from './edit-api/helpers';
import { tempDir } from '../../support/temp';

describe('settings', () => {
  it('starts from defaults and the environment', () => {
    const t = tempDir();
    const s = new SettingsService(
      new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
      new MemorySecretStore(),
      {
        SEGMIND_STORAGE_BASE: 'http://127.0.0.1:9/storage',
        MASKROOM_LIBRARY: '/photos/lib',
      },
    );
    const v = s.get();
    expect(v.apiBase).toBe(DEFAULT_API_BASE);
    expect(v.storageBase).toBe('http://127.0.0.1:9/storage');
    expect(v.libraryDir).toBe('/photos/lib');
    expect(v.apiKeySet).toBe(false);
    expect(v.keyStorage).toBe('none');
    t.cleanup();
  });

  it('persists updates atomically and never writes the key', async () => {
    const t = tempDir();
    const file = path.join(t.dir, 'prefs.json');
    const secrets = new MemorySecretStore();
    const s = new SettingsService(new JsonFilePrefsStore(file), secrets, {});
    await s.setApiKey('  sk-live-abc  ');
    await s.update({ feather: 12, transport: 'inline', defaults: { quality: 'low' } });
    expect(s.apiKey()).toBe('sk-live-abc');
    expect(s.get()).toMatchObject({
      apiKeySet: true,
      keyStorage: 'memory',
      feather: 12,
      transport: 'inline',
    });
    expect(s.get().defaults).toMatchObject({ quality: 'low', size: 'auto' });
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('sk-live-abc');
    expect(JSON.stringify(s.get())).not.toContain('sk-live-abc');
    expect(readdirSync(t.dir)).toEqual(['prefs.json']);
    const again = new SettingsService(new JsonFilePrefsStore(file), new MemorySecretStore(), {});
    expect(again.get()).toMatchObject({ feather: 12, transport: 'inline', apiKeySet: false });
    t.cleanup();
  });

  it('rejects out-of-range values and survives a damaged file', async () => {
    const t = tempDir();
    const file = path.join(t.dir, 'prefs.json');
    writeFileSync(file, '{"feather": "lots", "transport": "pigeon"');
    const s = new SettingsService(new JsonFilePrefsStore(file), new MemorySecretStore(), {});
    expect(s.get().feather).toBe(4);
    await expect(s.update({ feather: 9999 })).rejects.toThrow();
    expect(s.get().feather).toBe(4);
    t.cleanup();
  });

  it('prefers SEGMIND_API_KEY and reports it as coming from the environment', () => {
    const s = new SettingsService(
      new JsonFilePrefsStore('/nonexistent/x.json'),
      new MemorySecretStore('stored'),
      {
        SEGMIND_API_KEY: 'from-env',
      },
    );
    expect(s.apiKey()).toBe('from-env');
    expect(s.get().keyStorage).toBe('environment');
  });
});

/** A loopback server standing in for an attacker's "service": it records the key each request carries. */
async function attacker(): Promise<{ base: string; keys: (string | null)[]; close(): Promise<void> }> {
  const keys: (string | null)[] = [];
  const server = http.createServer((req, res) => {
    const k = req.headers['x-api-key'];
    keys.push(typeof k === 'string' ? k : null);
    req.resume();
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"nope"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    keys,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs one edit with the client the workspace would build from these settings; swallows its failure. */
async function editWith(settings: SettingsService): Promise<void> {
  const client = new SegmindClient({
    ...editApiConfigFrom(settings),
    maxRetries: 0,
    pollIntervalMs: 20,
    deadlineMs: 5000,
    readTimeoutMs: 2000,
  });
  try {
    await client.edit(await baseInput());
  } catch {
    // the attacker answers 500 (or the client refuses without a key): only what was sent matters
  } finally {
    await client.close();
  }
}

describe('the key stays with the service it was entered for', () => {
  const SECRET = 'sk-live-the-users-own-key';
  const moves = (base: string) => [
    { apiBase: `${base}/api` },
    { storageBase: `${base}/storage` },
    { apiBase: `${base}/api`, storageBase: `${base}/storage` },
  ];

  it('settings:update to another origin forgets the stored key: the attacker never receives it', async () => {
    const evil = await attacker();
    try {
      for (const patch of moves(evil.base)) {
        const t = tempDir();
        const core = createAppCore({
          host: 'web',
          prefs: new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
          secrets: new MemorySecretStore(),
          env: { MASKROOM_LIBRARY: t.dir },
        });
        expect((await dispatch(core.handlers, 'settings:setApiKey', { key: SECRET })).ok).toBe(true);
        const res = await dispatch(core.handlers, 'settings:update', patch);
        expect(res.ok, JSON.stringify(patch)).toBe(true);
        expect(core.settings.get()).toMatchObject({ apiKeySet: false, keyStorage: 'none' });
        expect(core.settings.apiKey()).toBeNull();
        // Point whichever address the patch left alone at the attacker too, as a second call would.
        await core.settings.update({ apiBase: `${evil.base}/api`, storageBase: `${evil.base}/storage` });
        await editWith(core.settings);
        expect(evil.keys.filter((k) => k !== null)).toEqual([]);
        await core.dispose();
        t.cleanup();
      }
    } finally {
      await evil.close();
    }
  });

  it('SEGMIND_API_KEY is used only with the service the environment names', async () => {
    const evil = await attacker();
    const t = tempDir();
    try {
      const s = new SettingsService(
        new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
        new MemorySecretStore(),
        {
          SEGMIND_API_KEY: SECRET,
        },
      );
      expect(s.apiKey()).toBe(SECRET);
      await s.update({ apiBase: `${evil.base}/api`, storageBase: `${evil.base}/storage` });
      expect(s.apiKey()).toBeNull();
      expect(s.get()).toMatchObject({ apiKeySet: false, keyStorage: 'none' });
      expect(s.get().keyStorageWarning).toMatch(/SEGMIND_API_KEY is not used/);
      await editWith(s);
      expect(evil.keys.filter((k) => k !== null)).toEqual([]);
      // Back at the environment's service, the environment's key applies again.
      await s.update({ apiBase: DEFAULT_API_BASE, storageBase: DEFAULT_STORAGE_BASE });
      expect(s.apiKey()).toBe(SECRET);
    } finally {
      await evil.close();
      t.cleanup();
    }
  });

  it('keeps the key when only the path changes, or when the host declines the move', async () => {
    const t = tempDir();
    const asked: ServiceChange[] = [];
    let answer = false;
    const s = new SettingsService(
      new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
      new MemorySecretStore(),
      {},
      { confirmServiceChange: async (c) => (asked.push(c), answer) },
    );
    await s.setApiKey(SECRET);
    await s.update({ apiBase: `${DEFAULT_API_BASE}/v2`, feather: 7 });
    expect(asked).toEqual([]);
    expect(s.apiKey()).toBe(SECRET);
    await expect(s.update({ apiBase: 'https://api.other.example' })).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(s.get().apiBase).toBe(`${DEFAULT_API_BASE}/v2`);
    expect(s.apiKey()).toBe(SECRET);
    answer = true;
    await s.update({ apiBase: 'https://api.other.example' });
    expect(asked.map((c) => c.to.apiBase)).toEqual([
      'https://api.other.example',
      'https://api.other.example',
    ]);
    expect(s.get().apiBase).toBe('https://api.other.example');
    expect(s.apiKey()).toBeNull();
    t.cleanup();
  });

  it('accepts https and loopback http only, for both addresses, from the page and the environment', async () => {
    const t = tempDir();
    const s = new SettingsService(
      new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
      new MemorySecretStore(),
      {},
    );
    await s.setApiKey(SECRET);
    for (const bad of [
      'http://api.evil.net',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://10.1.2.3:80/api',
      'https://u:p@api.segmind.com',
    ]) {
      for (const field of ['apiBase', 'storageBase'] as const) {
        const r = await dispatch(createHandlersFor(s), 'settings:update', { [field]: bad });
        expect(r.ok, `${field} ${bad}`).toBe(false);
        if (!r.ok) expect(r.error.message.split(/[.;] /).length).toBeLessThanOrEqual(2);
      }
      expect(
        () =>
          new SettingsService(new JsonFilePrefsStore('/nonexistent/x.json'), new MemorySecretStore(), {
            SEGMIND_API_BASE: bad,
          }),
      ).toThrow(/https/);
    }
    expect(s.get().apiBase).toBe(DEFAULT_API_BASE);
    expect(s.apiKey()).toBe(SECRET);
    t.cleanup();
  });
});

describe('the library folder', () => {
  it('accepts only an absolute local folder that is not a root or a network share', () => {
    for (const [dir, platform] of [
      ['/', 'linux'],
      ['//', 'linux'],
      ['/..', 'linux'],
      ['relative/lib', 'linux'],
      ['./lib', 'linux'],
      ['', 'linux'],
      ['//server/share/lib', 'linux'],
      ['/a\u0000b', 'linux'],
      ['C:\\', 'win32'],
      ['C:', 'win32'],
      ['C:lib', 'win32'],
      ['\\lib', 'win32'],
      ['\\\\server\\share\\lib', 'win32'],
      ['\\\\?\\C:\\lib', 'win32'],
      ['//server/share', 'win32'],
    ] as const)
      expect(() => checkLibraryDir(dir, platform), `${platform} ${JSON.stringify(dir)}`).toThrow(
        /library folder/,
      );
    expect(checkLibraryDir('/home/me/Maskroom/', 'linux')).toBe('/home/me/Maskroom');
    expect(checkLibraryDir('/home/me/a/../Maskroom', 'linux')).toBe('/home/me/Maskroom');
    expect(checkLibraryDir('D:\\Photos\\Maskroom', 'win32')).toBe('D:\\Photos\\Maskroom');
  });

  it('refuses a root, a relative path or a share from the page, and creates a folder only with consent', async () => {
    const t = tempDir();
    const before = path.join(t.dir, 'lib');
    mkdirSync(before);
    let consent = false;
    const asked: string[] = [];
    const s = new SettingsService(
      new JsonFilePrefsStore(path.join(t.dir, 'p.json')),
      new MemorySecretStore(),
      { MASKROOM_LIBRARY: before },
      { confirmCreateLibrary: async (d) => (asked.push(d), consent) },
    );
    const table = createHandlersFor(s);
    for (const dir of ['/', 'lib2', '../..', '//server/share', '\\\\server\\share'])
      expect((await dispatch(table, 'settings:update', { libraryDir: dir })).ok, dir).toBe(false);
    symlinkSync('/', path.join(t.dir, 'root-link'));
    expect((await dispatch(table, 'settings:update', { libraryDir: path.join(t.dir, 'root-link') })).ok).toBe(
      false,
    );
    writeFileSync(path.join(t.dir, 'a-file'), 'x');
    expect((await dispatch(table, 'settings:update', { libraryDir: path.join(t.dir, 'a-file') })).ok).toBe(
      false,
    );
    const fresh = path.join(t.dir, 'new', 'lib');
    expect((await dispatch(table, 'settings:update', { libraryDir: fresh })).ok).toBe(false);
    expect(existsSync(fresh)).toBe(false);
    consent = true;
    expect((await dispatch(table, 'settings:update', { libraryDir: fresh })).ok).toBe(true);
    expect(asked).toEqual([fresh, fresh]);
    expect(statSync(fresh).isDirectory()).toBe(true);
    expect(s.get().libraryDir).toBe(fresh);
    // Without a hook (web host, CLI) a missing folder is never created; an existing one is accepted.
    const plain = new SettingsService(
      new JsonFilePrefsStore(path.join(t.dir, 'q.json')),
      new MemorySecretStore(),
      { MASKROOM_LIBRARY: before },
    );
    expect(
      (await dispatch(createHandlersFor(plain), 'settings:update', { libraryDir: path.join(t.dir, 'other') }))
        .ok,
    ).toBe(false);
    expect(existsSync(path.join(t.dir, 'other'))).toBe(false);
    expect((await dispatch(createHandlersFor(plain), 'settings:update', { libraryDir: fresh })).ok).toBe(
      true,
    );
    t.cleanup();
  });
});

function createHandlersFor(settings: SettingsService): HandlerTable {
  return createHandlers({
    version: 'test',
    host: 'web',
    settings,
    workspace: createWorkspace({ settings, events: new EventBus() }),
  });
}
