import { describe, expect, it } from 'vitest';
import { initialState, type Tool } from '../../../../renderer/state/model';
import { matchShortcut } from '../../../../renderer/state/shortcuts';
import { toolCycled, toolGroups, wandToleranceSet } from '../../../../renderer/state/tools-view';
import { commands, menuCommandIds } from '../../../../shared/commands';

const key = (k: string) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false });

describe('selection tools in the editor state', () => {
  it('M and L choose the first tool of their group, and again the next one, from any tool', () => {
    const all: Tool[] = ['brush', 'eraser', 'rect', 'ellipse', 'lasso', 'polygon', 'wand', 'object'];
    for (const [name, group] of Object.entries(toolGroups)) {
      for (const from of all) {
        const s = { ...initialState(), tool: from };
        const next = toolCycled(s, group).tool;
        const i = (group as readonly Tool[]).indexOf(from);
        expect(next).toBe(i < 0 ? group[0] : group[(i + 1) % group.length]);
        // Pressing as many times as the group has tools comes back to where the cycle started.
        let t: Tool = next!;
        for (let k = 0; k < group.length; k++) t = toolCycled({ ...s, tool: t }, group).tool!;
        expect(t).toBe(next);
      }
      expect(name === 'marquee' || name === 'lasso').toBe(true);
    }
  });

  it('M, L and W are the marquee, lasso and wand keys; each tool has a menu item', () => {
    expect(matchShortcut(key('m'), false)).toBe('marquee');
    expect(matchShortcut(key('l'), false)).toBe('lasso');
    expect(matchShortcut(key('w'), false)).toBe('magic-wand');
    expect(matchShortcut(key('m'), true)).toBeNull(); // typing in the prompt types an m
    for (const id of [
      'rect-marquee',
      'ellipse-marquee',
      'lasso-freehand',
      'polygon-lasso',
      'magic-wand',
    ] as const) {
      expect(menuCommandIds).toContain(id);
      expect(commands[id].menu).toBe('Mask');
    }
  });

  it('the wand tolerance is a whole number from 0 to 255', () => {
    for (const [n, want] of [
      [-5, 0],
      [0, 0],
      [31.6, 32],
      [255, 255],
      [999, 255],
    ] as const)
      expect(wandToleranceSet(n).wandTolerance).toBe(want);
  });
});
