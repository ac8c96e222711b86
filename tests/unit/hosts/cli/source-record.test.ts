/**
 * A new project's record of where its photo came from (source.json, for export --in-place) is written while
 * the first edit is journaled and its inputs built, not before them; it must still be on disk before anything
 * is sent. A process killed the moment the upload starts leaves it complete, naming the photo, and save back
 * then works from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { SOURCE_FILE } from '../../../../electron/core/save-back';
import { cliArgs, envFor, fixturePath, runCli, tempDir, writeEllipseMask } from './helpers';

let fake: FakeSegmind;
let work: string;

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 0 });
  work = await tempDir('maskroom-source-');
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe("a new project's source record", () => {
  it('is on disk before the upload starts', async () => {
    const photo = path.join(work, 'photo.png');
    await fs.copyFile(fixturePath('chelsea.png'), photo);
    // The user's own photo is writable (the shared fixture is kept read-only).
    await fs.chmod(photo, 0o644);
    const mask = await writeEllipseMask(path.join(work, 'mask.png'), 451, 300, 200, 150, 60, 50);
    const dir = path.join(work, 'project');
    const r = await runCli(
      cliArgs('edit', { project: dir, image: photo, mask, prompt: 'x', quality: 'low' }),
      {
        env: envFor(fake, { MASKROOM_TEST_CRASH_AT: 'uploading' }),
      },
    );
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const rec = JSON.parse(await fs.readFile(path.join(dir, SOURCE_FILE), 'utf8')) as {
      path: string;
      format: string;
    };
    expect(rec.path).toBe(photo);
    expect(rec.format).toBe('png');
    // Save back reads it: the photo is written in place (there is no layer yet, so the pixels are the same).
    const back = await runCli(cliArgs('export', { project: dir, 'in-place': true, json: true }), {
      env: envFor(fake),
    });
    expect(back.code, back.stderr).toBe(0);
  }, 60_000);
});
