/**
 * Why Run edit is greyed out (runBlocker), as the prompt panel shows it under the button and in its tooltip:
 * for any state it blocks exactly when the run itself would refuse (runRequest), and it names what is
 * missing (the photo, the mask, the prompt, or both of the last two) in one short line.
 */
import { describe, expect, it } from 'vitest';
import { runBlocker, runRequest } from '../../../../renderer/state/edit-request';
import { emptyMask, initialState, type EditorState } from '../../../../renderer/state/model';
import { fakeCanvas, pick, project, rng } from './fake-api';

const prompts = ['', ' ', '\n\t ', 'a red balloon', '  sky  ', 'x'] as const;

function drawState(r: () => number): { s: EditorState; painted: boolean } {
  const hasPhoto = r() < 0.75;
  const painted = r() < 0.5;
  const s: EditorState = {
    ...initialState(),
    project: hasPhoto ? project(1, []) : null,
    opening: r() < 0.4 ? 'rocket.jpg' : null,
    mask: painted
      ? { empty: false, canUndo: true, canRedo: false, bounds: { x: 0, y: 0, width: 8, height: 8 } }
      : emptyMask,
    prompt: pick(r, prompts),
  };
  return { s, painted };
}

describe('runBlocker', () => {
  it('blocks exactly when the run would refuse, and names each missing thing', () => {
    const r = rng(7);
    const seen = new Set<string>();
    for (let round = 0; round < 400; round++) {
      const { s, painted } = drawState(r);
      const canvas = s.project ? fakeCanvas(painted ? new Uint8Array(64).fill(255) : null) : null;
      const blocker = runBlocker(s);
      const req = runRequest(s, canvas);
      expect(blocker === null).toBe(!('code' in req));
      if (blocker === null) continue;
      seen.add(blocker);

      // One short line, the words of the tooltip: no sentence of an error banner.
      expect(blocker.length).toBeLessThanOrEqual(48);
      expect(blocker).not.toMatch(/[.!]$/);
      const noPhoto = s.project === null;
      const noMask = !noPhoto && !painted;
      const noPrompt = !noPhoto && s.prompt.trim() === '';
      expect(/photo/i.test(blocker)).toBe(noPhoto);
      expect(/^(Open a photo|Wait until the photo)/.test(blocker)).toBe(noPhoto);
      if (noPhoto) expect(blocker.startsWith('Wait')).toBe(s.opening !== null);
      expect(/Paint a mask/.test(blocker)).toBe(noMask);
      expect(/describe the change/i.test(blocker)).toBe(noPrompt);
    }
    // The draws reached every reason: no photo, opening, no mask, no prompt, neither.
    expect(seen.size).toBe(5);
  });

  it('goes away once the last missing thing is given, whatever order they come in', () => {
    const none = { ...initialState(), project: project(1, []) };
    const painted = { ...emptyMask, empty: false };
    const maskFirst = { ...none, mask: painted };
    const promptFirst = { ...none, prompt: 'a red balloon' };
    expect(runBlocker(none)).not.toBeNull();
    expect(runBlocker(maskFirst)).toMatch(/Describe the change/);
    expect(runBlocker(promptFirst)).toMatch(/Paint a mask/);
    expect(runBlocker({ ...maskFirst, prompt: 'a red balloon' })).toBeNull();
    // Clearing the mask again brings the reason back.
    expect(runBlocker({ ...promptFirst, mask: emptyMask })).toMatch(/Paint a mask/);
  });
});
