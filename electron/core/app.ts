/**
 * Composes the main-process services into the handler table and the event bus. Hosts (Electron main,
 * web host, tests) supply only what differs between them: where preferences and the key are kept, which
 * questions they can put to the user, and their network guard's download grants.
 */
import { createHandlers, type HandlerTable } from './handlers';
import { EventBus } from './events';
import { SettingsService, type Env, type PrefsStore, type SecretStore, type SettingsHooks } from './settings';
import { createWorkspace } from './workspace';
import type { WorkspaceApi } from './workspace-types';
import { version } from './version';
import { BatchService } from './batch';

export interface AppCoreOptions {
  host: 'electron' | 'web';
  prefs: PrefsStore;
  secrets: SecretStore;
  env?: Env;
  /** The questions the host can ask the user itself (Electron: native dialogs); none in the web host. */
  settingsHooks?: SettingsHooks;
  /** From the host's network guard (installHostGuard): lets the edit client download one named result. */
  trustDownload?: (url: string) => () => void;
}

export interface AppCore {
  handlers: HandlerTable;
  events: EventBus;
  settings: SettingsService;
  workspace: WorkspaceApi;
  dispose(): Promise<void>;
}

export function createAppCore(o: AppCoreOptions): AppCore {
  const events = new EventBus();
  const settings = new SettingsService(o.prefs, o.secrets, o.env ?? process.env, o.settingsHooks);
  const workspace = createWorkspace({ settings, events, trustDownload: o.trustDownload });
  const batch = new BatchService({ settings, events, trustDownload: o.trustDownload });
  const handlers = createHandlers({ version, host: o.host, settings, workspace, batch });
  return {
    handlers,
    events,
    settings,
    workspace,
    dispose: async () => {
      await batch.dispose();
      await workspace.dispose();
    },
  };
}
