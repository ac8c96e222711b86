/**
 * A new layer on screen before the whole image is rendered again: when an edit lands on top of the image
 * the canvas shows, the store asks main for that layer's own pixels only (image:render 'patch' at the
 * preview's scale), pastes them over the shown image, then swaps in the whole image. Any other change of
 * the stack waits for the whole image, as before.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Layer, Rect } from '../../../../shared/contract';
import type { Drawable } from '../../../../renderer/state/ports';
import { layerOnTop } from '../../../../renderer/state/layer-paste';
import { createEditorStore, type EditorStore } from '../../../../renderer/state/store';
import { rng } from '../../../support/prng';
import { fakeApi, fakeMedia, layer, project, settle } from './fake-api';

let bridge: ReturnType<typeof fakeApi>;
let store: EditorStore;
let stop: () => void;
let pastes: Array<{ base: Drawable; at: Rect }>;
let keys: string[];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  bridge = fakeApi({
    'project:open': () => ({ ...project(1, [layer('old')]), width: 4000, height: 2000 }),
  });
  const { media } = fakeMedia();
  pastes = [];
  store = createEditorStore(bridge.api, {
    ...media,
    paste: (base, _data, _mime, at) => {
      pastes.push({ base, at });
      return Promise.resolve({ pasted: at });
    },
  });
  stop = store.start();
  await store.openProject('p1');
  await settle();
  keys = [store.getState().image!.key];
  store.subscribe(() => {
    const k = store.getState().image?.key;
    if (k && keys.at(-1) !== k) keys.push(k);
  });
});
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

const renders = () =>
  bridge.calls
    .filter((c) => c.name === 'image:render')
    .map((c) => c.request as { target: { kind: string }; maxSize?: number });

describe('pasting a new layer', () => {
  it('an edit landing on top is pasted from its own pixels first, then the whole image replaces it', async () => {
    const before = renders().length;
    const shown = store.getState().image!;
    const added = layer('new', null, { rect: { x: 1000, y: 500, width: 600, height: 300 } });
    bridge.emit('project:changed', { ...project(2, [layer('old'), added]), width: 4000, height: 2000 });
    await settle(10);
    const asked = renders()
      .slice(before)
      .filter((r) => r.target.kind !== 'thumbnail');
    // The patch first, at the preview's scale (1024 / 4000 of the photo: 600 px -> 154 px).
    expect(asked.map((r) => r.target)).toEqual([{ kind: 'patch', layerId: 'new' }, { kind: 'current' }]);
    expect(asked[0]!.maxSize).toBe(Math.ceil(600 * (1024 / 4000)));
    expect(pastes).toHaveLength(1);
    expect(pastes[0]!.base).toBe(shown.spec.preview);
    const k = 1024 / 4000;
    expect(pastes[0]!.at).toEqual({ x: 1000 * k, y: 500 * k, width: 600 * k, height: 300 * k });
    expect(keys).toEqual(['current:1', 'current:2:pasted', 'current:2']);
  });

  it('a change that adds no layer on top (hide, a hidden variation) waits for the whole image', async () => {
    const before = renders().length;
    bridge.emit('project:changed', project(2, [layer('old', null, { visible: false })]));
    await settle(10);
    bridge.emit(
      'project:changed',
      project(3, [layer('old', null, { visible: false }), layer('v2', null, { visible: false })]),
    );
    await settle(10);
    expect(
      renders()
        .slice(before)
        .filter((r) => r.target.kind === 'patch'),
    ).toEqual([]);
    expect(pastes).toEqual([]);
    expect(keys).toEqual(['current:1', 'current:2', 'current:3']);
  });

  it('layerOnTop: over random stacks, a layer only when the visible stack grew by exactly one new layer on top', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = rng(seed);
      const mk = (id: string): Layer =>
        layer(id, null, { visible: rand() < 0.7, damaged: rand() < 0.1 ? 'layers/x is missing' : null });
      const was = Array.from({ length: Math.floor(rand() * 5) }, (_, i) => mk(`l${i}`));
      const now =
        rand() < 0.6 ? [...was, mk('n')] : was.map((l) => (rand() < 0.2 ? { ...l, visible: !l.visible } : l));
      const shown = (ls: Layer[]) => ls.filter((l) => l.visible && l.damaged === null).map((l) => l.id);
      const grew =
        shown(now).length === shown(was).length + 1 && shown(now).slice(0, -1).join() === shown(was).join();
      const top = shown(now).at(-1);
      const expected = grew && top !== undefined && !was.some((l) => l.id === top) ? top : null;
      expect(layerOnTop({ layers: was }, { layers: now })?.id ?? null, `seed ${seed}`).toBe(expected);
    }
  });
});
