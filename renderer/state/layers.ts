/**
 * The layers of the open project: show or hide, revert, delete, choose among variations, keep a variation
 * group settled, and which layer the canvas shows. Every call answers with the whole project, applied as
 * a change main reported.
 */
import type { Layer, ProjectState } from '../../shared/contract';
import type { Ctx } from './core';
import { cycle, groupLayers } from './history';
import type { EditorState, Patch } from './model';

// ---- transitions ---------------------------------------------------------------------------------

export function variationsKept(s: EditorState, groupId: string, kept: boolean): Patch {
  const next = { ...s.kept };
  if (kept) next[groupId] = true;
  else delete next[groupId];
  return { kept: next };
}

/**
 * Left/Right: the layer to choose in the variation group being looked at (the viewed layer's, else the
 * newest one not kept, else the newest), `step` places along; null without a variation group.
 */
export function variationStep(s: EditorState, step: 1 | -1): Layer | null {
  if (!s.project) return null;
  const entries = groupLayers(s.project.layers).filter((e) => e.layers.length > 1);
  const viewing = s.viewing;
  const entry =
    (viewing && entries.find((e) => e.layers.some((l) => l.id === viewing))) ||
    entries.find((e) => e.groupId && !s.kept[e.groupId]) ||
    entries[0];
  return entry ? cycle(entry, step) : null;
}

// ---- effects -------------------------------------------------------------------------------------

export function createLayerActions(
  ctx: Ctx,
  deps: { applyProject(p: ProjectState): void; refreshImage(): Promise<void> },
) {
  const { api } = ctx;

  const layerCall = async (fn: (projectId: string) => Promise<ProjectState>): Promise<void> => {
    const project = ctx.get().project;
    if (!project) return;
    try {
      deps.applyProject(await fn(project.id));
    } catch (e) {
      ctx.fail(e);
    }
  };

  const chooseLayer = (layerId: string): Promise<void> =>
    layerCall((projectId) => api.invoke('layer:choose', { projectId, layerId }));

  return {
    chooseLayer,
    setLayerVisible(layerId: string, visible: boolean): Promise<void> {
      return layerCall((projectId) => api.invoke('layer:setVisible', { projectId, layerId, visible }));
    },
    revertTo(layerId: string | null): Promise<void> {
      ctx.set({ viewing: null });
      return layerCall((projectId) => api.invoke('layer:revertTo', { projectId, layerId }));
    },
    deleteLayer(layerId: string): Promise<void> {
      if (ctx.get().viewing === layerId) ctx.set({ viewing: null });
      return layerCall((projectId) => api.invoke('layer:delete', { projectId, layerId }));
    },
    keepVariation(groupId: string, layerId: string): Promise<void> {
      ctx.set((s) => variationsKept(s, groupId, true));
      return chooseLayer(layerId);
    },
    reopenVariations(groupId: string): void {
      ctx.set((s) => variationsKept(s, groupId, false));
    },
    cycleVariation(step: 1 | -1): void {
      const next = variationStep(ctx.get(), step);
      if (!next) return;
      if (ctx.get().viewing) ctx.set({ viewing: next.id });
      void chooseLayer(next.id);
    },
    viewLayer(layerId: string | null): void {
      if (ctx.get().viewing === layerId) return;
      ctx.set({ viewing: layerId });
      void deps.refreshImage();
    },
  };
}
