/**
 * Faults a new user meets on the command line, through the real CLI: each ends in one sentence saying what
 * happened and what to do, and leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { chelseaWork, envFor, fixturePath, runCli, type CliRun } from './helpers';

let fake: FakeSegmind;
let work: string;
let template: string;
const PHOTO = fixturePath('chelsea.png');

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 0 });
  ({ work, template } = await chelseaWork('maskroom-new-user-', fake));
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

/** The one stderr line of a failed command. */
function oneLineError(r: CliRun): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('masks', () => {
  it('a mask drawn in transparency only (black, alpha = the shape) is named as such', async () => {
    const w = 451;
    const h = 300;
    const px = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (Math.hypot(x - 200, y - 150) < 60) px[(y * w + x) * 4 + 3] = 255;
    const mask = path.join(work, 'alpha-only.png');
    await sharp(px, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toFile(mask);
    const submits = fake.count('submit');
    const r = await runCli(['edit', '--project', template, '--mask', mask, '--prompt', 'x'], {
      env: envFor(fake),
    });
    const line = oneLineError(r);
    expect(line).toMatch(/white = change on black and its transparency is not used/);
    expect(line).not.toMatch(/Paint over the area/);
    expect(fake.count('submit')).toBe(submits);
  }, 60_000);
});
