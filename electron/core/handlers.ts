/**
 * The one handler table: every call in shared/contract.ts, written once. The Electron IPC binding
 * (main.ts), the web host (web-host.ts) and the tests all dispatch through it (dispatch.ts).
 */
import type { CallName, CallRequestParsed, CallResponse } from '../../shared/contract';
import type { SettingsService } from './settings';
import type { WorkspaceApi } from './workspace-types';
import type { BatchApi } from './batch';
import { AppError } from '../../shared/errors';

export interface HandlerDeps {
  version: string;
  host: 'electron' | 'web';
  settings: SettingsService;
  workspace: WorkspaceApi;
  /** The app's batches ("Apply to other photos…"); a host without them answers that they are unavailable. */
  batch?: BatchApi;
}

export type Handler<K extends CallName> = (req: CallRequestParsed<K>) => Promise<CallResponse<K>>;
export type HandlerTable = { [K in CallName]: Handler<K> };

export function createHandlers(d: HandlerDeps): HandlerTable {
  const w = d.workspace;
  const batch = (): BatchApi => {
    if (!d.batch)
      throw new AppError(
        'unsupported',
        'Batches are not available here; run them with maskroom batch instead.',
      );
    return d.batch;
  };
  return {
    'app:info': async () => ({ version: d.version, host: d.host, platform: process.platform }),
    'settings:get': async () => d.settings.get(),
    'settings:update': (req) => d.settings.update(req),
    'settings:setApiKey': (req) => d.settings.setApiKey(req.key),
    'projects:list': () => w.listProjects(),
    'project:create': (req) => w.createProject(req),
    'project:open': (req) => w.openProject(req),
    'project:close': (req) => w.closeProject(req),
    'image:render': (req) => w.render(req),
    'edit:run': (req) => w.runEdit(req),
    'edit:cancel': (req) => w.cancelEdit(req),
    'edit:collect': (req) => w.collectEdit(req),
    'edit:retryDropped': (req) => w.retryDropped(req),
    'edit:dismissDropped': (req) => w.dismissDropped(req),
    'layer:setVisible': (req) => w.setLayerVisible(req),
    'layer:revertTo': (req) => w.revertTo(req),
    'layer:delete': (req) => w.deleteLayer(req),
    'layer:choose': (req) => w.chooseLayer(req),
    'export:image': (req) => w.exportImage(req),
    'export:saveBack': (req) => w.saveBack(req),
    'batch:start': (req) => batch().start(req),
    'batch:cancel': (req) => batch().cancel(req),
    'batch:retryFailed': (req) => batch().retryFailed(req),
    'batch:keep': (req) => batch().keep(req),
  };
}
