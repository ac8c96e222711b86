/**
 * Preferences through the same schema electron-store uses, run by `conf` (electron-store's engine) in plain
 * Node: settings round-trip, a broken file is reset instead of stopping the app, the key and the layer
 * history are never in it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Conf from 'conf';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { SettingsService, MemorySecretStore } from '../../../electron/core/settings';
import {
  ElectronStorePrefsStore,
  MAX_RECENT,
  ShellState,
  STORE_NAME,
  storeOptions,
  storeSchema,
} from '../../../electron/main/prefs-store';
import { tempDir } from '../../support/temp';

let t: ReturnType<typeof tempDir>;
// What electron-store does with its options before handing them to conf: `name` becomes `configName`.
const open = () => {
  const { name, ...rest } = storeOptions(t.dir);
  return new Conf<Record<string, unknown>>({ ...rest, configName: name, projectName: 'maskroom-test' });
};
const file = () => path.join(t.dir, `${STORE_NAME}.json`);

beforeEach(() => {
  t = tempDir('maskroom-store-');
});
afterEach(() => t.cleanup());

describe('preferences in electron-store', () => {
  it('round-trips the settings through the schema, and never stores the key', async () => {
    const env = { MASKROOM_LIBRARY: path.join(t.dir, 'lib') };
    const s1 = new SettingsService(new ElectronStorePrefsStore(open()), new MemorySecretStore(), env);
    await s1.update({ feather: 12, mode: 'sync', defaults: { quality: 'low' } });
    await s1.setApiKey('sk-very-secret');
    const s2 = new SettingsService(new ElectronStorePrefsStore(open()), new MemorySecretStore(), env);
    expect(s2.get()).toMatchObject({ feather: 12, mode: 'sync', defaults: { quality: 'low', size: 'auto' } });
    const text = readFileSync(file(), 'utf8');
    expect(text).not.toContain('sk-very-secret');
    expect(text).not.toMatch(/apiKey|layers/);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['prefs']);
  });

  it('has a schema for every key it keeps', () => {
    expect(Object.keys(storeSchema).sort()).toEqual(['prefs', 'recentProjects', 'window']);
    expect(storeSchema.prefs).toMatchObject({ type: 'object' });
  });

  it('refuses to write values that break the schema', () => {
    const store = open();
    expect(() => store.set('prefs', { timeoutSeconds: 5 })).toThrow(/schema/i);
    expect(() => store.set('window', { width: 'wide', height: 10 })).toThrow(/schema/i);
    expect(() => store.set('recentProjects', ['../etc'])).toThrow(/schema/i);
  });

  it('starts from defaults when the file is damaged or hand-edited out of shape', () => {
    writeFileSync(file(), '{"prefs": {"feather": "lots"}, "window": {"width": 1000, "height": 800}}');
    const s = new SettingsService(new ElectronStorePrefsStore(open()), new MemorySecretStore(), {});
    expect(s.get().feather).toBe(4);
    writeFileSync(file(), '{not json');
    expect(() => open()).not.toThrow();
  });
});

describe('shell state', () => {
  it('remembers the window and the recent projects, most recent first, at most ten', () => {
    const state = new ShellState(open());
    expect(state.windowState()).toBeNull();
    state.saveWindowState({ x: 10.4, y: 20, width: 1200.6, height: 800 }, true);
    expect(new ShellState(open()).windowState()).toEqual({
      x: 10,
      y: 20,
      width: 1201,
      height: 800,
      maximized: true,
    });
    for (let i = 0; i < 12; i++) state.touchRecent(`p${i}`);
    state.touchRecent('p5');
    const recent = new ShellState(open()).recentProjects();
    expect(recent).toHaveLength(MAX_RECENT);
    expect(recent.slice(0, 3)).toEqual(['p5', 'p11', 'p10']);
    expect(state.touchRecent('../../etc')).toEqual(recent); // not an id: ignored
    state.forgetRecent('p5');
    expect(state.recentProjects()[0]).toBe('p11');
    state.clearRecent();
    expect(state.recentProjects()).toEqual([]);
    expect(existsSync(file())).toBe(true);
  });
});
