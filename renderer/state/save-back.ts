/**
 * Save back (Ctrl/⌘+S, the top bar's Save back): the current image written into the photo file the project
 * was opened from, for a photo handed over by Lightroom Classic's Edit In or Capture One's Open With. Main
 * knows the file; this slice only asks. The first save back of a project, and any save back over a file
 * that changed on disk since it was opened, waits for the user's yes in the app's own dialog.
 */
import type { CallResponse } from '../../shared/contract';
import { attempt, type Ctx } from './core';
import type { EditorState, Patch } from './model';

export type SaveBackQuestion = { ask: 'confirm-first' | 'changed-on-disk'; fileName: string };

// ---- transitions ---------------------------------------------------------------------------------

/** What main's answer does to the state: a question opens the dialog, a save closes it and says so. */
export function saveBackAnswered(s: EditorState, res: CallResponse<'export:saveBack'>): Patch {
  if (res.status === 'saved') {
    return {
      saveBack: null,
      savedBack: res.fileName,
      dialog: s.dialog === 'save-back' ? null : s.dialog,
    };
  }
  return { saveBack: { ask: res.status, fileName: res.fileName }, dialog: 'save-back' };
}

/** The question the dialog asks, one sentence. */
export function saveBackQuestion(q: SaveBackQuestion): string {
  return q.ask === 'changed-on-disk'
    ? `${q.fileName} changed on disk since Maskroom opened it (another program saved it); replace it with the edited image anyway?`
    : `Save back replaces ${q.fileName} with the edited image (the project keeps the untouched original, so nothing is lost); go on?`;
}

// ---- effects -------------------------------------------------------------------------------------

export function createSaveBackActions(ctx: Ctx) {
  const { api } = ctx;
  const send = async (confirmed: boolean, overwriteChanged: boolean): Promise<void> => {
    const project = ctx.get().project;
    if (!project) return;
    const res = await attempt(ctx, () =>
      api.invoke('export:saveBack', { projectId: project.id, confirmed, overwriteChanged }),
    );
    if (res) ctx.set(saveBackAnswered(ctx.get(), res));
  };
  return {
    /** Saves back, or opens the question main says is needed first. */
    saveBack: (): Promise<void> => send(false, false),
    /** The dialog's answer: yes saves (to the question asked), no closes it and writes nothing. */
    async answerSaveBack(yes: boolean): Promise<void> {
      const q = ctx.get().saveBack;
      if (!yes || !q) {
        ctx.set({ saveBack: null, dialog: null });
        return;
      }
      await send(true, q.ask === 'changed-on-disk');
    },
  };
}
