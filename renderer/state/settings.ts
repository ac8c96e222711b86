/**
 * The host, the preferences and the account: what the app says about itself at start-up, settings
 * changes, the write-only API key, and the credits left.
 */
import type { EditParams, Settings, SettingsPatch } from '../../shared/contract';
import { attempt, type Ctx } from './core';
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
    /** True once saved; a refusal is shown in the banner. */
    async updateSettings(patch: SettingsPatch): Promise<boolean> {
      const before = ctx.get().settings;
      const settings = await attempt(ctx, () => api.invoke('settings:update', patch));
      if (settings) ctx.set((s) => settingsUpdated(s, before, settings));
      return settings !== undefined;
    },
    async setApiKey(key: string | null): Promise<boolean> {
      const settings = await attempt(ctx, () => api.invoke('settings:setApiKey', { key }));
      if (settings) ctx.set((s) => apiKeySet(s, settings));
      return settings !== undefined;
    },
    resetParams(): void {
      const settings = ctx.get().settings;
      if (settings) ctx.set(defaultsOf(settings));
    },
  };
}
