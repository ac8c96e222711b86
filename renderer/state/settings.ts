/**
 * The host, the preferences and the account: what the app says about itself at start-up, settings
 * changes, the write-only API key, and the credits left.
 */
import type { EditParams, Settings, SettingsPatch } from '../../shared/contract';
import type { Ctx } from './core';
import type { EditorState, Patch } from './model';

// ---- transitions ---------------------------------------------------------------------------------

/** The edit parameters and feather as the settings' defaults. */
export function defaultsOf(settings: Settings): Patch {
  return { params: { ...settings.defaults }, feather: settings.feather };
}

/** Settings arrived at start-up: the next edit starts from their defaults. */
export const settingsLoaded = (settings: Settings): Patch => ({ settings, ...defaultsOf(settings) });

/** Settings changed: parameters the user had left at the old defaults follow the new defaults. */
export function settingsUpdated(s: EditorState, before: Settings | null, settings: Settings): Patch {
  const untouched =
    before !== null &&
    s.feather === before.feather &&
    (Object.keys(s.params) as (keyof EditParams)[]).every((k) => s.params[k] === before.defaults[k]);
  return untouched ? settingsLoaded(settings) : { settings };
}

/** A new API key was stored: an error about the old key (or its absence) no longer applies. */
export function apiKeySet(s: EditorState, settings: Settings): Patch {
  const aboutKey = s.error !== null && ['no-api-key', 'bad-api-key'].includes(s.error.code);
  return aboutKey ? { settings, error: null } : { settings };
}

// ---- effects -------------------------------------------------------------------------------------

export function createSettingsActions(ctx: Ctx) {
  const { api } = ctx;
  return {
    /** Asks the host what it is and what the preferences are (once, at start-up). */
    load(): void {
      api.invoke('app:info', {}).then(
        (i) => ctx.set({ version: i.version, host: i.host }),
        (e: unknown) => ctx.fail(e),
      );
      api.invoke('settings:get', {}).then(
        (s) => ctx.set(settingsLoaded(s)),
        (e: unknown) => ctx.fail(e),
      );
    },
    async updateSettings(patch: SettingsPatch): Promise<boolean> {
      try {
        const before = ctx.get().settings;
        const settings = await api.invoke('settings:update', patch);
        ctx.set((s) => settingsUpdated(s, before, settings));
        return true;
      } catch (e) {
        ctx.fail(e);
        return false;
      }
    },
    async setApiKey(key: string | null): Promise<boolean> {
      try {
        const settings = await api.invoke('settings:setApiKey', { key });
        ctx.set((s) => apiKeySet(s, settings));
        return true;
      } catch (e) {
        ctx.fail(e);
        return false;
      }
    },
    resetParams(): void {
      const settings = ctx.get().settings;
      if (settings) ctx.set(defaultsOf(settings));
    },
  };
}
