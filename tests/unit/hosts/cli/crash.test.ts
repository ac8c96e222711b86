/**
 * Crash test: runs `maskroom edit` in a child process and kills it with SIGKILL at many points, then checks
 * that `history` reads the project cleanly (every complete layer, no layer pointing at a missing file) without
 * writing anything, that the next writer's open leaves no stray temporary or orphan file, and that `resume`
 * finishes the edit whenever its request id had been journaled, without submitting (and paying for) it
 * again, and without contacting the service at all once the result had been saved.
 *
 * Two ways of killing: the MASKROOM_TEST_CRASH_AT hook (electron/core/project/crash.ts) for exact points
 * inside our own code, and SIGKILL from outside while the child is really blocked on the network (a slow
 * upload, a long model wait).
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type FakeSegmind } from '../../../fake-segmind/server';
import {
  ProjectStore,
  LAYERS_DIR,
  JOURNAL_DIR,
  CRASH_POINTS,
  type CrashPoint,
} from '../../../../electron/core/project';
import { cliArgs, envFor, runCli, type CliRun, useChelseaWork } from './helpers';
import { snapshotTree } from '../../core/project/tmpfs';

let fake: FakeSegmind;
let work: string;
let template: string;

useChelseaWork('maskroom-crash-', (w) => void ({ fake, work, template } = w));

async function allFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true })).map(String);
}

/**
 * history --json after the crash: reads cleanly, with every complete layer, and writes nothing; the next
 * writer's open then leaves nothing dangling.
 */
async function checkHistory(
  dir: string,
  expectLayers: number,
): Promise<{ pending: Array<{ requestId: string }> }> {
  const before = await snapshotTree(dir);
  const h = await runCli(['history', '--project', dir, '--json'], { env: envFor(fake) });
  expect(await snapshotTree(dir)).toEqual(before);
  expect(h.stderr).toBe('');
  expect(h.code).toBe(0);
  const json = JSON.parse(h.stdout) as {
    layers: Array<{ id: string; prompt: string }>;
    pending: Array<{ requestId: string }>;
  };
  expect(json.layers.map((l) => l.prompt)).toEqual(['first', 'second'].slice(0, expectLayers));
  // A writer's open sweeps what the crash left.
  await (await ProjectStore.open(dir)).close();
  const files = await allFiles(dir);
  expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
  const store = await ProjectStore.open(dir, { readOnly: true });
  expect(store.report.layersWithMissingFiles).toEqual([]);
  const named = store.layers().flatMap((l) => Object.values(l.files));
  expect((await fs.readdir(path.join(dir, LAYERS_DIR))).sort()).toEqual(named.sort());
  return json;
}

async function crashRun(
  dir: string,
  env: Record<string, string>,
  onLine?: (line: string, kill: () => void) => void,
): Promise<CliRun> {
  return runCli(
    cliArgs('edit', { project: dir, mask: path.join(work, 'mask-b.png'), prompt: 'second', quality: 'low' }),
    {
      env: { ...envFor(fake), MASKROOM_PROGRESS: '1', ...env },
      ...(onLine ? { onStderrLine: onLine } : {}),
    },
  );
}

async function resumeAndCheck(
  dir: string,
  expectResumed: number,
  o: { offline?: boolean } = {},
): Promise<void> {
  const submits = fake.count('submit');
  const requests = fake.requests.length;
  // offline: no key and no service at all; the saved result must be enough.
  const env = o.offline
    ? { ...envFor(fake), SEGMIND_API_KEY: '', SEGMIND_API_BASE: 'http://127.0.0.1:9/api' }
    : envFor(fake);
  const r = await runCli(['resume', '--project', dir, '--json'], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout) as { resumed: Array<{ prompt: string }>; failed: unknown[] };
  expect(json.resumed.map((l) => l.prompt)).toEqual(expectResumed ? ['second'] : []);
  expect(json.failed).toEqual([]);
  expect(fake.count('submit')).toBe(submits); // collected, not submitted (and paid for) again
  if (o.offline) expect(fake.requests.length).toBe(requests); // not even a status poll
  const store = await ProjectStore.open(dir);
  expect(store.layers().map((l) => l.prompt)).toEqual(expectResumed ? ['first', 'second'] : ['first']);
  expect(await fs.readdir(path.join(dir, JOURNAL_DIR))).toEqual([]);
  await store.close();
}

/** Where the request id is journaled, where the result is saved, and where the layer is already committed. */
const journaledFrom = CRASH_POINTS.indexOf('after-request-id');
const savedFrom = CRASH_POINTS.indexOf('after-result');
const committedFrom = CRASH_POINTS.indexOf('after-manifest');

describe('kill -9 during an edit', () => {
  it.each(CRASH_POINTS.map((p) => [p]))(
    'at %s: history opens cleanly; resume finishes the edit if its request id was journaled',
    async (point: CrashPoint) => {
      const dir = path.join(work, `at-${point}`);
      await fs.cp(template, dir, { recursive: true });
      const r = await crashRun(dir, { MASKROOM_TEST_CRASH_AT: point });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      const i = CRASH_POINTS.indexOf(point);
      const committed = i >= committedFrom;
      const hist = await checkHistory(dir, committed ? 2 : 1);
      if (i >= journaledFrom && !committed) {
        expect(hist.pending).toHaveLength(1);
        expect(hist.pending[0]!.requestId).toEqual(expect.any(String));
        await resumeAndCheck(dir, 1, { offline: i >= savedFrom });
      } else {
        expect(hist.pending).toEqual([]);
        const store = await ProjectStore.open(dir);
        expect(store.layers()).toHaveLength(committed ? 2 : 1);
        expect(await fs.readdir(path.join(dir, JOURNAL_DIR))).toEqual([]);
        await store.close();
      }
    },
    60_000,
  );

  it('killed from outside in the middle of a slow upload: opens cleanly, nothing to resume', async () => {
    const dir = path.join(work, 'ext-upload');
    await fs.cp(template, dir, { recursive: true });
    // The upload reaches the service and is held unanswered until the child is dead: the kill lands in the
    // middle of it however fast or slow the machine.
    const upload = fake.hold('upload');
    try {
      let kill: (() => void) | null = null;
      const run = crashRun(dir, {}, (_line, k) => (kill ??= k));
      await upload.reached(1);
      // Its "uploading" line was written before the request, but the two may be read in either order.
      for (let i = 0; i < 600 && !kill; i++) await new Promise((r) => setTimeout(r, 50));
      kill!();
      const r = await run;
      expect(r.signal).toBe('SIGKILL');
      expect(upload.count).toBe(1); // it really was mid-upload, and got no further
    } finally {
      upload.release();
    }
    await checkHistory(dir, 1);
    await resumeAndCheck(dir, 0);
  }, 60_000);

  it('killed from outside while the model works: resume collects the result', async () => {
    const dir = path.join(work, 'ext-poll');
    await fs.cp(template, dir, { recursive: true });
    // A model wait no run outlasts: the kill always lands while the service works, never after the result
    // came back. The request id is journaled before the first "queued" line is printed.
    fake.configure({ latencyMs: 600_000 });
    try {
      const r = await crashRun(dir, {}, (line, kill) => {
        if (/^progress (queued|processing)/.test(line)) kill();
      });
      expect(r.signal).toBe('SIGKILL');
      const hist = await checkHistory(dir, 1);
      expect(hist.pending).toHaveLength(1);
      fake.advance(600_000); // the model has finished by the time the photographer resumes
      await resumeAndCheck(dir, 1);
    } finally {
      fake.configure({ latencyMs: 0 });
    }
  }, 60_000);

  it('a request that expired before resume is dropped with a clear error', async () => {
    const dir = path.join(work, 'expired');
    await fs.cp(template, dir, { recursive: true });
    const r = await crashRun(dir, { MASKROOM_TEST_CRASH_AT: 'polling' });
    expect(r.signal).toBe('SIGKILL');
    const hist = await checkHistory(dir, 1);
    fake.expire(hist.pending[0]!.requestId);
    const res = await runCli(['resume', '--project', dir, '--json'], { env: envFor(fake) });
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^maskroom: \S/);
    const json = JSON.parse(res.stdout) as { failed: Array<{ code: string; requestId: string }> };
    expect(json.failed).toEqual([
      expect.objectContaining({ code: 'expired', requestId: hist.pending[0]!.requestId }),
    ]);
    const store = await ProjectStore.open(dir);
    expect(store.layers()).toHaveLength(1);
    expect(await store.pendingJobs()).toEqual([]);
    await store.close();
  }, 60_000);
});
