/**
 * What survives which fault, through the real CLI against the fake service: faults after the service accepted
 * an edit (server errors and rate limits while polling, a reset during the download, a full disk) lead to
 * `maskroom resume`, which collects exactly one layer with exactly one submit; read commands work on a
 * read-only project and write nothing; a missing layer file is reported, never dropped; a photo that does
 * not decode creates nothing; the CLI's own wording (SEGMIND_API_KEY, option ranges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type FakeSegmind, type Fault } from '../../../fake-segmind/server';
import { LAYERS_DIR, MANIFEST_FILE } from '../../../../electron/core/project';
import { cliArgs, envFor, fixturePath, oneLineError, runCli, type CliRun, useChelseaWork } from './helpers';
import { mountTmpfs, snapshotTree, type Tmpfs } from '../../core/project/tmpfs';

let fake: FakeSegmind;
let work: string;
let template: string;
const PHOTO = fixturePath('chelsea.png');

useChelseaWork('maskroom-faults-', (w) => void ({ fake, work, template } = w));

function edit(dir: string, prompt: string, extra: string[] = [], env = envFor(fake)): Promise<CliRun> {
  const args = ['edit', '--project', dir, '--prompt', prompt, '--quality', 'low', ...extra];
  if (!extra.includes('--mask')) args.push('--mask', path.join(work, 'mask-b.png'));
  return runCli(args, { env });
}

async function historyJson(dir: string) {
  const h = await runCli(['history', '--project', dir, '--json'], { env: envFor(fake) });
  expect(h.stderr).toBe('');
  expect(h.code).toBe(0);
  return JSON.parse(h.stdout) as {
    layers: Array<{ id: string; prompt: string; cost: number | null; damaged: string | null }>;
    pending: Array<{ requestId: string | null; resultSaved: boolean }>;
  };
}

/** After a fault past acceptance: the message leads to resume; resume collects one layer, no new submit. */
async function expectCollected(dir: string, r: CliRun, submitsBefore: number): Promise<void> {
  const line = oneLineError(r);
  expect(line).toContain(`run \`maskroom resume --project ${dir}\` to collect it`);
  expect(line).toContain('running the edit again would pay twice');
  expect(line).not.toMatch(/try again|report it/);
  expect(fake.count('submit')).toBe(submitsBefore + 1);
  const hist = await historyJson(dir);
  expect(hist.pending).toHaveLength(1);
  const res = await runCli(['resume', '--project', dir, '--json'], { env: envFor(fake) });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(JSON.parse(res.stdout).resumed.map((l: { prompt: string }) => l.prompt)).toEqual(['second']);
  // A second resume has nothing left: never a duplicate layer.
  const again = await runCli(['resume', '--project', dir, '--json'], { env: envFor(fake) });
  expect(JSON.parse(again.stdout).resumed).toEqual([]);
  const after = await historyJson(dir);
  expect(after.layers.map((l) => l.prompt)).toEqual(['first', 'second']);
  expect(after.pending).toEqual([]);
  expect(fake.count('submit')).toBe(submitsBefore + 1); // exactly one submit for the whole story
}

describe('faults after the service accepted the edit', () => {
  it.each<[string, Fault]>([
    ['a server error while polling', { name: 'always-500', endpoint: 'status' }],
    [
      'rate limiting while polling',
      { name: '429-then-ok', endpoint: 'status', times: 1000, retryAfter: '0' },
    ],
    ['a reset during the download', { name: 'reset', endpoint: 'download' }],
  ])(
    '%s: the message leads to resume, which collects one layer with one submit',
    async (_what, fault) => {
      const dir = path.join(work, `fault-${fault.name}-${fault.endpoint}`);
      await fs.cp(template, dir, { recursive: true });
      const submits = fake.count('submit');
      fake.setFault(fault);
      let r: CliRun;
      try {
        r = await edit(dir, 'second');
      } finally {
        fake.setFault(null);
      }
      await expectCollected(dir, r, submits);
    },
    90_000,
  );
});

describe('a missing layer file (a half-synced cloud folder)', () => {
  it('is reported by history, refused by export with its name, and never dropped from project.json', async () => {
    const dir = path.join(work, 'missing');
    await fs.cp(template, dir, { recursive: true });
    expect((await edit(dir, 'second')).code).toBe(0);
    const before = await historyJson(dir);
    const victim = before.layers[0]!;
    const manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    await fs.rm(path.join(dir, LAYERS_DIR, manifest.layers[0].files.patch));
    const snap = await snapshotTree(dir);

    const text = await runCli(['history', '--project', dir], { env: envFor(fake) });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2 layers/);
    expect(text.stdout).toMatch(/DAMAGED: layers\/\S+\.patch\.png is missing/);
    const json = await historyJson(dir);
    expect(json.layers.map((l) => [l.prompt, l.damaged !== null])).toEqual([
      ['first', true],
      ['second', false],
    ]);
    expect(json.layers[0]!.damaged).toContain('is missing');
    expect(await snapshotTree(dir)).toEqual(snap); // read commands write and delete nothing

    const out = path.join(work, 'missing.png');
    const ex = await runCli(['export', '--project', dir, '--out', out], { env: envFor(fake) });
    const line = oneLineError(ex);
    expect(line).toContain(`Layer 1 ("first", ${victim.id})`);
    expect(line).toContain('--skip-damaged');
    await expect(fs.access(out)).rejects.toThrow();
    const skip = await runCli(['export', '--project', dir, '--out', out, '--skip-damaged', '--json'], {
      env: envFor(fake),
    });
    expect(skip.code, skip.stderr).toBe(0);
    expect(JSON.parse(skip.stdout)).toMatchObject({ visibleLayers: 1, skippedDamaged: [victim.id] });
    expect(await snapshotTree(dir)).toEqual(snap);

    // A later edit (a writer) keeps the damaged layer's record.
    expect((await edit(dir, 'third')).code).toBe(0);
    const m2 = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(m2.layers.map((l: { prompt: string }) => l.prompt)).toEqual(['first', 'second', 'third']);
    expect(m2.layers[0]).toEqual(manifest.layers[0]);
  }, 90_000);
});

describe('a photo that does not decode', () => {
  it.each([
    ['truncated', async () => (await fs.readFile(PHOTO)).subarray(0, 120_000)],
    ['random bytes', async () => Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) % 256))],
  ])(
    '%s: creates nothing, and the intact photo then works',
    async (what, bytes) => {
      const bad = path.join(work, `bad-${what.replace(/ /g, '-')}.png`);
      await fs.writeFile(bad, await bytes());
      const dir = path.join(work, `from-bad-${what.replace(/ /g, '-')}`);
      const r = await edit(dir, 'x', ['--image', bad]);
      oneLineError(r);
      await expect(fs.access(dir)).rejects.toThrow();
      const ok = await edit(dir, 'x', ['--image', PHOTO]);
      expect(ok.code, ok.stderr).toBe(0);
    },
    60_000,
  );
});

describe('CLI wording', () => {
  it('a bad key points to SEGMIND_API_KEY, not to Settings', async () => {
    const dir = path.join(work, 'badkey');
    await fs.cp(template, dir, { recursive: true });
    const r = await edit(dir, 'y', [], { ...envFor(fake), SEGMIND_API_KEY: 'wrong-key' });
    const line = oneLineError(r);
    expect(line).toContain('SEGMIND_API_KEY');
    expect(line).not.toContain('Settings');
  }, 60_000);

  it.each([['-1'], ['-5'], ['101']])('--output-compression %s says the real range', async (value) => {
    const r = await runCli(
      cliArgs('edit', {
        project: path.join(work, 'nope'),
        mask: 'm.png',
        prompt: 'p',
        'output-compression': value,
      }),
    );
    const line = oneLineError(r);
    expect(line).toContain('--output-compression must be a whole number from 0 to 100');
    expect(line).toContain(`"${value}"`);
  });
});

describe('a full or read-only disk (real tmpfs)', () => {
  let fsys: Tmpfs | null = null;
  let skip = '';
  beforeAll(async () => {
    const m = await mountTmpfs(8 * 1024 * 1024);
    if ('skip' in m) skip = m.skip;
    else fsys = m;
  });
  afterAll(async () => {
    await fsys?.unmount();
  });

  it('a full disk after acceptance: plain words, the edit is kept, resume collects it once', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'full');
    await fs.cp(template, dir, { recursive: true });
    const submits = fake.count('submit');
    await fsys.fill(48 * 1024);
    let r: CliRun;
    try {
      r = await edit(dir, 'second');
    } finally {
      await fsys.unfill();
    }
    const line = r.stderr.trimEnd();
    expect(line).toMatch(
      /the disk holding \S+ is full \(this needs about \d+ (KB|MB) of free space in all\); free some space there, then run/,
    );
    expect(line).not.toMatch(/ENOSPC/);
    await expectCollected(dir, r, submits);
  }, 90_000);

  it('a full disk during export: plain words, how much is needed, the project unchanged', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const out = path.join(fsys.dir, 'out.png');
    const snap = await snapshotTree(template);
    await fsys.fill(16 * 1024);
    let r: CliRun;
    try {
      r = await runCli(['export', '--project', template, '--out', out], { env: envFor(fake) });
    } finally {
      await fsys.unfill();
    }
    const line = oneLineError(r);
    expect(line).toMatch(
      /^maskroom: Writing \S+ failed: the disk holding \S+ is full \(this needs about \d+ (KB|MB) of free space in all\); free some space there or choose another --out/,
    );
    expect(await snapshotTree(template)).toEqual(snap);
  }, 60_000);

  it('a read-only project: history and export work and write nothing; edit says why in plain words', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'ro');
    await fs.cp(template, dir, { recursive: true });
    fsys.setReadOnly(true);
    try {
      const h = await historyJson(dir);
      expect(h.layers.map((l) => l.prompt)).toEqual(['first']);
      const out = path.join(work, 'ro-export.jpg');
      const ex = await runCli(['export', '--project', dir, '--out', out], { env: envFor(fake) });
      expect(ex.stderr).toBe('');
      expect(ex.code).toBe(0);
      const e = await edit(dir, 'y');
      const line = oneLineError(e);
      expect(line).toMatch(/read-only disk/);
      expect(line).not.toMatch(/EROFS|report it/);
    } finally {
      fsys.setReadOnly(false);
    }
  }, 60_000);
});
