/**
 * Save back from the editor against a scripted bridge: Ctrl/⌘+S asks main, a question main answers with
 * opens the app's dialog and nothing more is sent until the user answers; yes sends the agreement to the
 * question asked (the first save, or a file changed on disk), Cancel sends nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRequest } from '../../../../shared/contract';
import { createEditorStore, type EditorStore } from '../../../../renderer/state/store';
import { performCommand } from '../../../../renderer/state/shortcuts';
import { saveBackQuestion } from '../../../../renderer/state/save-back';
import { fakeApi, fakeMedia, settle } from './fake-api';

let bridge: ReturnType<typeof fakeApi>;
let store: EditorStore;
let stop: () => void;
/** What main would answer: asks until it is given the yes it needs. */
let disk: { confirmed: boolean; changed: boolean };

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  disk = { confirmed: false, changed: false };
  bridge = fakeApi({
    'export:saveBack': (req: CallRequest<'export:saveBack'>) => {
      if (disk.changed && !req.overwriteChanged)
        return { status: 'changed-on-disk', fileName: 'IMG_0042.tif' };
      if (!disk.confirmed && !req.confirmed) return { status: 'confirm-first', fileName: 'IMG_0042.tif' };
      disk = { confirmed: true, changed: false };
      return { status: 'saved', fileName: 'IMG_0042.tif', format: 'tiff' };
    },
  });
  store = createEditorStore(bridge.api, fakeMedia().media);
  stop = store.start();
  await store.openProject('p1');
  await settle();
});
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

const sent = () =>
  bridge.calls
    .filter((c) => c.name === 'export:saveBack')
    .map((c) => c.request as CallRequest<'export:saveBack'>);

describe('save back', () => {
  it('asks once before the first overwrite, then saves without asking', async () => {
    performCommand(store, 'save-back');
    await settle();
    expect(store.getState()).toMatchObject({
      dialog: 'save-back',
      saveBack: { ask: 'confirm-first', fileName: 'IMG_0042.tif' },
      savedBack: null,
    });
    expect(sent()).toEqual([{ projectId: 'p1', confirmed: false, overwriteChanged: false }]);
    await store.answerSaveBack(true);
    expect(sent()[1]).toEqual({ projectId: 'p1', confirmed: true, overwriteChanged: false });
    expect(store.getState()).toMatchObject({ dialog: null, saveBack: null, savedBack: 'IMG_0042.tif' });
    performCommand(store, 'save-back');
    await settle();
    expect(sent()).toHaveLength(3);
    expect(store.getState().dialog).toBeNull();
  });

  it('a file changed on disk waits for a yes to replace it; Cancel writes nothing', async () => {
    disk = { confirmed: true, changed: true };
    await store.saveBack();
    const q = store.getState().saveBack!;
    expect(q).toEqual({ ask: 'changed-on-disk', fileName: 'IMG_0042.tif' });
    expect(saveBackQuestion(q)).toMatch(/^IMG_0042\.tif changed on disk .*\?$/);
    await store.answerSaveBack(false);
    expect(sent()).toHaveLength(1);
    expect(store.getState()).toMatchObject({ dialog: null, saveBack: null, savedBack: null });
    await store.saveBack();
    await store.answerSaveBack(true);
    expect(sent().at(-1)).toEqual({ projectId: 'p1', confirmed: true, overwriteChanged: true });
    expect(store.getState().savedBack).toBe('IMG_0042.tif');
  });

  it('shows main’s refusal in the banner and opens no dialog', async () => {
    bridge.answers['export:saveBack'] = () => {
      throw Object.assign(
        new Error(
          'This project was not opened from a photo file, so there is nothing to save back into; use Export to write the image instead.',
        ),
        { code: 'invalid-input' },
      );
    };
    await store.saveBack();
    expect(store.getState().dialog).toBeNull();
    expect(store.getState().error).not.toBeNull();
  });
});
