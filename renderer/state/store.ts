/**
 * The editor store, composed from its slices: project.ts (opening, what the canvas shows), job-tracking.ts
 * (progress, cancel, collect), edit-request.ts (what the next edit sends, run and re-run), layers.ts,
 * settings.ts, tools-view.ts and tasks.ts (long work's progress). Each slice's transitions are pure
 * functions of the state; its effects go through the MaskroomApi given here, so the store runs in plain
 * Node against a scripted bridge. The renderer passes window.maskroom (main.tsx); components read the store
 * with useEditor (react.ts).
 */
import type { AppCommand, MaskroomApi } from '../../shared/contract';
import { createCore } from './core';
import { createBatchActions } from './batch';
import { createDroppedEditActions } from './dropped-edits';
import { createEditRequestActions } from './edit-request';
import { createJobActions } from './job-tracking';
import { createLayerActions } from './layers';
import type { EditorState } from './model';
import type { Media } from './ports';
import { createProjectActions } from './project';
import { createSaveBackActions } from './save-back';
import { createSettingsActions } from './settings';
import { createTaskActions } from './tasks';
import { createToolViewActions } from './tools-view';

export function createEditorStore(api: MaskroomApi, media: Media) {
  const { ctx, subscribe } = createCore(api, media);
  const { onJob, ...jobs } = createJobActions(ctx);
  const { onProjectChanged, applyProject, ...project } = createProjectActions(ctx, { onJob });
  const layers = createLayerActions(ctx, { applyProject, refreshImage: project.refreshImage });
  const dropped = createDroppedEditActions(ctx, { applyProject });
  const edit = createEditRequestActions(ctx, { collectGroup: jobs.collectGroup });
  const { load, ...settings } = createSettingsActions(ctx);
  const tools = createToolViewActions(ctx);
  const batch = createBatchActions(ctx, { openProject: project.openProject });
  const saveBack = createSaveBackActions(ctx);
  const { onTaskProgress } = createTaskActions(ctx);
  let unsubscribers: Array<() => void> | null = null;

  /** What the native menu (Electron) asks for: the same actions as the buttons and keys. */
  const onCommand = (c: AppCommand): void => {
    switch (c.command) {
      case 'open-project':
        if (c.projectId) {
          void project.refreshRecent();
          void project.openProject(c.projectId);
        }
        break;
      case 'undo':
      case 'redo':
      case 'fit':
        return tools.maskAction(c.command);
      case 'actual-size':
        return tools.maskAction('actualSize');
      case 'invert-mask':
        return tools.maskAction('invert');
      case 'clear-mask':
        return tools.maskAction('clear');
      case 'brush':
      case 'eraser':
        return tools.setTool(c.command);
      case 'rect-marquee':
        return tools.setTool('rect');
      case 'ellipse-marquee':
        return tools.setTool('ellipse');
      case 'lasso-freehand':
        return tools.setTool('lasso');
      case 'polygon-lasso':
        return tools.setTool('polygon');
      case 'magic-wand':
        return tools.setTool('wand');
      case 'object-select':
        return tools.setTool('object');
      case 'toggle-overlay':
        return tools.toggleOverlay();
      case 'run-edit':
        return void edit.run();
      case 'cancel-edit':
        return void jobs.cancelAll();
      case 'compare': {
        const s = ctx.get();
        if (s.project) tools.setCompare(s.compare === 'split' ? 'off' : 'split');
        break;
      }
      case 'settings':
      case 'help':
        return tools.openDialog(c.command);
      case 'save-back':
        if (ctx.get().project) void saveBack.saveBack();
        return;
    }
  };

  /** Listens to main's events and loads what the window shows first; returns the way to stop listening. */
  const start = (): (() => void) => {
    if (unsubscribers) return () => undefined;
    unsubscribers = [
      api.on('credits:changed', (c) => ctx.set({ credits: c.remaining })),
      api.on('job:progress', (j) => onJob(j, true)),
      api.on('project:changed', onProjectChanged),
      api.on('task:progress', onTaskProgress),
      api.on('app:command', onCommand),
      batch.startBatchEvents(),
    ];
    load();
    void project.refreshRecent();
    return () => {
      for (const u of unsubscribers ?? []) u();
      unsubscribers = null;
    };
  };

  return {
    getState: (): EditorState => ctx.get(),
    subscribe,
    start,
    onCommand,
    ...tools,
    ...settings,
    ...project,
    ...jobs,
    ...layers,
    ...dropped,
    ...edit,
    ...batch,
    ...saveBack,
  };
}

export type EditorStore = ReturnType<typeof createEditorStore>;
