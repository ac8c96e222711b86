/**
 * Edits cut off while being sent (ProjectState.droppedEdits): the app was closed or crashed after an edit
 * was journaled and before the service answered it. The service may have charged for it, but it has no way
 * to look the request up, so its result can never be collected. Main keeps the edit (prompt, parameters,
 * mask) until the photographer runs it again (one click, same edit) or dismisses it.
 *
 * Rules kept here: each such edit is told once per open project, in words that say what happened, that it
 * may have been charged, and what to do; running it again is a new paid edit, which the notice says.
 */
import type { DroppedEdit, ProjectState } from '../../shared/contract';
import type { Ctx } from './core';
import type { EditorState, Patch } from './model';

// ---- transitions ---------------------------------------------------------------------------------

/** The edits of the open project that were cut off while being sent, oldest first. */
export function droppedEdits(s: Pick<EditorState, 'project'>): DroppedEdit[] {
  return s.project?.droppedEdits ?? [];
}

/** How much of a long prompt the notice quotes (the whole prompt is its tooltip). */
const PROMPT_SHOWN = 120;

/** What the notice of one such edit says: the edit, what happened, the charge, what to do. */
export function droppedNotice(d: DroppedEdit): { title: string; message: string; note: string | null } {
  const n = d.references;
  const prompt = d.prompt.length > PROMPT_SHOWN ? `${d.prompt.slice(0, PROMPT_SHOWN - 1)}…` : d.prompt;
  return {
    title: `“${prompt}” was interrupted while being sent`,
    message:
      'Maskroom closed before the edit service answered, so the service may have charged for it and its ' +
      'result cannot be collected; run it again with the same prompt, settings and mask (charged again), ' +
      'or dismiss this notice.',
    // Its reference images go with it when it is run again; only ones no longer kept are worth a word.
    note:
      n > 0 && !d.referencesKept
        ? `Its ${n === 1 ? 'reference image is' : `${n} reference images are`} no longer in the project: running it again sends none.`
        : null,
  };
}

/** The edit is being run again: its notice goes (main's next project change says the same). */
export function droppedRetried(s: EditorState, jobId: string): Patch {
  if (!s.project?.droppedEdits) return {};
  const left = s.project.droppedEdits.filter((d) => d.jobId !== jobId);
  const { droppedEdits: _all, ...rest } = s.project;
  return { project: left.length > 0 ? { ...rest, droppedEdits: left } : rest };
}

// ---- effects -------------------------------------------------------------------------------------

export function createDroppedEditActions(ctx: Ctx, deps: { applyProject(p: ProjectState): void }) {
  return {
    /** Runs the interrupted edit again in main (same prompt, parameters and mask); its job row follows. */
    async retryDropped(jobId: string): Promise<void> {
      const project = ctx.get().project;
      if (!project) return;
      try {
        await ctx.api.invoke('edit:retryDropped', { projectId: project.id, jobId });
        if (ctx.get().project?.id === project.id) ctx.set((s) => droppedRetried(s, jobId));
      } catch (e) {
        ctx.fail(e);
      }
    },
    /** Forgets the interrupted edit (its prompt and mask go with it). */
    async dismissDropped(jobId: string): Promise<void> {
      const project = ctx.get().project;
      if (!project) return;
      try {
        deps.applyProject(await ctx.api.invoke('edit:dismissDropped', { projectId: project.id, jobId }));
      } catch (e) {
        ctx.fail(e);
      }
    },
  };
}
