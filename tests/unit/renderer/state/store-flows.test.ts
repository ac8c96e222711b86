/**
 * The store's effects against a scripted bridge, in plain Node: a failed open keeps what was open, a
 * failed edit keeps the mask, prompt and parameters, job progress drives the rows, collecting a result
 * that fails may be asked again, and the menu's commands reach the canvas.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { DONE_ROW_MS } from '../../../../renderer/state/job-tracking';
import { createEditorStore, type EditorStore } from '../../../../renderer/state/store';
import { fakeApi, fakeCanvas, fakeMedia, layer, project, settings, settle, status } from './fake-api';

let bridge: ReturnType<typeof fakeApi>;
let media: ReturnType<typeof fakeMedia>;
let store: EditorStore;
let stop: () => void;

async function opened(): Promise<EditorStore> {
  store = createEditorStore(bridge.api, media.media);
  stop = store.start();
  await store.openProject('p1');
  await settle();
  return store;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  bridge = fakeApi();
  media = fakeMedia();
});
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

describe('opening', () => {
  it('a project that fails to open leaves the open photo, its mask state and prompt as they were', async () => {
    await opened();
    store.maskChanged({ empty: false, canUndo: true });
    store.setPrompt('a spoon');
    const before = store.getState();
    bridge.answers['project:open'] = () => {
      throw new AppError('corrupt-project', 'The project is damaged; open the photo again as a new project.');
    };
    await store.openProject('p2');
    const after = store.getState();
    expect(after.error).toMatchObject({ code: 'corrupt-project', title: 'Project damaged' });
    expect(after.opening).toBeNull();
    for (const k of ['project', 'image', 'original', 'mask', 'prompt', 'params', 'jobs', 'thumbs'] as const)
      expect(after[k]).toBe(before[k]);
    expect(bridge.count('project:close')).toBe(0);
  });

  it('a file that is not a photo is refused without a call; another project replaces the open one and frees its images', async () => {
    await opened();
    const calls = bridge.calls.length;
    await store.openFile({
      name: 'notes.txt',
      type: 'text/plain',
      arrayBuffer: () => Promise.resolve(new ArrayBuffer(1)),
    });
    expect(store.getState().error?.code).toBe('unsupported-image');
    expect(bridge.calls.length).toBe(calls);

    const live = new Set(media.live);
    expect(live.size).toBeGreaterThan(0);
    bridge.answers['project:open'] = () => project(1, [layer('x')], [], 'p2');
    await store.openProject('p2');
    await settle();
    expect(store.getState().project?.id).toBe('p2');
    expect(bridge.calls.filter((c) => c.name === 'project:close').map((c) => c.request)).toEqual([
      { projectId: 'p1' },
    ]);
    for (const url of live) expect(media.live.has(url)).toBe(false);
  });
});

describe('running an edit', () => {
  it('a failed edit keeps the mask, prompt, parameters, feather and references', async () => {
    await opened();
    const canvas = fakeCanvas();
    store.attachCanvas(canvas);
    store.setPrompt('a silver spoon');
    store.setParams({ quality: 'low' });
    store.setFeather(12);
    store.setVariations(3);
    await store.addReferences([
      { name: 'ref.png', type: 'image/png', arrayBuffer: () => Promise.resolve(new ArrayBuffer(4)) },
    ]);
    const before = store.getState();
    bridge.answers['edit:run'] = () => {
      throw new AppError(
        'no-credits',
        'Your Segmind account is out of credits; top up, then run the edit again.',
      );
    };
    await store.run();
    const after = store.getState();
    expect(after.error?.code).toBe('no-credits');
    for (const k of ['prompt', 'params', 'feather', 'variations', 'references', 'mask'] as const)
      expect(after[k]).toEqual(before[k]);
    expect(canvas.actions).toEqual([]);
    expect(bridge.calls.find((c) => c.name === 'edit:run')?.request).toMatchObject({
      prompt: 'a silver spoon',
      feather: 12,
      variations: 3,
      params: { quality: 'low' },
    });
    // Re-run sends the same request again.
    bridge.answers['edit:run'] = () => ({ groupId: 'g9', jobIds: ['j9'] });
    await store.rerun(null);
    const [first, second] = bridge.calls.filter((c) => c.name === 'edit:run');
    expect(second?.request).toEqual(first?.request);
  });

  it('a Run pressed while a mask file is still importing sends the imported mask', async () => {
    await opened();
    let mask: Uint8Array<ArrayBuffer> | null = null;
    let finishImport: () => void = () => undefined;
    const canvas = fakeCanvas(null);
    canvas.getMaskBytes = () => mask;
    canvas.isMaskEmpty = () => mask === null;
    canvas.loadMaskFile = () =>
      new Promise<void>((resolve) => {
        finishImport = () => {
          mask = new Uint8Array(64).fill(200);
          resolve();
        };
      });
    store.attachCanvas(canvas);
    store.setPrompt('a spoon');
    const importing = store.importMask(new Blob([new Uint8Array(8)]));
    const running = store.run();
    await settle();
    expect(bridge.count('edit:run')).toBe(0);
    finishImport();
    await Promise.all([importing, running]);
    expect(store.getState().error).toBeNull();
    const sent = bridge.calls.find((c) => c.name === 'edit:run')?.request as { mask: { data: Uint8Array } };
    expect([...sent.mask.data]).toEqual([...new Uint8Array(64).fill(200)]);
  });

  it('without a mask nothing is sent and the error says to paint one', async () => {
    await opened();
    store.attachCanvas(fakeCanvas(null));
    store.setPrompt('a spoon');
    await store.run();
    expect(bridge.count('edit:run')).toBe(0);
    expect(store.getState().error?.message).toMatch(/^Paint a mask/);
  });
});

describe('job progress', () => {
  it('rows follow the events; a done row goes after a while; the layer keeps the group Re-run needs', async () => {
    await opened();
    store.attachCanvas(fakeCanvas());
    store.setPrompt('a spoon');
    await store.run();
    expect(store.getState().jobs.map((j) => [j.jobId, j.state])).toEqual([['j1', 'preparing']]);
    for (const state of ['uploading', 'processing', 'downloading'] as const) {
      bridge.emit('job:progress', status('j1', 'g1', state));
      expect(store.getState().jobs[0]?.state).toBe(state);
    }
    bridge.emit('job:progress', status('j1', 'g1', 'done', { layerId: 'new' }));
    bridge.emit('project:changed', project(2, [layer('old', 0.5), layer('new', 0.2)]));
    const made = store.getState().project?.layers.find((l) => l.id === 'new');
    expect(made?.groupId).toBe('g1');
    expect(store.getState().runs[made?.groupId ?? '']).toBeDefined();
    // A later change from main (groupId null again) keeps it.
    bridge.emit('project:changed', project(3, [layer('old', 0.5), layer('new', 0.2, { visible: false })]));
    expect(store.getState().project?.layers.find((l) => l.id === 'new')?.groupId).toBe('g1');
    expect(store.getState().jobs).toHaveLength(1);
    vi.advanceTimersByTime(DONE_ROW_MS);
    expect(store.getState().jobs).toHaveLength(0);
  });

  it('events of another project are ignored; a failure shows once in the banner', async () => {
    await opened();
    bridge.emit('job:progress', status('x', 'gx', 'processing', { projectId: 'p2' }));
    expect(store.getState().jobs).toEqual([]);
    const offline = {
      code: 'offline' as const,
      message: 'Maskroom is offline; check the connection, then run the edit again.',
    };
    bridge.emit('job:progress', status('j', 'g', 'failed', { error: offline }));
    expect(store.getState().error?.message).toBe(offline.message);
    store.dismissError();
    bridge.emit('job:progress', status('j', 'g', 'failed', { error: offline }));
    expect(store.getState().error).toBeNull();
  });
});

describe('collecting a paid result', () => {
  it('a collect that fails clears its mark and shows why; it may be asked again', async () => {
    await opened();
    const paid = { code: 'offline' as const, message: 'Offline.', collect: { requestId: 'r-1' } };
    bridge.emit('job:progress', status('j', 'g', 'failed', { error: paid }));
    let answer: () => { ok: true } = () => {
      throw new AppError('offline', 'Maskroom is offline; check the connection, then press Collect result.');
    };
    bridge.answers['edit:collect'] = () => answer();
    await store.collectFromError();
    expect(store.getState().jobs[0]?.collecting).toBeUndefined();
    expect(store.getState().error?.code).toBe('offline');
    answer = () => ({ ok: true });
    await store.collect('j');
    expect(store.getState().jobs[0]?.collecting).toBe('started');
    // Asked while started: no second call.
    await store.collect('j');
    expect(bridge.count('edit:collect')).toBe(2);
    expect(bridge.count('edit:run')).toBe(0);
  });
});

describe('menu commands', () => {
  it('reach the canvas and the tools as the buttons do', async () => {
    await opened();
    const canvas = fakeCanvas();
    store.attachCanvas(canvas);
    for (const command of ['undo', 'redo', 'fit', 'actual-size', 'invert-mask', 'clear-mask'] as const)
      store.onCommand({ command });
    expect(canvas.actions).toEqual(['undo', 'redo', 'fit', 'actualSize', 'invert', 'clear']);
    store.onCommand({ command: 'eraser' });
    store.onCommand({ command: 'toggle-overlay' });
    store.onCommand({ command: 'compare' });
    store.onCommand({ command: 'help' });
    expect(store.getState()).toMatchObject({
      tool: 'eraser',
      overlayVisible: false,
      compare: 'split',
      dialog: 'help',
    });
    bridge.emit('app:command', { command: 'settings' });
    expect(store.getState().dialog).toBe('settings');
  });
});

describe('settings', () => {
  it('a refused save answers false and shows why; a saved key clears the error about the key', async () => {
    await opened();
    bridge.answers['settings:setApiKey'] = () => {
      throw new AppError(
        'read-only',
        'Maskroom could not save the key; check the settings folder, then try again.',
      );
    };
    expect(await store.setApiKey('k')).toBe(false);
    expect(store.getState().error?.code).toBe('read-only');
    store.showError({ code: 'no-api-key', title: 'No API key', message: 'Add a key.', fix: 'settings' });
    bridge.answers['settings:setApiKey'] = () => settings({ apiKeySet: true });
    expect(await store.setApiKey('k')).toBe(true);
    expect(store.getState().error).toBeNull();
    bridge.answers['settings:update'] = () => {
      throw new AppError('disk-full', 'The disk is full; free some space, then try again.');
    };
    expect(await store.updateSettings({ feather: 30 })).toBe(false);
    expect(store.getState().feather).toBe(2);
    bridge.answers['settings:update'] = (patch) => settings({ feather: patch.feather ?? 2 });
    expect(await store.updateSettings({ feather: 30 })).toBe(true);
    expect(store.getState()).toMatchObject({ feather: 30, settings: { feather: 30 } });
  });
});
