/**
 * The batch panel's pure transitions: photos are added once by name, a photo's own mask lands on that photo,
 * progress of another batch is ignored, and the panel says in one sentence what is missing before it runs.
 */
import { describe, expect, it } from 'vitest';
import {
  batchCosts,
  cannotRun,
  initialBatchState,
  ownMaskSet,
  photosAdded,
  progressed,
  type BatchPhoto,
  type BatchUiState,
} from '../../../../renderer/state/batch';
import { EditParams, type BatchItem, type BatchState } from '../../../../shared/contract';
import { sessionCost } from '../../../../renderer/state/jobs';

const photo = (name: string, key = name): BatchPhoto => ({
  key,
  name,
  bytes: new Uint8Array([1]),
  mime: 'image/jpeg',
  url: `blob:${name}`,
  mask: null,
  maskName: null,
});

const withEdit = (s: Partial<BatchUiState> = {}): BatchUiState => ({
  ...initialBatchState(),
  edit: {
    prompt: 'a white wall',
    params: EditParams.parse({}),
    feather: 4,
  },
  ...s,
});

const batch = (id: string): BatchState => ({
  batchId: id,
  prompt: 'p',
  total: 1,
  done: 0,
  failed: 0,
  running: 1,
  finished: false,
  cost: null,
  costPerEdit: null,
  startedAt: '2026-01-01T00:00:00Z',
  items: [],
});

describe('batch panel transitions', () => {
  it('adds each photo once, by name, in the order given', () => {
    let s = withEdit();
    s = { ...s, ...photosAdded(s, [photo('a.jpg'), photo('b.jpg')]) };
    s = { ...s, ...photosAdded(s, [photo('b.jpg', 'x'), photo('c.jpg')]) };
    expect(s.photos.map((p) => p.name)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
  });

  it("sets a photo's own mask on that photo only", () => {
    const s = withEdit({ photos: [photo('a.jpg'), photo('b.jpg')] });
    const next = ownMaskSet(s, 'b.jpg', new Uint8Array([9]), 'b.png');
    expect(next.photos!.map((p) => p.maskName)).toEqual([null, 'b.png']);
  });

  it('takes progress of its own batch and ignores another', () => {
    const s = withEdit({ batch: batch('b1') });
    expect(progressed(s, { ...batch('b1'), done: 1 })).toEqual({ batch: { ...batch('b1'), done: 1 } });
    expect(progressed(s, batch('b2'))).toBeNull();
    expect(progressed(withEdit(), batch('b3'))).toEqual({ batch: batch('b3') });
  });

  it('says what is missing, one sentence at a time, and nothing once ready', () => {
    const cases: Array<[BatchUiState, boolean, RegExp | null]> = [
      [withEdit({ edit: null }), true, /prompt/],
      [withEdit(), true, /Add the photos/],
      [withEdit({ photos: [photo('a.jpg')] }), false, /Paint a mask/],
      [withEdit({ photos: [photo('a.jpg')], maskMode: 'own' }), true, /a\.jpg has no mask/],
      [withEdit({ photos: [photo('a.jpg')] }), true, null],
      [
        withEdit({ photos: [{ ...photo('a.jpg'), mask: new Uint8Array([1]) }], maskMode: 'own' }),
        false,
        null,
      ],
    ];
    for (const [s, hasMask, want] of cases) {
      const why = cannotRun(s, hasMask);
      if (want === null) expect(why).toBeNull();
      else {
        expect(why).toMatch(want);
        expect(why!.split(/(?<=[.;])\s+(?=[A-Z])/)).toHaveLength(1);
      }
    }
  });

  it("counts each finished photo's cost once in the session total, however often the batch reports", () => {
    const item = (id: string, status: BatchItem['status'], cost: number | null): BatchItem => ({
      itemId: id,
      name: `${id}.jpg`,
      status,
      projectId: `p-${id}`,
      requestId: null,
      cost,
      error: null,
      kept: true,
    });
    let costs: Record<string, number | null> = { 'proj/layer-1': 0.24 };
    const report = (items: BatchItem[]) => {
      const added = batchCosts(costs, { ...batch('b1'), items });
      if (added) costs = { ...costs, ...added };
      return added;
    };
    expect(report([item('a', 'running', null), item('b', 'queued', null)])).toBeNull();
    expect(report([item('a', 'done', 0.24), item('b', 'running', null)])).not.toBeNull();
    // The same progress again, and a failed photo: nothing more is counted.
    expect(report([item('a', 'done', 0.24), item('b', 'failed', null)])).toBeNull();
    report([item('a', 'done', 0.24), item('b', 'done', 0.3), item('c', 'done', null)]);
    expect(sessionCost(costs)).toEqual({ total: 0.78, counted: 3, unknown: 1 });
    // Another batch's photo with the same item id is another edit.
    const other = batchCosts(costs, { ...batch('b2'), items: [item('a', 'done', 0.24)] });
    expect(Object.keys(other ?? {})).toEqual(['batch:b2/a']);
  });
});
