/**
 * Preferences in electron-store, with a JSON schema (written by main, validated on every read and write).
 * One file, preferences.json in userData, holds three keys: the settings (`prefs`), the window's size and
 * position (`window`) and the recent projects (`recentProjects`, ids only). The layer history is never
 * here: it lives in the project folders. The API key is never here either (see secrets.ts).
 *
 * No Electron import: main.ts constructs the electron-store and hands it over as a KeyValueStore, so the
 * tests run the same schema through `conf` (the engine under electron-store) in plain Node.
 */
import { z } from 'zod';
import { Id } from '../../shared/contract';
import { StoredPrefs, type PrefsStore } from '../core/settings';
import type { WindowBounds } from './window';

export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

export const STORE_NAME = 'preferences';
export const MAX_RECENT = 10;

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

export const WindowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean().optional(),
});
export type WindowState = z.infer<typeof WindowState>;

/** The schema handed to electron-store (`schema` option): one JSON schema per top-level key. */
export const storeSchema: Record<string, Record<string, unknown>> = {
  prefs: jsonSchema(StoredPrefs.partial()),
  window: jsonSchema(WindowState),
  recentProjects: jsonSchema(z.array(Id).max(MAX_RECENT)),
};

/** Options for `new ElectronStore(...)` (or `new Conf(...)` in tests). */
export function storeOptions(cwd: string) {
  return {
    name: STORE_NAME,
    cwd,
    schema: storeSchema,
    // A damaged or hand-edited file that breaks the schema is reset rather than stopping the app.
    clearInvalidConfig: true,
    // Preferences are not secrets: the key is stored separately with safeStorage.
    accessPropertiesByDotNotation: false,
  } as const;
}

/** The settings service's PrefsStore over electron-store. */
export class ElectronStorePrefsStore implements PrefsStore {
  constructor(private readonly store: KeyValueStore) {}

  read(): unknown {
    return this.store.get('prefs');
  }

  write(prefs: StoredPrefs): void {
    this.store.set('prefs', StoredPrefs.parse(prefs));
  }
}

/** Window size and position, and the recent projects: what the shell remembers between runs. */
export class ShellState {
  constructor(private readonly store: KeyValueStore) {}

  windowState(): WindowState | null {
    const r = WindowState.safeParse(this.store.get('window'));
    return r.success ? r.data : null;
  }

  saveWindowState(bounds: WindowBounds, maximized: boolean): void {
    const r = WindowState.safeParse({
      x: bounds.x === undefined ? undefined : Math.round(bounds.x),
      y: bounds.y === undefined ? undefined : Math.round(bounds.y),
      width: Math.round(bounds.width),
      height: Math.round(bounds.height),
      maximized,
    });
    if (r.success) this.store.set('window', r.data);
  }

  recentProjects(): string[] {
    const r = z.array(Id).safeParse(this.store.get('recentProjects'));
    return r.success ? r.data.slice(0, MAX_RECENT) : [];
  }

  /** Moves the project to the front of the list. */
  touchRecent(projectId: string): string[] {
    if (!Id.safeParse(projectId).success) return this.recentProjects();
    const next = [projectId, ...this.recentProjects().filter((id) => id !== projectId)].slice(0, MAX_RECENT);
    this.store.set('recentProjects', next);
    return next;
  }

  forgetRecent(projectId: string): string[] {
    const next = this.recentProjects().filter((id) => id !== projectId);
    this.store.set('recentProjects', next);
    return next;
  }

  clearRecent(): void {
    this.store.set('recentProjects', []);
  }
}
