/**
 * What the Save As tests over a real workspace share: a workspace over a fresh temporary library (a fake
 * edit service that answers at once), the handler table main builds over it, and the dependencies Save As is
 * handed when the dialog picks a file.
 */
import { createHandlers, type HandlerTable } from '../../../electron/core/handlers';
import type { SaveAsDeps } from '../../../electron/main/export';
import { fakeApi } from '../core/pipeline/fake-api';
import { workspaceHarness, type WorkspaceHarness } from '../core/pipeline/workspace-harness';

export interface SaveAsWorkspace extends WorkspaceHarness {
  table: HandlerTable;
  /** Save As's dependencies when the dialog picks `chosen` and the question about replacing it is answered `replace`. */
  deps(chosen: string): SaveAsDeps;
}

export async function saveAsWorkspace(prefix: string, replace: boolean): Promise<SaveAsWorkspace> {
  const h = await workspaceHarness(fakeApi({ delayMs: 1 }).api, { prefix });
  const table = createHandlers({ version: 't', host: 'electron', settings: h.settings, workspace: h.ws });
  return {
    ...h,
    table,
    deps: (chosen) => ({
      table,
      exporter: h.ws,
      defaultDir: h.root,
      chooseFile: async () => chosen,
      confirmReplace: async () => replace,
    }),
  };
}
