/**
 * PLACEHOLDER until issue 5 lands the project store and pipeline: lists no projects and refuses the rest
 * with a clear error. Replaced wholesale by the real workspace.
 */
import { AppError } from '../../shared/errors';
import type { WorkspaceApi, WorkspaceEvents } from './workspace-types';
import type { SettingsService } from './settings';

export interface WorkspaceOptions {
  settings: SettingsService;
  events: WorkspaceEvents;
}

export function createWorkspace(_opts: WorkspaceOptions): WorkspaceApi {
  const no = async (): Promise<never> => {
    throw new AppError('unsupported', 'Projects are not available in this build yet.');
  };
  return {
    listProjects: async () => [],
    createProject: no,
    openProject: no,
    closeProject: no,
    render: no,
    runEdit: no,
    cancelEdit: no,
    setLayerVisible: no,
    revertTo: no,
    deleteLayer: no,
    chooseLayer: no,
    exportImage: no,
    dispose: async () => undefined,
  };
}
