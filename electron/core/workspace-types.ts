/**
 * What the handler table needs from the project side (workspace.ts implements it): projects in
 * the library folder, edits through the pipeline, layers, rendering and export. One method per call in
 * shared/contract.ts; requests arrive already validated by the dispatcher.
 */
import type { CallRequestParsed, CallResponse, EventName, EventPayload } from '../../shared/contract';
import type { ExportFileOptions } from './export-file';

export interface WorkspaceEvents {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

export interface WorkspaceApi {
  listProjects(): Promise<CallResponse<'projects:list'>>;
  createProject(req: CallRequestParsed<'project:create'>): Promise<CallResponse<'project:create'>>;
  openProject(req: CallRequestParsed<'project:open'>): Promise<CallResponse<'project:open'>>;
  closeProject(req: CallRequestParsed<'project:close'>): Promise<CallResponse<'project:close'>>;
  render(req: CallRequestParsed<'image:render'>): Promise<CallResponse<'image:render'>>;
  runEdit(req: CallRequestParsed<'edit:run'>): Promise<CallResponse<'edit:run'>>;
  cancelEdit(req: CallRequestParsed<'edit:cancel'>): Promise<CallResponse<'edit:cancel'>>;
  /** Collects a journaled edit's result (the service accepted it; it is never submitted again). */
  collectEdit(req: CallRequestParsed<'edit:collect'>): Promise<CallResponse<'edit:collect'>>;
  /** Runs an edit that was cut off while being sent again (same prompt, parameters and mask). */
  retryDropped(req: CallRequestParsed<'edit:retryDropped'>): Promise<CallResponse<'edit:retryDropped'>>;
  /** Forgets an edit that was cut off while being sent. */
  dismissDropped(req: CallRequestParsed<'edit:dismissDropped'>): Promise<CallResponse<'edit:dismissDropped'>>;
  setLayerVisible(req: CallRequestParsed<'layer:setVisible'>): Promise<CallResponse<'layer:setVisible'>>;
  revertTo(req: CallRequestParsed<'layer:revertTo'>): Promise<CallResponse<'layer:revertTo'>>;
  deleteLayer(req: CallRequestParsed<'layer:delete'>): Promise<CallResponse<'layer:delete'>>;
  chooseLayer(req: CallRequestParsed<'layer:choose'>): Promise<CallResponse<'layer:choose'>>;
  exportImage(req: CallRequestParsed<'export:image'>): Promise<CallResponse<'export:image'>>;
  /**
   * The same export written straight into `file` as it is encoded (main's Save As and drag-out; not a call:
   * the renderer never names a path), atomically: a failure leaves the old file or none. `file` may be made
   * from the name the export would have (`<photo>-edited.<ext>`). Disk faults are one-sentence AppErrors
   * (export-file.ts).
   */
  exportImageToFile(
    req: CallRequestParsed<'export:image'>,
    file: string | ((fileName: string) => string),
    o?: ExportFileOptions,
  ): Promise<{ file: string; bytes: number }>;
  /** Writes the current image into the photo file the project was made from (see core/save-back.ts). */
  saveBack(req: CallRequestParsed<'export:saveBack'>): Promise<CallResponse<'export:saveBack'>>;
  /**
   * Records the file a just-created project's photo came from (main and hosts only: the renderer never
   * names a path). Best effort: without the record, save back is unavailable for that project.
   */
  recordSource(projectId: string, file: string): Promise<void>;
  /**
   * The project made from this file whose record still matches it (unchanged since it was opened or last
   * saved back), or null: opening the file again ("Edit In" once more) reopens that project and its history.
   */
  projectForSource(file: string): Promise<string | null>;
  /** Finish jobs, release locks. */
  dispose(): Promise<void>;
}
