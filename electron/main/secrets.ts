/**
 * The API key, encrypted with Electron's safeStorage (the OS keychain, DPAPI, or the Linux keyring) and
 * kept as an opaque blob in userData. It is decrypted only in main and never sent to the renderer: the
 * settings service reports only whether a key is set and how it is stored.
 *
 * Where the OS offers no secret store (Linux's 'basic_text' backend: Chromium's fixed password), the key
 * is still written, but the store says so ('plaintext') and carries a warning telling the user how to fix
 * it; where encryption is unavailable entirely, the key is kept in memory only and never written.
 */
import path from 'node:path';
import { promises as fsp, readFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { SecretStore } from '../core/settings';
import { writeFileAtomic } from '../core/fs-atomic';

export type SafeStorageLike = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString'
> & {
  getSelectedStorageBackend?: SafeStorage['getSelectedStorageBackend'];
};

export interface SecretFs {
  read(file: string): Buffer | null;
  write(file: string, data: Buffer): Promise<void>;
  remove(file: string): Promise<void>;
}

export const nodeSecretFs: SecretFs = {
  read(file) {
    try {
      return readFileSync(file);
    } catch {
      return null;
    }
  },
  async write(file, data) {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, data, { mode: 0o600 });
  },
  async remove(file) {
    await fsp.rm(file, { force: true });
  },
};

export const KEY_FILE = 'api-key.enc';

export const WARNINGS = {
  basicText:
    'Your Linux desktop offers Maskroom no keyring, so the API key is stored on disk without real protection; install and unlock GNOME Keyring or KWallet (or start Maskroom with --password-store=gnome-libsecret), or set SEGMIND_API_KEY instead.',
  unavailable:
    'This system offers Maskroom no way to encrypt the API key, so it is kept in memory only and forgotten when Maskroom quits; set up your system keyring, or set SEGMIND_API_KEY instead.',
  undecryptable:
    'The saved API key could not be decrypted (the system keyring may have changed); enter the key again in Settings.',
} as const;

export class SafeStorageSecretStore implements SecretStore {
  readonly kind: SecretStore['kind'];
  private problem: string | null = null;
  private key: string | null = null;

  constructor(
    private readonly safe: SafeStorageLike,
    private readonly file: string,
    private readonly fs: SecretFs = nodeSecretFs,
  ) {
    const available = safe.isEncryptionAvailable();
    const backend = safe.getSelectedStorageBackend?.();
    this.kind = !available ? 'memory' : backend === 'basic_text' ? 'plaintext' : 'encrypted';
    if (this.kind === 'memory') return;
    const blob = fs.read(file);
    if (!blob || blob.length === 0) return;
    try {
      const k = safe.decryptString(blob).trim();
      this.key = k || null;
    } catch {
      this.problem = WARNINGS.undecryptable;
    }
  }

  get warning(): string | null {
    if (this.kind === 'memory') return WARNINGS.unavailable;
    if (this.kind === 'plaintext') return WARNINGS.basicText;
    return this.problem;
  }

  get(): string | null {
    return this.key;
  }

  async set(key: string | null): Promise<void> {
    const k = key?.trim() || null;
    if (this.kind !== 'memory') {
      if (k) await this.fs.write(this.file, this.safe.encryptString(k));
      else await this.fs.remove(this.file);
    }
    this.key = k;
    this.problem = null;
  }
}
