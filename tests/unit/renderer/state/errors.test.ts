import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../../shared/errors';
import { describeError, localError } from '../../../../renderer/state/errors';
import { FORMATS } from '../../../../shared/formats';
import { calls, type CallName } from '../../../../shared/contract';
import { dispatch } from '../../../../electron/core/dispatch';
import type { HandlerTable } from '../../../../electron/core/handlers';
import { assertMaskFits, maskFromFile } from '../../../../electron/core/imaging';
import { checkMaskSize } from '../../../../renderer/canvas/select/mask-file';
import { runRequest } from '../../../../renderer/state/edit-request';
import { initialState } from '../../../../renderer/state/model';

describe('describeError', () => {
  it.each(errorCodes.map((c) => [c]))('gives %s a title and a one-sentence fallback', (code) => {
    const shown = describeError({ code, message: '' });
    expect(shown.code).toBe(code);
    // The user's own refusals (invalid-input) are their sentence alone; every other code has a title.
    if (code === 'invalid-input') expect(shown.title).toBe('');
    else expect(shown.title.length).toBeGreaterThan(3);
    expect(shown.title).not.toBe(code);
    // One sentence for people: a capital, a full stop at the end and none in between.
    expect(shown.message).toMatch(/^[A-Z].*\.$/);
    expect(shown.message.slice(0, -1)).not.toMatch(/\.\s/);
    expect(['settings', 'retry', 'open', null]).toContain(shown.fix);
  });

  it('gives every code its own title', () => {
    const titles = errorCodes.map((code) => describeError({ code, message: '' }).title).filter(Boolean);
    expect(new Set(titles).size).toBe(errorCodes.length - 1);
  });

  it('points at the button that helps', () => {
    expect(describeError({ code: 'no-api-key', message: '' })).toEqual({
      code: 'no-api-key',
      title: 'No API key',
      message: 'Add your Segmind API key in Settings, then run the edit again.',
      fix: 'settings',
    });
    expect(describeError({ code: 'bad-api-key', message: '' }).fix).toBe('settings');
    expect(describeError({ code: 'offline', message: '' }).fix).toBe('retry');
    expect(describeError({ code: 'rate-limited', message: '' }).fix).toBe('retry');
    expect(describeError({ code: 'unsupported-image', message: '' }).fix).toBe('open');
    expect(describeError({ code: 'corrupt-project', message: '' }).fix).toBe('open');
    expect(describeError({ code: 'no-credits', message: '' }).fix).toBeNull();
    expect(describeError({ code: 'blocked', message: '' }).message).toMatch(/Reword the prompt/);
  });

  it('names every format Maskroom opens, and no other, when a file is not a photo it can open', () => {
    const said = describeError({ code: 'unsupported-image', message: '' }).message;
    for (const f of FORMATS) expect(said.includes(f.label), f.label).toBe(f.opens);
  });

  it("keeps main's message (trimmed) when there is one", () => {
    const shown = describeError({ code: 'timeout', message: '  The service took too long; resume later.  ' });
    expect(shown).toMatchObject({ code: 'timeout', title: 'Timed out', fix: 'retry' });
    expect(shown.message).toBe('The service took too long; resume later.');
  });

  it('falls back to the plain words when the message is blank or not a string', () => {
    expect(describeError({ code: 'offline', message: '   ' }).message).toBe(
      'Check your internet connection, then run the edit again.',
    );
    expect(describeError({ code: 'offline', message: 42 }).message).toBe(
      'Check your internet connection, then run the edit again.',
    );
  });

  it('treats an unknown error as internal', () => {
    const internal = {
      code: 'internal',
      title: 'Something went wrong',
      message: 'Try again, and report it if it keeps happening.',
      fix: 'retry',
    };
    expect(describeError(null)).toEqual(internal);
    expect(describeError(undefined)).toEqual(internal);
    expect(describeError('boom')).toEqual(internal);
    expect(describeError({})).toEqual(internal);
    // An unknown code or a plain Error: internal, but its message is still shown.
    expect(describeError({ code: 'no-such-code', message: 'It broke.' })).toEqual({
      ...internal,
      message: 'It broke.',
    });
    expect(describeError(new Error('Disk full.'))).toEqual({ ...internal, message: 'Disk full.' });
    // Inherited names are not codes.
    expect(describeError({ code: 'toString', message: '' }).code).toBe('internal');
  });
});

describe('localError', () => {
  it("uses the code's title and fix with the given message", () => {
    expect(localError('unsupported-image', 'That file is not a photo; open a JPEG or PNG.')).toEqual({
      code: 'unsupported-image',
      title: 'Not a photo Maskroom can open',
      message: 'That file is not a photo; open a JPEG or PNG.',
      fix: 'open',
    });
  });
});

/** The invalid-input sentence a call raises, or null when it raised something else. */
async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'invalid-input') return (e as Error).message;
    throw e;
  }
  throw new Error('no refusal');
}

describe('titles of invalid-input', () => {
  it("shows the user's own refusals as their sentence alone, with no title", async () => {
    // What the user meets: Run without a photo, a prompt or a mask; a mask file of another size (the
    // window's check and the core's), a mask drawn in transparency only.
    const said: string[] = [];
    const state = initialState();
    const noPhoto = runRequest(state, null);
    if ('message' in noPhoto) said.push(noPhoto.message);
    said.push(await refusal(() => checkMaskSize(100, 80, 1600, 1000)));
    said.push(
      await refusal(() =>
        assertMaskFits(
          { width: 300, height: 200, data: new Uint8Array(60_000) },
          { width: 200, height: 300 },
        ),
      ),
    );
    const transparent = await sharp({
      create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([
        {
          input: {
            create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } },
          },
          left: 10,
          top: 10,
        },
      ])
      .png()
      .toBuffer();
    said.push(await refusal(() => maskFromFile(new Uint8Array(transparent), 64, 48)));
    expect(said).toHaveLength(4);
    for (const message of said) {
      for (const shown of [
        describeError({ code: 'invalid-input', message }),
        localError('invalid-input', message),
      ]) {
        expect(shown, message).toMatchObject({ code: 'invalid-input', title: '', message });
      }
    }
  });

  it('keeps "Request not valid" for every request the window sent malformed', async () => {
    // Each call of the contract given a payload no schema takes, and a call that does not exist: the
    // dispatcher's own sentences (a fault of Maskroom, not of the user).
    const table = {} as HandlerTable;
    const sentences: string[] = [];
    for (const name of Object.keys(calls) as CallName[]) {
      for (const payload of [42, 'x', [1]]) {
        const r = await dispatch(table, name, payload);
        if (!r.ok && r.error.code === 'invalid-input') sentences.push(r.error.message);
      }
    }
    expect(sentences.length).toBeGreaterThan(Object.keys(calls).length);
    const unknown = await dispatch(table, 'no:such-call', {});
    if (!unknown.ok) sentences.push(unknown.error.message);
    sentences.push('The export request was not valid; choose Export again.');
    sentences.push('The drag-out request was not valid; drag the image again.');
    for (const message of sentences) {
      expect(describeError({ code: 'invalid-input', message }).title, message).toBe('Request not valid');
    }
  });
});
