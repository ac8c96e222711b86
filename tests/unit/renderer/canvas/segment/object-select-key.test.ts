/** Object select's place in the command table: Shift+W chooses it, W alone stays the magic wand. */
import { describe, expect, it } from 'vitest';
import { matchShortcut } from '../../../../../renderer/state/shortcuts';
import { commands } from '../../../../../shared/commands';

const key = (k: string, shiftKey: boolean) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey,
  altKey: false,
});

describe('object select key', () => {
  it('Shift+W is object select, W the wand; neither while typing', () => {
    expect(matchShortcut(key('W', true), false)).toBe('object-select');
    expect(matchShortcut(key('w', true), false)).toBe('object-select');
    expect(matchShortcut(key('w', false), false)).toBe('magic-wand');
    expect(matchShortcut(key('W', true), true)).toBeNull();
    expect(commands['object-select'].menu).toBe('Mask');
  });
});
