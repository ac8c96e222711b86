/**
 * The one handler table: every call in shared/contract.ts, written once. The Electron IPC binding
 * (main.ts), the web host (web-host.ts) and the tests all dispatch through it (dispatch.ts).
 */
import type { CallName, CallRequestParsed, CallResponse } from '../../shared/contract';
import type { SettingsService } from './settings';
import type { WorkspaceApi } from './workspace-types';

export interface HandlerDeps {
  version: string;
  host: 'electron' | 'web';
  settings: SettingsService;
  workspace: WorkspaceApi;
}

export type Handler<K extends CallName> = (req: CallRequestParsed<K>) => Promise<CallResponse<K>>;
export type HandlerTable = { [K in CallName]: Handler<K> };

export function createHandlers(d: HandlerDeps): HandlerTable {
  const w = d.workspace;
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
    'layer:setVisible': (req) => w.setLayerVisible(req),
    'layer:revertTo': (req) => w.revertTo(req),
    'layer:delete': (req) => w.deleteLayer(req),
    'layer:choose': (req) => w.chooseLayer(req),
    'export:image': (req) => w.exportImage(req),
    'export:saveBack': (req) => w.saveBack(req),
  };
}
