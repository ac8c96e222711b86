import { describe, expect, it } from 'vitest';
import { EditParams, type Layer } from '../../../../shared/contract';
import { cycle, formatTime, groupLayers } from '../../../../renderer/state/history';

const params = EditParams.parse({});

function layer(id: string, groupId: string | null, visible = true): Layer {
  return {
    id,
    prompt: `prompt ${id}`,
    visible,
    rect: { x: 0, y: 0, width: 10, height: 10 },
    createdAt: '2024-03-05T14:07:00.000Z',
    requestId: null,
    groupId,
    model: 'gpt-image-1.5-edit',
    params,
    feather: 2,
    creditsLeft: null,
    cost: null,
    damaged: null,
    generatedScale: null,
    timings: {},
  };
}

describe('groupLayers', () => {
  it('is empty for no layers', () => {
    expect(groupLayers([])).toEqual([]);
  });

  it('groups a variation group into one entry and keeps single layers apart, newest first', () => {
    // Stack order, bottom first: a lone edit, a group of three variations, another lone edit.
    const stack = [
      layer('a', null),
      layer('g1', 'G', false),
      layer('g2', 'G', true),
      layer('g3', 'G', false),
      layer('b', null),
    ];
    const entries = groupLayers(stack);
    expect(entries.map((e) => e.key)).toEqual(['layer:b', 'G', 'layer:a']);
    expect(entries.map((e) => e.stackIndex)).toEqual([4, 1, 0]);
    expect(entries.map((e) => e.groupId)).toEqual([null, 'G', null]);
    const group = entries[1]!;
    expect(group.layers.map((l) => l.id)).toEqual(['g1', 'g2', 'g3']);
    // The entry shows the visible variation.
    expect(group.shown.id).toBe('g2');
    expect(group.shownIndex).toBe(1);
    expect(entries[0]!.shown.id).toBe('b');
  });

  it('orders a group by where its first layer sits, even when a later layer joins it', () => {
    const entries = groupLayers([layer('g1', 'G'), layer('x', null), layer('g2', 'G', false)]);
    expect(entries.map((e) => e.key)).toEqual(['layer:x', 'G']);
    expect(entries[1]!.layers.map((l) => l.id)).toEqual(['g1', 'g2']);
  });

  it('shows the first layer of a group when none is visible (all hidden)', () => {
    const [entry] = groupLayers([layer('g1', 'G', false), layer('g2', 'G', false)]);
    expect(entry!.shown.id).toBe('g1');
    expect(entry!.shownIndex).toBe(0);
  });

  it('shows the first visible one when more than one is visible', () => {
    const [entry] = groupLayers([layer('g1', 'G', false), layer('g2', 'G'), layer('g3', 'G')]);
    expect(entry!.shown.id).toBe('g2');
  });
});

describe('cycle', () => {
  const [group] = groupLayers([layer('g1', 'G', false), layer('g2', 'G', false), layer('g3', 'G', true)]);

  it('steps to the next and previous sibling', () => {
    expect(group!.shown.id).toBe('g3');
    expect(cycle(group!, -1).id).toBe('g2');
  });

  it('wraps around at both ends', () => {
    expect(cycle(group!, 1).id).toBe('g1'); // past the last
    const [first] = groupLayers([layer('g1', 'G', true), layer('g2', 'G', false), layer('g3', 'G', false)]);
    expect(cycle(first!, -1).id).toBe('g3'); // before the first
    expect(cycle(first!, 1).id).toBe('g2');
  });

  it('stays on the only layer of a single edit', () => {
    const [single] = groupLayers([layer('a', null)]);
    expect(cycle(single!, 1).id).toBe('a');
    expect(cycle(single!, -1).id).toBe('a');
  });
});

describe('formatTime', () => {
  // Local times, so the test holds in any time zone.
  const at = new Date(2024, 2, 5, 14, 7).toISOString();

  it('shows only the time for an edit made today', () => {
    const t = formatTime(at, new Date(2024, 2, 5, 23, 59));
    expect(t).toMatch(/^\D*\d{1,2}\D+07\D*$/); // hours and minutes, nothing else numeric
    expect(t).toMatch(/14|02/);
  });

  it('adds the date for an edit made on another day', () => {
    const today = formatTime(at, new Date(2024, 2, 5, 23, 59));
    const later = formatTime(at, new Date(2024, 2, 6, 9, 0));
    expect(later).not.toBe(today);
    expect(later.endsWith(` ${today}`)).toBe(true);
    expect(later.slice(0, -today.length)).toMatch(/\b5\b/); // the day of the month
  });

  it('is empty for a time it cannot read', () => {
    expect(formatTime('not a time')).toBe('');
    expect(formatTime('')).toBe('');
  });
});
