/**
 * A full disk's sentence gives the figure it has for what it is: the room the work needs in all (what the
 * callers know: the file's or the write's whole size), never "more" than what is free, which nothing
 * measured. Over seeded sizes from a few bytes to gigabytes, and with and without a folder.
 */
import { describe, expect, it } from 'vitest';
import { environmentError, roughSize } from '../../../shared/errors';
import { rng } from '../../support/prng';

describe('the disk-full sentence', () => {
  it('says the size as the free space needed in all, in one sentence', () => {
    const r = rng(44);
    for (let i = 0; i < 200; i++) {
      const need = Math.floor(2 ** (r() * 34));
      const where = r() < 0.5 ? '/photos/shoot' : undefined;
      const e = Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: r() < 0.5 ? 'ENOSPC' : 'EDQUOT',
      });
      const err = environmentError(e, 'Saving the layer', { needBytes: need, ...(where ? { where } : {}) });
      expect(err?.code).toBe('disk-full');
      const m = err!.message;
      expect(m).toContain(`(this needs about ${roughSize(need)} of free space in all)`);
      expect(m).not.toMatch(/\bmore\b/);
      // One sentence: one full stop, at the end (sizes like "1.5 GB" have a decimal point, not a stop).
      expect(m.replace(/\d\.\d/g, '').match(/\.(\s|$)/g)).toEqual(['.']);
      expect(m.endsWith('free some space there and try again.')).toBe(true);
    }
  });

  it('says no figure when none is known', () => {
    const e = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path: '/photos/shoot/project.json' });
    expect(environmentError(e, 'Saving project.json')?.message).toBe(
      'Saving project.json failed: the disk holding /photos/shoot/project.json is full; free some space there and try again.',
    );
  });
});
