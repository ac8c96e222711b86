/**
 * The machine's faults in plain words, whatever file the failing call was on:
 *  - a temporary file Maskroom writes beside its target (`x.png.tmp-<hex>`, `.maskroom.lock.tmp-<hex>`) is a
 *    name the user never chose: the sentence names its folder instead;
 *  - advice given per kind of fault is said only for that kind (a read-only disk is never told to free space);
 *  - a path that runs through a file (ENOTDIR, or mkdir's EEXIST) or names a folder where a file is written
 *    (EISDIR) is said as such, not as an internal error.
 */
import { describe, expect, it } from 'vitest';
import { environmentError, toWireError } from '../../../shared/errors';
import { pick, rng } from '../../support/prng';

const hex = (r: () => number) => Array.from({ length: 12 }, () => Math.floor(r() * 16).toString(16)).join('');

const folders = ['/photos/shoot', '/Volumes/Archive/ünïcødé 写真', '/tmp/a b'];
const targets = ['x.png', 'project.json', '.maskroom.lock', 'layers/l1.patch.png', 'IMG 0001.tif'];

/** One sentence: one full stop, at the end. */
const oneSentence = (m: string) => expect(m.replace(/\d\.\d/g, '').match(/\.(\s|$)/g)).toEqual(['.']);

function fault(code: string, p: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${code}: something, open '${p}'`), { code, path: p, ...extra });
}

describe('environmentError', () => {
  it('never names a temporary file, and says the folder it was in', () => {
    const r = rng(91);
    for (let i = 0; i < 200; i++) {
      const folder = pick(r, folders);
      const target = pick(r, targets);
      const tmp = `${folder}/${target}.tmp-${hex(r)}`;
      const code = pick(r, ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);
      const err = environmentError(fault(code, tmp), 'Writing the file');
      expect(err).not.toBeNull();
      const m = err!.message;
      expect(m).not.toContain('.tmp-');
      const dir = tmp.slice(0, tmp.lastIndexOf('/'));
      expect(m).toContain(dir);
      oneSentence(m);
    }
    // A path that is not a temporary file is said as it is.
    const p = '/photos/shoot/project.json';
    expect(environmentError(fault('EROFS', p), 'Saving project.json')?.message).toBe(
      'Saving project.json failed: the folder is on a read-only disk (/photos/shoot/project.json); copy the project to a writable folder first.',
    );
  });

  it('says per-kind advice only for its own kind', () => {
    const r = rng(5);
    const advice = {
      full: 'free some space there',
      readOnly: 'choose a writable folder',
      denied: 'ask for access',
    };
    const kinds: Record<string, keyof typeof advice> = {
      ENOSPC: 'full',
      EDQUOT: 'full',
      EROFS: 'readOnly',
      EACCES: 'denied',
      EPERM: 'denied',
    };
    for (let i = 0; i < 100; i++) {
      const code = pick(r, Object.keys(kinds));
      const m = environmentError(fault(code, `${pick(r, folders)}/x.png`), 'Writing x.png', {
        next: advice,
      })!.message;
      for (const [kind, text] of Object.entries(advice)) {
        if (kind === kinds[code]) expect(m.endsWith(`; ${text}.`)).toBe(true);
        else expect(m).not.toContain(text);
      }
    }
  });

  it('a kind left out of per-kind advice gets that kind’s own default', () => {
    const m = environmentError(fault('EROFS', '/a/x.png'), 'Writing x.png', {
      next: { full: 'free space' },
    })!.message;
    expect(m).toBe(
      'Writing x.png failed: the folder is on a read-only disk (/a/x.png); copy the project to a writable folder first.',
    );
  });

  it('says a path through a file, or a folder where a file belongs, in words', () => {
    const r = rng(17);
    for (let i = 0; i < 60; i++) {
      const folder = pick(r, folders);
      const kind = pick(r, ['ENOTDIR', 'EEXIST-mkdir', 'EISDIR']);
      const p = `${folder}/${pick(r, targets)}`;
      const e =
        kind === 'ENOTDIR'
          ? fault('ENOTDIR', `${p}/project.json`, { syscall: 'open' })
          : kind === 'EEXIST-mkdir'
            ? fault('EEXIST', p, { syscall: 'mkdir' })
            : fault('EISDIR', p, { syscall: 'open' });
      const what = pick(r, [undefined, 'Opening the project']);
      const err = environmentError(e, what);
      expect(err).not.toBeNull();
      const m = err!.message;
      if (kind === 'EISDIR') expect(m).toContain(`${p} is a folder, not a file`);
      else if (kind === 'EEXIST-mkdir') expect(m).toContain(`${p} is a file, not a folder`);
      else
        expect(m).toContain(`${p}/project.json cannot be reached: part of the path is a file, not a folder`);
      expect(m).not.toMatch(/ENOTDIR|EEXIST|EISDIR|inside Maskroom/);
      oneSentence(m);
      // The last resort for anything unhandled says the same.
      expect(toWireError(e).message).toBe(environmentError(e)!.message);
    }
    // An exclusive create's EEXIST is left to its caller (a lock held, a name taken): not a fault.
    expect(environmentError(fault('EEXIST', '/a/.maskroom.lock', { syscall: 'open' }))).toBeNull();
  });

  it('a temporary file under a path through a file is said by its folder, not its own name', () => {
    const r = rng(23);
    for (let i = 0; i < 40; i++) {
      const folder = `${pick(r, folders)}/photo.jpg`;
      const tmp = `${folder}/${pick(r, targets)}.tmp-${hex(r)}`;
      const m = environmentError(fault('ENOTDIR', tmp, { syscall: 'open' }), 'Writing the file')!.message;
      expect(m).not.toContain('.tmp-');
      const dir = tmp.slice(0, tmp.lastIndexOf('/'));
      expect(m).toContain(`${dir} cannot be reached: part of the path is a file, not a folder`);
      oneSentence(m);
    }
  });

  it('names the folder a file was renamed onto (its destination), not the temporary file', () => {
    const e = fault('EISDIR', '/photos/out.jpg.tmp-0123456789ab', {
      syscall: 'rename',
      dest: '/photos/out.jpg',
    });
    expect(environmentError(e, 'Writing /photos/out.jpg')?.message).toBe(
      'Writing /photos/out.jpg failed: /photos/out.jpg is a folder, not a file; give the path of a file instead.',
    );
  });
});
