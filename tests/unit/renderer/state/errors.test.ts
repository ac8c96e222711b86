import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../../shared/errors';
import { describeError, localError } from '../../../../renderer/state/errors';
import { FORMATS } from '../../../../shared/formats';

describe('describeError', () => {
  it.each(errorCodes.map((c) => [c]))('gives %s a title and a one-sentence fallback', (code) => {
    const shown = describeError({ code, message: '' });
    expect(shown.code).toBe(code);
    expect(shown.title.length).toBeGreaterThan(3);
    expect(shown.title).not.toBe(code);
    // One sentence for people: a capital, a full stop at the end and none in between.
    expect(shown.message).toMatch(/^[A-Z].*\.$/);
    expect(shown.message.slice(0, -1)).not.toMatch(/\.\s/);
    expect(['settings', 'retry', 'open', null]).toContain(shown.fix);
  });

  it('gives every code its own title', () => {
    const titles = errorCodes.map((code) => describeError({ code, message: '' }).title);
    expect(new Set(titles).size).toBe(errorCodes.length);
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
