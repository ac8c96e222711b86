/**
 * The editor store with a project that has edits cut off while being sent: their notices come from the
 * opened project, "Run it again" calls 'edit:retryDropped' for that edit alone and its notice goes, Dismiss
 * applies main's answer; the words say what happened, the charge and what to do, for any prompt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EditParams, type DroppedEdit } from '../../../../shared/contract';
import { droppedEdits, droppedNotice } from '../../../../renderer/state/dropped-edits';
import { createEditorStore } from '../../../../renderer/state/store';
import { fakeApi, fakeCanvas, fakeMedia, layer, pick, project, rng, status } from './fake-api';

const edit = (jobId: string, extra: Partial<DroppedEdit> = {}): DroppedEdit => ({
  jobId,
  prompt: `prompt of ${jobId}`,
  params: EditParams.parse({ quality: 'high' }),
  feather: 4,
  references: 0,
  referencesKept: true,
  createdAt: '2026-01-02T03:04:05.000Z',
  ...extra,
});

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function opened(dropped: DroppedEdit[]) {
  const bridge = fakeApi({
    'project:open': () => ({ ...project(1, [layer('old')]), droppedEdits: dropped }),
    'edit:retryDropped': () => ({ groupId: 'g9', jobIds: ['j9'] }),
    'edit:dismissDropped': (req) => {
      const left = dropped.filter((d) => d.jobId !== req.jobId);
      return { ...project(1, [layer('old')]), ...(left.length ? { droppedEdits: left } : {}) };
    },
  });
  const store = createEditorStore(bridge.api, fakeMedia().media);
  stop = store.start();
  await store.openProject('p1');
  store.attachCanvas(fakeCanvas());
  return { store, bridge };
}

describe('edits cut off while being sent', () => {
  it('are told from the opened project; Run it again sends that edit alone and its notice goes', async () => {
    const { store, bridge } = await opened([edit('ja'), edit('jb')]);
    expect(droppedEdits(store.getState()).map((d) => d.jobId)).toEqual(['ja', 'jb']);
    await store.retryDropped('jb');
    expect(bridge.calls.filter((c) => c.name === 'edit:retryDropped')).toEqual([
      { name: 'edit:retryDropped', request: { projectId: 'p1', jobId: 'jb' } },
    ]);
    expect(bridge.count('edit:run')).toBe(0);
    expect(droppedEdits(store.getState()).map((d) => d.jobId)).toEqual(['ja']);
    // Its job is tracked like any other.
    bridge.emit('job:progress', status('j9', 'g9', 'processing', { prompt: 'prompt of jb' }));
    expect(store.getState().jobs.map((j) => [j.jobId, j.state])).toEqual([['j9', 'processing']]);
  });

  it('Dismiss applies what main answers; a refused retry keeps the notice and says why', async () => {
    const { store, bridge } = await opened([edit('ja')]);
    bridge.answers['edit:retryDropped'] = () => {
      throw { code: 'no-api-key', message: 'No Segmind API key is set; add your key in Settings.' };
    };
    await store.retryDropped('ja');
    expect(store.getState().error?.code).toBe('no-api-key');
    expect(droppedEdits(store.getState()).map((d) => d.jobId)).toEqual(['ja']);
    await store.dismissDropped('ja');
    expect(bridge.calls.filter((c) => c.name === 'edit:dismissDropped')).toEqual([
      { name: 'edit:dismissDropped', request: { projectId: 'p1', jobId: 'ja' } },
    ]);
    expect(droppedEdits(store.getState())).toEqual([]);
  });

  it('the words: the prompt (cut when long), interrupted, may be charged, what to do, references not kept (200 cases)', () => {
    const r = rng(6);
    const words = ['sky', 'a red scarf', '“quoted”', 'ünïcödé', 'x'.repeat(50), '; run it', '\n'];
    for (let i = 0; i < 200; i++) {
      const prompt = Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick(r, words)).join(' ');
      const references = pick(r, [0, 0, 1, 2, 15]);
      const referencesKept = r() < 0.5;
      const n = droppedNotice(edit('j', { prompt, references, referencesKept }));
      if (prompt.length <= 120) expect(n.title).toContain(`“${prompt}”`);
      else {
        expect(n.title).toContain(`“${prompt.slice(0, 119)}…”`);
        expect(n.title.length).toBeLessThan(170);
      }
      expect(n.title).toMatch(/interrupted while being sent$/);
      expect(n.message).toMatch(/may have charged for it/);
      expect(n.message).toMatch(/cannot be collected/);
      expect(n.message).toMatch(/run it again .* or dismiss/);
      expect(n.message.split(/[.!?](\s|$)/).filter((s) => s.trim()).length).toBe(1);
      // Kept references are sent again: nothing to say; only ones no longer kept are told.
      if (references === 0 || referencesKept) expect(n.note).toBeNull();
      else {
        expect(n.note).toContain(
          references === 1 ? 'reference image is' : `${references} reference images are`,
        );
        expect(n.note).toMatch(/no longer in the project: running it again sends none\.$/);
      }
    }
  });
});
