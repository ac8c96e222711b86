import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { runEdit } from '../../../../electron/core/pipeline';
import { fakeApi } from '../../core/pipeline/fake-api';
import { catProject, ellipseOn } from '../../core/pipeline/fixtures';
import { runCli } from './helpers';

/** A project of `n` layers made in-process (the fake API's results), closed so the CLI can open it. */
async function project(n: number): Promise<string> {
  const { dir, session, photo } = await catProject('maskroom-cli-progress-');
  const params = EditParams.parse({ quality: 'low' });
  for (let i = 0; i < n; i++) {
    const mask = await ellipseOn(photo, 80 + i * 25, 120, 40, 30);
    await runEdit(
      session,
      { prompt: `edit ${i}`, params, feather: 2, colorMatch: true, mask, references: [] },
      { api: fakeApi().api, transport: 'upload', mode: 'async' },
    );
  }
  await session.close();
  return dir;
}

describe('maskroom export progress', () => {
  it('prints flattening, encoding and writing steps with MASKROOM_PROGRESS=1, and none otherwise off a terminal', async () => {
    const n = 11;
    const dir = await project(n);
    // Uncached: without the flattened image the session wrote once 8 layers were visible.
    await fs.rm(path.join(dir, 'cache', 'current.bin'));
    const out = path.join(path.dirname(dir), 'out.jpg');
    const run = await runCli(['export', '--project', dir, '--out', out], { env: { MASKROOM_PROGRESS: '1' } });
    expect(run.code, run.stderr).toBe(0);
    const steps = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('progress '))
      .map((l) => l.replace(/^progress (.*) \d+\.\ds$/, '$1'));
    // Layers are applied in batches: the count starts at 0, only grows, and ends at all of them.
    const counts = steps.filter((s) => s.startsWith('flattening')).map((s) => Number(/(\d+)\//.exec(s)![1]));
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(n);
    expect(counts.length).toBeGreaterThan(2);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(steps.filter((s) => s.startsWith('flattening')).every((s) => s.endsWith(`/${n} layers`))).toBe(
      true,
    );
    // libvips encodes a JPEG in one call: its encode is one step, written as it is encoded.
    expect(steps.slice(-3)).toEqual(['encoding jpeg 0%', 'encoding jpeg 100%', 'writing']);
    expect((await sharp(await fs.readFile(out)).metadata()).format).toBe('jpeg');

    // A TIFF reports its strips as they are written: the percentage only grows and ends complete.
    const tif = path.join(path.dirname(dir), 'out.tif');
    const t = await runCli(['export', '--project', dir, '--out', tif], { env: { MASKROOM_PROGRESS: '1' } });
    expect(t.code, t.stderr).toBe(0);
    const pcts = t.stderr
      .split('\n')
      .map((l) => /^progress encoding tiff (\d+)% /.exec(l))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]));
    expect(pcts.length).toBeGreaterThan(1);
    expect([...pcts].sort((a, b) => a - b)).toEqual(pcts);
    expect(pcts.at(-1)).toBe(100);
    expect(t.stderr.trimEnd().split('\n').at(-1)).toMatch(/^progress writing /);
    expect((await sharp(await fs.readFile(tif)).metadata()).format).toBe('tiff');

    const quiet = await runCli(['export', '--project', dir, '--out', out]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/^progress /m);
  }, 90_000);
});
