/**
 * Preferences and the API key. Imports nothing from Electron: the Electron shell passes an electron-store
 * backed PrefsStore and a safeStorage backed SecretStore; the web host and the CLI pass a JSON file and the
 * environment. The key never leaves this module except through apiKey(), which only main-side code calls.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { EditParams, Settings, SettingsPatch } from '../../shared/contract';
import { writeFileAtomic } from './fs-atomic';

export const DEFAULT_API_BASE = 'https://api.segmind.com';
export const DEFAULT_STORAGE_BASE = 'https://workflows-api.segmind.com';

/** What is persisted: the settings minus everything about the key. */
export const StoredPrefs = Settings.omit({ apiKeySet: true, keyStorage: true, keyStorageWarning: true });
export type StoredPrefs = z.infer<typeof StoredPrefs>;

export interface PrefsStore {
  read(): unknown;
  write(prefs: StoredPrefs): Promise<void> | void;
}

export interface SecretStore {
  readonly kind: 'encrypted' | 'plaintext' | 'memory';
  /** Shown to the user when the key is not well protected (e.g. Linux without a keyring). */
  readonly warning: string | null;
  get(): string | null;
  set(key: string | null): Promise<void> | void;
}

export type Env = Record<string, string | undefined>;

export function defaultLibraryDir(env: Env = process.env): string {
  return env.MASKROOM_LIBRARY || path.join(os.homedir(), 'Maskroom');
}

export function defaultPrefs(env: Env = process.env): StoredPrefs {
  return {
    apiBase: env.SEGMIND_API_BASE || DEFAULT_API_BASE,
    storageBase: env.SEGMIND_STORAGE_BASE || DEFAULT_STORAGE_BASE,
    transport: 'upload',
    mode: 'async',
    timeoutSeconds: 600,
    defaults: EditParams.parse({}),
    feather: 4,
    colorMatch: true,
    libraryDir: defaultLibraryDir(env),
  };
}

export class SettingsService {
  private prefs: StoredPrefs;
  private readonly listeners = new Set<(s: Settings) => void>();

  constructor(
    private readonly store: PrefsStore,
    private readonly secrets: SecretStore,
    private readonly env: Env = process.env,
  ) {
    this.prefs = this.load();
  }

  private load(): StoredPrefs {
    const base = defaultPrefs(this.env);
    const raw = this.store.read();
    const parsed = StoredPrefs.partial().safeParse(raw ?? {});
    // A damaged preferences file must not stop the app: fall back to defaults field by field.
    const merged = parsed.success ? { ...base, ...stripUndefined(parsed.data) } : base;
    // The environment is how tests, the CLI and administrators point Maskroom at another service.
    if (this.env.SEGMIND_API_BASE) merged.apiBase = this.env.SEGMIND_API_BASE;
    if (this.env.SEGMIND_STORAGE_BASE) merged.storageBase = this.env.SEGMIND_STORAGE_BASE;
    return StoredPrefs.parse(merged);
  }

  get(): Settings {
    const envKey = this.env.SEGMIND_API_KEY;
    const stored = this.secrets.get();
    const keyStorage = envKey ? 'environment' : stored ? this.secrets.kind : 'none';
    return {
      ...this.prefs,
      apiKeySet: Boolean(envKey || stored),
      keyStorage,
      keyStorageWarning: stored && !envKey ? this.secrets.warning : null,
    };
  }

  /** The key for the edit client. Main-process only: never put it in a response, a project or a log. */
  apiKey(): string | null {
    return this.env.SEGMIND_API_KEY || this.secrets.get() || null;
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const p = SettingsPatch.parse(patch);
    const next = StoredPrefs.parse({
      ...this.prefs,
      ...stripUndefined(p),
      defaults: { ...this.prefs.defaults, ...stripUndefined(p.defaults ?? {}) },
    });
    await this.store.write(next);
    this.prefs = next;
    return this.changed();
  }

  async setApiKey(key: string | null): Promise<Settings> {
    await this.secrets.set(key && key.trim() ? key.trim() : null);
    return this.changed();
  }

  onChange(listener: (s: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): Settings {
    const s = this.get();
    for (const l of this.listeners) l(s);
    return s;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Preferences in a JSON file (web host, CLI). Writes are atomic. */
export class JsonFilePrefsStore implements PrefsStore {
  constructor(private readonly file: string) {}

  read(): unknown {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async write(prefs: StoredPrefs): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, `${JSON.stringify(prefs, null, 2)}\n`);
  }
}

/** A key held only for the life of the process (web host, tests). Never written anywhere. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory' as const;
  readonly warning =
    'The API key is kept in memory only and is forgotten when Maskroom stops; set SEGMIND_API_KEY to keep it.';
  private key: string | null;

  constructor(initial: string | null = null) {
    this.key = initial;
  }

  get(): string | null {
    return this.key;
  }

  set(key: string | null): void {
    this.key = key;
  }
}
