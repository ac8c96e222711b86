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
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from './fs-atomic';
import { isServiceUrl } from './network-guard';

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

/** The edit service's two addresses, before and after a change in Settings. */
export interface ServiceChange {
  from: { apiBase: string; storageBase: string };
  to: { apiBase: string; storageBase: string };
}

/**
 * Questions only the user can answer, asked by the host that can ask them truthfully (Electron main, with
 * a native dialog the page cannot draw or click). Hosts without them (the web host, the CLI) get the safe
 * answer: a moved service forgets the stored key without asking; a library folder is never created.
 */
export interface SettingsHooks {
  /** The API or storage origin is about to change and the stored key will be forgotten: go ahead? */
  confirmServiceChange?: (change: ServiceChange) => Promise<boolean>;
  /** The chosen library folder does not exist: may Maskroom create it? */
  confirmCreateLibrary?: (dir: string) => Promise<boolean>;
}

const ADDRESS_RULE =
  'must start with https:// (plain http is accepted only for 127.0.0.1, ::1 and localhost)';

function originOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

/**
 * An absolute local folder that is not a filesystem root and not a network (UNC) path; returns it
 * normalised, or throws the sentence the user sees.
 */
export function checkLibraryDir(dir: string, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const refuse = (why: string) =>
    new AppError(
      'invalid-input',
      `The library folder ${why}; choose a folder on this computer, such as one in your home folder.`,
    );
  // eslint-disable-next-line no-control-regex -- control characters are never part of a folder name
  if (!dir || /[\u0000-\u001f]/.test(dir)) return fail(refuse('is not a valid folder name'));
  if (/^[\\/]{2}/.test(dir) || (platform === 'win32' && /^[\\/]{2}[?.][\\/]/.test(dir)))
    return fail(refuse('cannot be a network share'));
  if (!p.isAbsolute(dir) || (platform === 'win32' && !/^[a-zA-Z]:[\\/]/.test(dir)))
    return fail(refuse('must be a full path, not a relative one'));
  const resolved = p.resolve(dir);
  if (p.parse(resolved).root === resolved || p.dirname(resolved) === resolved)
    return fail(refuse('cannot be the top of a drive'));
  return resolved;
}

function fail(e: AppError): never {
  throw e;
}

export class SettingsService {
  private prefs: StoredPrefs;
  private readonly listeners = new Set<(s: Settings) => void>();
  /** The origins SEGMIND_API_KEY was given for: the environment's service (or the default one). */
  private readonly envOrigins: { api: string; storage: string };

  constructor(
    private readonly store: PrefsStore,
    private readonly secrets: SecretStore,
    private readonly env: Env = process.env,
    private readonly hooks: SettingsHooks = {},
  ) {
    for (const name of ['SEGMIND_API_BASE', 'SEGMIND_STORAGE_BASE'] as const) {
      const v = env[name];
      if (v && !isServiceUrl(v))
        throw new AppError('invalid-input', `${name} ${ADDRESS_RULE}; correct it and start Maskroom again.`);
    }
    const base = defaultPrefs(env);
    this.envOrigins = { api: originOf(base.apiBase), storage: originOf(base.storageBase) };
    this.prefs = this.load();
  }

  private load(): StoredPrefs {
    const base = defaultPrefs(this.env);
    const raw = this.store.read();
    const parsed = StoredPrefs.partial().safeParse(raw ?? {});
    // A damaged preferences file must not stop the app: fall back to defaults field by field.
    const merged = parsed.success ? { ...base, ...stripUndefined(parsed.data) } : base;
    // A stored address the rules refuse (an older version accepted any) falls back to the default.
    if (!isServiceUrl(merged.apiBase)) merged.apiBase = base.apiBase;
    if (!isServiceUrl(merged.storageBase)) merged.storageBase = base.storageBase;
    // The environment is how tests, the CLI and administrators point Maskroom at another service.
    if (this.env.SEGMIND_API_BASE) merged.apiBase = this.env.SEGMIND_API_BASE;
    if (this.env.SEGMIND_STORAGE_BASE) merged.storageBase = this.env.SEGMIND_STORAGE_BASE;
    return StoredPrefs.parse(merged);
  }

  /**
   * SEGMIND_API_KEY belongs to the service the environment names (SEGMIND_API_BASE/SEGMIND_STORAGE_BASE,
   * or the default service): it is used only while Settings point there, never sent to an address the
   * page chose later.
   */
  private envKey(): string | null {
    const key = this.env.SEGMIND_API_KEY;
    if (!key) return null;
    const here =
      originOf(this.prefs.apiBase) === this.envOrigins.api &&
      originOf(this.prefs.storageBase) === this.envOrigins.storage;
    return here ? key : null;
  }

  get(): Settings {
    const envKey = this.envKey();
    const stored = this.secrets.get();
    const keyStorage = envKey ? 'environment' : stored ? this.secrets.kind : 'none';
    const envKeyIdle =
      this.env.SEGMIND_API_KEY && !envKey
        ? 'SEGMIND_API_KEY is not used because the service address was changed in Settings; enter a key for the new service, or change the address back.'
        : null;
    return {
      ...this.prefs,
      apiKeySet: Boolean(envKey || stored),
      keyStorage,
      keyStorageWarning: stored && !envKey ? this.secrets.warning : envKeyIdle,
    };
  }

  /** The key for the edit client. Main-process only: never put it in a response, a project or a log. */
  apiKey(): string | null {
    return this.envKey() || this.secrets.get() || null;
  }

  /**
   * Applies a patch. Service addresses must be https (or loopback http). Moving the API or storage origin
   * forgets the stored key, after the host's confirmation when it can ask (declined: nothing changes), so
   * a key is never sent to an address other than the one it was entered for. A new library folder must
   * be an absolute local folder; a missing one is created only when the host's hook allows it.
   */
  async update(patch: SettingsPatch): Promise<Settings> {
    const p = SettingsPatch.parse(patch);
    for (const [field, label] of [
      ['apiBase', 'The API address'],
      ['storageBase', 'The storage address'],
    ] as const) {
      const v = p[field];
      if (v !== undefined && !isServiceUrl(v))
        throw new AppError('invalid-input', `${label} ${ADDRESS_RULE}; enter the service's https address.`);
    }
    const next = StoredPrefs.parse({
      ...this.prefs,
      ...stripUndefined(p),
      defaults: { ...this.prefs.defaults, ...stripUndefined(p.defaults ?? {}) },
    });
    if (p.libraryDir !== undefined && p.libraryDir !== this.prefs.libraryDir)
      next.libraryDir = await this.prepareLibrary(p.libraryDir);
    const moved =
      originOf(next.apiBase) !== originOf(this.prefs.apiBase) ||
      originOf(next.storageBase) !== originOf(this.prefs.storageBase);
    if (moved) {
      const change: ServiceChange = {
        from: { apiBase: this.prefs.apiBase, storageBase: this.prefs.storageBase },
        to: { apiBase: next.apiBase, storageBase: next.storageBase },
      };
      if (this.hooks.confirmServiceChange && !(await this.hooks.confirmServiceChange(change)))
        throw new AppError(
          'cancelled',
          'The service address was not changed; your API key is kept for the current service.',
        );
      // Forget the key before the new address is in force: a failure here leaves the old address.
      if (this.secrets.get()) await this.secrets.set(null);
    }
    await this.store.write(next);
    this.prefs = next;
    return this.changed();
  }

  private async prepareLibrary(dir: string): Promise<string> {
    const resolved = checkLibraryDir(dir);
    let stat = await fs.stat(resolved).catch(() => null);
    if (!stat) {
      if (!this.hooks.confirmCreateLibrary || !(await this.hooks.confirmCreateLibrary(resolved)))
        throw new AppError(
          'not-found',
          `The folder ${resolved} does not exist; create it first, then choose it again.`,
        );
      await fs.mkdir(resolved, { recursive: true });
      stat = await fs.stat(resolved);
    }
    if (!stat.isDirectory())
      throw new AppError(
        'invalid-input',
        `${resolved} is a file, not a folder; choose a folder for the library.`,
      );
    // A link that leads to the top of a drive is refused like the top of a drive.
    checkLibraryDir(await fs.realpath(resolved));
    return resolved;
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
