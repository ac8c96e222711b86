/**
 * The project's record of the photo it was made from (source.json) follows every write Maskroom makes over
 * that photo: `export --out` naming it writes the export and records it, so the next `--in-place` needs no
 * --force; and a process stopped between renaming the new file over the photo and updating the record (a
 * kill, a power cut: the crash points; a Ctrl-C or SIGTERM at that moment) leaves a project whose next run
 * says the right thing: the photo is what Maskroom wrote, and save back goes on without --force.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SOURCE_FILE, readSource } from '../../../../electron/core/save-back';
import { cliArgs, runCli, tempDir, type CliRun } from './helpers';
import { mountTmpfs, type Tmpfs } from '../../core/project/tmpfs';
import { noiseJpeg } from '../../../support/fixtures';
import { projectOfSource } from '../../../support/source-project';

let work: string;
let photos: string;
let dir: string;
let src: string;
let original: Buffer;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fileSha = async (f: string) => sha(new Uint8Array(await fs.readFile(f)));
const recorded = async () =>
  JSON.parse(await fs.readFile(path.join(dir, SOURCE_FILE), 'utf8')) as { sha256: string; pending?: unknown };

function ok(r: CliRun): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  work = await tempDir('maskroom-source-follow-');
  original = await noiseJpeg(96, 64, 80);
}, 60_000);

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

let n = 0;
// Each case starts from a new project made from a fresh copy of the photo (in a folder of its own).
beforeEach(async () => {
  n++;
  photos = path.join(work, `photos-${n}`);
  await fs.mkdir(photos);
  src = path.join(photos, 'shot.jpg');
  await fs.writeFile(src, original);
  dir = path.join(work, `project-${n}`);
  await projectOfSource(dir, src, {
    photo: new Uint8Array(original),
    name: 'shot.jpg',
    width: 96,
    height: 64,
    format: 'jpeg',
  });
});

describe('export --out naming the source photo', () => {
  it('records the export, so a later save back needs no --force', async () => {
    ok(await runCli(cliArgs('export', { project: dir, out: src })));
    const now = await fileSha(src);
    expect(now).not.toBe(sha(original));
    expect((await recorded()).sha256).toBe(now);
    ok(await runCli(cliArgs('export', { project: dir, 'in-place': true })));
    // And the same through another spelling of the path.
    const spelled = path.join(photos, '..', path.basename(photos), '.', 'shot.jpg');
    ok(await runCli(cliArgs('export', { project: dir, out: spelled })));
    ok(await runCli(cliArgs('export', { project: dir, 'in-place': true })));
    expect(await fs.readdir(photos)).toEqual(['shot.jpg']);
  }, 60_000);

  it('a hard link to the photo is replaced by the export, the photo and its record stay as they were', async () => {
    const link = path.join(photos, 'link.jpg');
    await fs.link(src, link);
    const before = await fs.readFile(path.join(dir, SOURCE_FILE), 'utf8');
    ok(await runCli(cliArgs('export', { project: dir, out: link })));
    expect(await fileSha(src)).toBe(sha(original));
    expect(await fileSha(link)).not.toBe(sha(original));
    expect(await fs.readFile(path.join(dir, SOURCE_FILE), 'utf8')).toBe(before);
    ok(await runCli(cliArgs('export', { project: dir, 'in-place': true })));
  }, 60_000);
});

describe('a write over the source stopped between the file and its record', () => {
  for (const command of [
    { name: 'export --in-place', inPlace: true },
    { name: 'export --out SOURCE', inPlace: false },
  ]) {
    const flags = (): Record<string, string | true> =>
      command.inPlace ? { 'in-place': true } : { out: src };

    it(`${command.name}, killed after the rename: the next save back goes on without --force`, async () => {
      const r = await runCli(cliArgs('export', { project: dir, ...flags() }), {
        env: { MASKROOM_TEST_CRASH_AT: 'source-renamed' },
      });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      const written = await fileSha(src);
      expect(written).not.toBe(sha(original));
      // The record on disk is the one written before the rename; what it reads as is the file's new state.
      expect((await recorded()).pending).toBeDefined();
      expect((await readSource(dir))?.sha256).toBe(written);
      const again = await runCli(cliArgs('export', { project: dir, 'in-place': true }));
      ok(again);
      expect(again.stderr).toBe('');
      expect((await recorded()).pending).toBeUndefined();
      expect((await recorded()).sha256).toBe(await fileSha(src));
    }, 60_000);

    it(`${command.name}, killed before the rename: the photo is as it was and save back goes on`, async () => {
      const r = await runCli(cliArgs('export', { project: dir, ...flags() }), {
        env: { MASKROOM_TEST_CRASH_AT: 'source-pending' },
      });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(await fileSha(src)).toBe(sha(original));
      expect((await readSource(dir))?.sha256).toBe(sha(original));
      ok(await runCli(cliArgs('export', { project: dir, 'in-place': true })));
      expect((await recorded()).sha256).toBe(await fileSha(src));
    }, 60_000);

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${command.name}, ${signal} right after the rename: the write completes and is said so`, async () => {
        const r = await runCli(cliArgs('export', { project: dir, ...flags() }), {
          env: { MASKROOM_TEST_CRASH_AT: 'source-renamed', MASKROOM_TEST_CRASH_SIGNAL: signal },
        });
        ok(r);
        expect(r.stdout).toMatch(
          /^(Saved back|Exported) 96x64 jpeg with 0 visible layers (into|to) \S+shot\.jpg\.\n$/,
        );
        expect(r.stderr).toBe('');
        expect((await recorded()).pending).toBeUndefined();
        expect((await recorded()).sha256).toBe(await fileSha(src));
        ok(await runCli(cliArgs('export', { project: dir, 'in-place': true })));
        expect(await fs.readdir(photos)).toEqual(['shot.jpg']);
      }, 60_000);
    }
  }
});

describe('the source photo with the project on a read-only disk', () => {
  let m: Tmpfs | { skip: string };
  beforeAll(async () => {
    m = await mountTmpfs(8 * 1024 * 1024);
  });
  afterAll(async () => {
    if ('dir' in m) await m.unmount();
  });

  it('--in-place says the project cannot record it and leaves the photo; --out still writes it, with a warning', async (ctx) => {
    if (!('dir' in m)) return ctx.skip(m.skip);
    const ro = path.join(m.dir, 'project');
    await fs.cp(dir, ro, { recursive: true });
    m.setReadOnly(true);
    try {
      const back = await runCli(cliArgs('export', { project: ro, 'in-place': true }));
      expect(back.code, back.stderr).toBe(1);
      expect(back.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(back.stderr).toMatch(
        /^maskroom: Recording the new shot\.jpg in the project failed: the folder is on a read-only disk \(\S+project\); copy the project to a writable disk to save back from it \(shot\.jpg was not changed\)\.\n$/,
      );
      expect(await fileSha(src)).toBe(sha(original));
      expect(await fs.readdir(photos)).toEqual(['shot.jpg']);
      const out = await runCli(cliArgs('export', { project: ro, out: src }));
      ok(out);
      expect(await fileSha(src)).not.toBe(sha(original));
      expect(out.stderr).toMatch(
        /^maskroom: warning: the project could not record that \S+shot\.jpg now holds this export/,
      );
    } finally {
      m.setReadOnly(false);
    }
  }, 60_000);
});
