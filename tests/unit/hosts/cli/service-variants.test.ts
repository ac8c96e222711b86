/**
 * The real CLI against the fake Segmind speaking each documented variant the user can see: the upload
 * answer's `urls` key, the four output shapes, an output on a separate https host, the 406 causes, 410
 * (on submit, and once the edit was accepted), the x-rate-limit-reset-at-utc hint, and the cost of each edit in `history --json`.
 */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeSegmind,
  TEST_TLS_CERT_PATH,
  type FakeSegmind,
  type OutputShape,
} from '../../../fake-segmind/server';
import {
  cliArgs,
  envFor,
  fixturePath,
  oneLineError,
  runCli,
  tempDir,
  type CliRun,
  writeEllipseMask,
} from './helpers';

let fake: FakeSegmind;
let work: string;
let mask: string;
let n = 0;
const PHOTO = fixturePath('rocket.jpg'); // 640x427

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 50 });
  work = await tempDir('maskroom-variants-');
  mask = await writeEllipseMask(path.join(work, 'mask.png'), 640, 427, 320, 200, 80, 60);
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.setFault(null);
  fake.clearLog();
  fake.configure({
    outputShape: 'url',
    outputHost: 'same',
    uploadKey: 'file_urls',
    costUsd: 0.24,
  });
});

/** One low-quality edit into a new project; returns the run and the project folder. */
async function edit(env: Record<string, string> = {}): Promise<{ run: CliRun; dir: string }> {
  const dir = path.join(work, `p${++n}`);
  const run = await runCli(
    cliArgs('edit', { project: dir, image: PHOTO, mask: mask, prompt: 'x', quality: 'low', json: true }),
    { env: envFor(fake, env) },
  );
  return { run, dir };
}

describe('maskroom edit against the service variants', () => {
  it('the upload answer names its list `urls`', { timeout: 60_000 }, async () => {
    fake.configure({ uploadKey: 'urls' });
    const { run } = await edit();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(fake.count('upload')).toBe(1);
  });

  for (const shape of ['url', 'array', 'data-uri', 'base64'] as OutputShape[]) {
    it(`the result's output is ${shape}`, { timeout: 60_000 }, async () => {
      fake.configure({ outputShape: shape });
      const { run } = await edit();
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(fake.count('download')).toBe(shape === 'url' || shape === 'array' ? 1 : 0);
    });
  }

  it(
    'an output on a separate https host (its certificate trusted) is downloaded without the key',
    { timeout: 60_000 },
    async () => {
      fake.configure({ outputHost: 'other-https' });
      const { run } = await edit({ NODE_EXTRA_CA_CERTS: TEST_TLS_CERT_PATH });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const other = fake.requests.filter((r) => r.server === 'other-https');
      expect(other.map((r) => [r.endpoint, r.hasKey])).toEqual([['download', false]]);
    },
  );

  it('an output on a separate plain-http host is refused in one sentence', { timeout: 60_000 }, async () => {
    fake.configure({ outputHost: 'other-http' });
    const line = oneLineError((await edit()).run);
    expect(line).toMatch(
      /^maskroom: .*The edit service named its result at http:\/\/127\.0\.0\.1:\d+, which is neither https/,
    );
    expect(fake.requests.filter((r) => r.server !== 'main')).toEqual([]);
  });

  for (const [fault, re] of [
    ['406', /not have enough credits for this edit \(\d+ left\)/],
    ['406-spend-limit', /team has reached its spend limit \(HTTP 406, \d+ left\)/],
    ['406-content-type', /refused the request's Content-Type \(HTTP 406/],
    ['410', /Segmind has retired the gpt-image-1\.5-edit model \(HTTP 410\)/],
  ] as const) {
    it(`${fault} on submit says which`, { timeout: 60_000 }, async () => {
      fake.setFault({ name: fault, endpoint: 'submit' });
      const line = oneLineError((await edit()).run);
      expect(line).toMatch(re);
      expect(fake.count('submit')).toBe(1);
    });
  }

  // 410 Gone after the service accepted the edit: the request is gone, so it can only be run again, and
  // nothing is left in the journal to be offered for collecting (the cost is known once the result was read).
  for (const [endpoint, cost] of [
    ['status', null],
    ['download', '$0.24'],
  ] as const) {
    it(
      `410 on ${endpoint} after acceptance: gone, to be run again, not resumed`,
      { timeout: 60_000 },
      async () => {
        fake.queueFaults({ name: '410', endpoint });
        const { run, dir } = await edit();
        const line = oneLineError(run);
        const id = fake.submitted.at(-1)?.requestId ?? '';
        expect(line).toBe(
          `maskroom: The edit service no longer holds the result of request ${id} (results are kept for one hour${cost ? `; this edit was charged ${cost}` : ''}), so it cannot be collected; run the edit again.`,
        );
        expect(fake.count('submit')).toBe(1);
        const resume = await runCli(['resume', '--project', dir], { env: envFor(fake) });
        expect(resume.stderr).toBe('');
        expect(resume.stdout).toBe('Nothing to resume: no edit was left in flight.\n');
        expect(fake.count('submit')).toBe(1);
      },
    );
  }

  it(
    'x-rate-limit-reset-at-utc: a short hint is waited for, an hour is said in words',
    { timeout: 60_000 },
    async () => {
      fake.setFault({ name: '429-reset-at', endpoint: 'submit', resetInMs: 500 });
      const ok = await edit();
      expect(ok.run.stderr).toBe('');
      expect(ok.run.code).toBe(0);
      expect(fake.requests.filter((r) => r.endpoint === 'submit').map((r) => r.status)).toEqual([429, 200]);

      fake.clearLog();
      fake.setFault({ name: '429-reset-at', endpoint: 'submit', resetInMs: 3_600_000 });
      const line = oneLineError((await edit()).run);
      expect(line).toMatch(/the service asks to wait 60 minutes/);
      expect(line).not.toMatch(/a minute/);
      expect(fake.count('submit')).toBe(1);
    },
  );
});

describe('cost in history --json', () => {
  // Needs the project store to keep EditResult.cost per layer (the `cost` field of history --json).
  it(
    'each layer carries what the service reported, v2 (metrics.cost) and v1 (x-cost)',
    { timeout: 90_000 },
    async () => {
      fake.configure({ costUsd: 0.24 });
      const { run, dir } = await edit();
      expect(run.code).toBe(0);
      fake.configure({ costUsd: 0.31 });
      const again = await runCli(
        ['edit', '--project', dir, '--mask', mask, '--prompt', 'y', '--quality', 'low', '--mode', 'sync'],
        { env: envFor(fake) },
      );
      expect(again.stderr).toBe('');
      const h = await runCli(['history', '--project', dir, '--json'], { env: envFor(fake) });
      expect(h.code).toBe(0);
      const layers = (
        JSON.parse(h.stdout) as { layers: { cost: number | null; creditsLeft: number | null }[] }
      ).layers;
      expect(layers.map((l) => l.cost)).toEqual([0.24, 0.31]);
      expect(layers.every((l) => typeof l.creditsLeft === 'number')).toBe(true);
    },
  );
});
