/**
 * The key with safeStorage (a fake with a real reversible cipher): encrypted on disk, never in settings,
 * and an honest warning on Linux without a keyring ('basic_text') or without any encryption.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SettingsService, MemorySecretStore } from '../../../electron/core/settings';
import {
  KEY_FILE,
  SafeStorageSecretStore,
  WARNINGS,
  type SafeStorageLike,
} from '../../../electron/main/secrets';
import { tempDir } from '../../support/temp';

function fakeSafeStorage(
  backend: ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>,
  available = true,
): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(s) {
      if (!available) throw new Error('Encryption is not available.');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(b) {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

let t: ReturnType<typeof tempDir>;
let file: string;
beforeEach(() => {
  t = tempDir('maskroom-secrets-');
  file = path.join(t.dir, KEY_FILE);
});
afterEach(() => t.cleanup());

describe('SafeStorageSecretStore', () => {
  it('stores the key encrypted and reads it back in a new session', async () => {
    const safe = fakeSafeStorage('gnome_libsecret');
    const s = new SafeStorageSecretStore(safe, file);
    expect(s.kind).toBe('encrypted');
    expect(s.get()).toBeNull();
    await s.set('  sk-abc-123  ');
    expect(readFileSync(file).includes(Buffer.from('sk-abc-123'))).toBe(false);
    const again = new SafeStorageSecretStore(safe, file);
    expect(again.get()).toBe('sk-abc-123');
    expect(again.warning).toBeNull();
    await again.set(null);
    expect(existsSync(file)).toBe(false);
    expect(new SafeStorageSecretStore(safe, file).get()).toBeNull();
  });

  it('warns, and says how to fix it, on Linux without a keyring (basic_text)', async () => {
    const s = new SafeStorageSecretStore(fakeSafeStorage('basic_text'), file);
    expect(s.kind).toBe('plaintext');
    expect(s.warning).toBe(WARNINGS.basicText);
    expect(s.warning).toMatch(/GNOME Keyring or KWallet/);
    expect(s.warning).toMatch(/SEGMIND_API_KEY/);
    await s.set('sk-1');
    const settings = new SettingsService(
      new (class {
        read() {
          return undefined;
        }
        write() {}
      })(),
      s,
      {},
    );
    expect(settings.get()).toMatchObject({
      apiKeySet: true,
      keyStorage: 'plaintext',
      keyStorageWarning: WARNINGS.basicText,
    });
  });

  it('keeps the key in memory only when the system cannot encrypt at all', async () => {
    const s = new SafeStorageSecretStore(fakeSafeStorage('unknown', false), file);
    expect(s.kind).toBe('memory');
    await s.set('sk-2');
    expect(s.get()).toBe('sk-2');
    expect(existsSync(file)).toBe(false);
    expect(s.warning).toBe(WARNINGS.unavailable);
  });

  it('says so when the saved key cannot be decrypted any more', () => {
    writeFileSync(file, randomBytes(64));
    const s = new SafeStorageSecretStore(fakeSafeStorage('kwallet5'), file);
    expect(s.get()).toBeNull();
    expect(s.warning).toBe(WARNINGS.undecryptable);
  });

  it('never lets the key into what the renderer can read', async () => {
    const s = new SafeStorageSecretStore(fakeSafeStorage('gnome_libsecret'), file);
    const settings = new SettingsService(
      new (class {
        read() {
          return undefined;
        }
        write() {}
      })(),
      s,
      {},
    );
    const after = await settings.setApiKey('sk-never-shown');
    expect(JSON.stringify(after)).not.toContain('sk-never-shown');
    expect(JSON.stringify(settings.get())).not.toContain('sk-never-shown');
    expect(settings.apiKey()).toBe('sk-never-shown');
    // The environment still wins, as for the CLI.
    expect(
      new SettingsService(
        new (class {
          read() {
            return undefined;
          }
          write() {}
        })(),
        new MemorySecretStore(),
        { SEGMIND_API_KEY: 'env' },
      ).get().keyStorage,
    ).toBe('environment');
  });
});
