import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  JsonFilePrefsStore,
  MemorySecretStore,
  SettingsService,
  DEFAULT_API_BASE,
} from '../../../electron/services/settings';
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
