/**
 * `export` and `history` on a project with a damaged layer give the advice its cause calls for: a rectangle
 * project.json puts outside the photo is fixed by restoring project.json from a backup, a missing layer file
 * by putting it back.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type FakeSegmind } from '../../../fake-segmind/server';
import { envFor, runCli, useChelseaWork } from './helpers';

let fake: FakeSegmind;
let work: string;
let template: string;

useChelseaWork('maskroom-damaged-advice-', (w) => void ({ fake, work, template } = w));

/** A copy of the template with its one layer damaged as `how` says. */
async function damaged(how: 'rect' | 'file'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(work, `${how}-`));
  await fs.cp(template, dir, { recursive: true });
  const m = JSON.parse(await fs.readFile(path.join(dir, 'project.json'), 'utf8'));
  if (how === 'rect') {
    m.layers[0].rect.x = -7;
    await fs.writeFile(path.join(dir, 'project.json'), JSON.stringify(m, null, 2));
  } else await fs.rm(path.join(dir, 'layers', m.layers[0].files.patch));
  return dir;
}

describe('damaged-layer advice on the command line', () => {
  it('says to restore project.json for a bad rectangle and to put the file back for a missing file', async () => {
    for (const how of ['rect', 'file'] as const) {
      const dir = await damaged(how);
      const out = path.join(work, `${how}.png`);
      const ex = await runCli(['export', '--project', dir, '--out', out], { env: envFor(fake) });
      expect(ex.code, ex.stderr).toBe(1);
      const lines = ex.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const line = lines[0]!;
      expect(line).toMatch(/cannot be exported because .*, or pass --skip-damaged to export without it\.$/);
      expect(line.includes('restore project.json from a backup'), line).toBe(how === 'rect');
      expect(line.includes('put the file back'), line).toBe(how === 'file');
      await expect(fs.stat(out)).rejects.toThrow();

      const h = await runCli(['history', '--project', dir], { env: envFor(fake) });
      const mark = h.stdout.split('\n').find((l) => l.includes('DAMAGED:'));
      expect(mark, h.stdout + h.stderr).toBeDefined();
      expect(mark!.includes('restore project.json from a backup'), mark).toBe(how === 'rect');
      expect(mark!.includes('put the file back'), mark).toBe(how === 'file');
    }
  }, 90_000);
});
