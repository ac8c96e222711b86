/**
 * A path option written `~/...` names the home folder, as the shell would have made it: the shell does not
 * expand `--out=~/x.jpg` or a quoted "~/x.jpg", and the CLI would otherwise use a folder named "~" in the
 * current one. Through the real CLI for a command that only reads (history), and over every path option of
 * both parsers for the rule itself.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expandHome } from '../../../../electron/hosts/cli-args';
import { runCli, tempDir } from './helpers';
import { ProjectStore } from '../../../../electron/core/project';

describe('~ in path options', () => {
  it('the CLI reads --project=~/DIR from the home folder', async () => {
    const home = await tempDir('maskroom-home-');
    try {
      const store = await ProjectStore.create(path.join(home, 'shots', 'proj'), {
        photo: new Uint8Array(Buffer.from('x')),
        name: 'a.png',
        width: 2,
        height: 2,
        format: 'png',
      });
      await store.close();
      for (const args of [
        ['history', '--project=~/shots/proj', '--json'],
        ['history', '--project', '~/shots/proj', '--json'],
      ]) {
        const r = await runCli(args, { env: { HOME: home } });
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ width: 2, height: 2, layers: [] });
      }
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('expands ~ and ~/ in the named options only, in single and repeated values', () => {
    const home = '/home/someone';
    const v = expandHome(
      {
        out: '~/Desktop/x.jpg',
        project: '~',
        image: ['~/a.png', 'b.png', '/abs/~/c.png'],
        mask: '~other/m.png',
        prompt: '~/not a path',
        json: true,
      },
      ['out', 'project', 'image', 'mask'],
      home,
    );
    expect(v).toEqual({
      out: '/home/someone/Desktop/x.jpg',
      project: '/home/someone',
      image: ['/home/someone/a.png', 'b.png', '/abs/~/c.png'],
      // Another user's home (~name) is left to the shell.
      mask: '~other/m.png',
      prompt: '~/not a path',
      json: true,
    });
  });
});
