/**
 * `maskroom batch` in a child process against the fake service: a kill -9 in the middle and a resume give
 * every result with exactly one submit per photo; a 429 storm is absorbed by the shared limiter; one broken
 * photo fails alone with one summary line; --masks pairs FOLDER/<photo name>.png with each photo.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { envFor, runCli, tempDir, writeEllipseMask, cliArgs } from './helpers';

let fake: FakeSegmind;
let work: string;

interface Row {
  image: string;
  out: string | null;
  status: string;
  requestId: string | null;
  cost: number | null;
  error: string | null;
}
interface Out {
  done: number;
  failed: number;
  rows: Row[];
}

/** n distinct small photos (w x h) in a new folder; returns the folder. */
async function photos(n: number, w = 160, h = 120, ext: 'png' | 'jpg' = 'png'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(work, 'photos-'));
  for (let i = 0; i < n; i++) {
    const img = sharp({
      create: { width: w, height: h, channels: 3, background: { r: 20 * i, g: 120, b: 200 - 10 * i } },
    });
    await (ext === 'png' ? img.png() : img.jpeg()).toFile(path.join(dir, `shot-${i}.${ext}`));
  }
  return dir;
}

async function layersOf(
  project: string,
): Promise<Array<{ rect: { x: number; y: number; width: number; height: number } }>> {
  const h = await runCli(['history', '--project', project, '--json'], { env: envFor(fake) });
  expect(h.code, h.stderr).toBe(0);
  return (
    JSON.parse(h.stdout) as {
      layers: Array<{ rect: { x: number; y: number; width: number; height: number } }>;
    }
  ).layers;
}

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 0 });
  work = await tempDir('maskroom-batch-');
  await writeEllipseMask(path.join(work, 'mask.png'), 160, 120, 80, 60, 30, 20);
});

afterAll(async () => {
  await fake?.close();
  await fs.rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  fake.setFault(null);
  fake.clearLog();
  fake.configure({ latencyMs: 0 });
  fake.submitted.length = 0;
});

/** `maskroom batch` of the photos in `images` into `out`: mask.png for all, prompt "a hat", low quality. */
const hatBatch = (out: string, images: string, flags: Parameters<typeof cliArgs>[1] = {}) =>
  cliArgs('batch', {
    out,
    images,
    mask: path.join(work, 'mask.png'),
    prompt: 'a hat',
    quality: 'low',
    ...flags,
  });

describe('maskroom batch', () => {
  it('after a kill -9 mid-batch, --resume gives every result with exactly one submit per photo', async () => {
    const images = await photos(6);
    const out = path.join(work, 'out-kill');
    // A model wait no run outlasts: a worker whose photo is accepted stays waiting on it, never finishes it
    // and sends a fourth, however long the other two take to be accepted on a slow machine.
    fake.configure({ latencyMs: 600_000 });
    let accepted = 0;
    // Killed once all three workers are accepted and waiting on the service: no submit is in flight then, so
    // every photo sent was accepted and journaled. A kill during a submit is the next test.
    const first = await runCli(hatBatch(out, images, { concurrency: '3' }), {
      env: envFor(fake),
      onStderrLine: (line, kill) => {
        if (/ accepted /.test(line) && ++accepted === 3) kill();
      },
    });
    expect(first.signal).toBe('SIGKILL');
    expect(fake.submitted.length).toBe(3);
    const idsBefore = new Set(fake.submitted.map((s) => s.requestId));

    fake.configure({ latencyMs: 100 });
    const r = await runCli(['batch', '--resume', '--out', out, '--json'], { env: envFor(fake) });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Out;
    expect(json.done).toBe(6);
    // One submit per photo over both runs; the edits accepted before the kill were collected, not sent again.
    expect(fake.submitted.length).toBe(6);
    const ids = json.rows.map((x) => x.requestId);
    expect(new Set(ids).size).toBe(6);
    for (const id of idsBefore) expect(ids).toContain(id);
    expect(new Set(fake.submitted.map((s) => s.requestId))).toEqual(new Set(ids));
    for (const row of json.rows) {
      expect(row.status).toBe('done');
      const meta = await sharp(row.out!).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([160, 120, 'png']);
      expect(row.cost).toBe(0.24);
      expect(await layersOf(path.join(out, '.maskroom', path.basename(row.image)))).toHaveLength(1);
    }
    // Running it again sends nothing more.
    const again = await runCli(['batch', '--resume', '--out', out, '--json'], { env: envFor(fake) });
    expect(again.code, again.stderr).toBe(0);
    expect(fake.submitted.length).toBe(6);
  }, 180_000); // nine CLI runs: ~6 s alone, ~50 s on a loaded 2-core machine

  it('a photo killed while its submit was in flight is sent again on resume, and the resume says it may be charged twice', async () => {
    const images = await photos(2);
    const out = path.join(work, 'out-mid-send');
    // The first submit reaches the service and is never answered.
    fake.queueFaults({ name: 'hang', endpoint: 'submit' });
    let kill: (() => void) | null = null;
    const hanging = () => fake.requests.some((q) => q.endpoint === 'submit' && q.fault === 'hang');
    const run = runCli(hatBatch(out, images, { concurrency: '1' }), {
      env: envFor(fake),
      onStderrLine: (_line, k) => (kill ??= k),
    });
    // A generous bound (30 s): a loaded machine may take seconds to start the CLI and reach the submit.
    for (let i = 0; i < 600 && !(kill && hanging()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(hanging()).toBe(true);
    kill!();
    const first = await run;
    expect(first.signal).toBe('SIGKILL');
    expect(fake.submitted).toHaveLength(0);

    const r = await runCli(['batch', '--resume', '--out', out, '--json'], { env: envFor(fake) });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Out;
    expect(json.done).toBe(2);
    expect(fake.submitted).toHaveLength(2);
    const resent = r.stderr.split('\n').filter((l) => / resending /.test(l));
    expect(resent).toHaveLength(1);
    expect(resent[0]).toMatch(
      /resending shot-\d\.png: it was being sent when the last run stopped, so the service may charge for it twice/,
    );
  }, 60_000);

  it('absorbs a 429 storm: every photo done, one accepted submit each', async () => {
    const images = await photos(6);
    const out = path.join(work, 'out-429');
    // More 429s than one client's own retries could take (4 attempts each, 3 workers).
    fake.queueFaults(
      ...Array.from({ length: 20 }, () => ({
        name: '429-then-ok' as const,
        endpoint: 'submit' as const,
        retryAfter: '0.2',
      })),
    );
    const r = await runCli(hatBatch(out, images, { concurrency: '3', json: true }), {
      env: envFor(fake),
      timeoutMs: 80_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Out).done).toBe(6);
    const submits = fake.requests.filter((q) => q.endpoint === 'submit');
    expect(submits.filter((q) => q.status === 429)).toHaveLength(20);
    expect(submits.filter((q) => q.status === 200)).toHaveLength(6);
    expect(fake.submitted.length).toBe(6);
  }, 90_000);

  it('one broken photo fails alone, with one summary line; --resume retries only it', async () => {
    const images = await photos(3, 160, 120, 'jpg');
    const good = await fs.readFile(path.join(images, 'shot-1.jpg'));
    await fs.writeFile(path.join(images, 'shot-1.jpg'), good.subarray(0, 200));
    const out = path.join(work, 'out-bad');
    const r = await runCli(hatBatch(out, images, { json: true }), { env: envFor(fake) });
    expect(r.code).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('maskroom:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^maskroom: 1 of 3 photos failed \(shot-1\.jpg: .+\); .*maskroom batch --resume --out /,
    );
    const json = JSON.parse(r.stdout) as Out;
    expect(json.rows.map((x) => x.status)).toEqual(['done', 'failed', 'done']);
    expect(json.rows[1]!.error).toBeTruthy();
    expect(fake.submitted.length).toBe(2);
    for (const i of [0, 2])
      expect((await sharp(path.join(out, `shot-${i}.jpg`)).metadata()).format).toBe('jpeg');

    await fs.writeFile(path.join(images, 'shot-1.jpg'), good);
    const again = await runCli(['batch', '--resume', '--out', out, '--json'], { env: envFor(fake) });
    expect(again.code, again.stderr).toBe(0);
    expect(fake.submitted.length).toBe(3);
  }, 90_000);

  it('--masks pairs FOLDER/<photo name>.png with each photo; a photo without one fails alone', async () => {
    const images = await fs.mkdtemp(path.join(work, 'paired-'));
    const masks = await fs.mkdtemp(path.join(work, 'masks-'));
    // Two sizes, each with its mask on another side of the frame.
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
      .png()
      .toFile(path.join(images, 'left.png'));
    await sharp({ create: { width: 120, height: 160, channels: 3, background: '#996633' } })
      .png()
      .toFile(path.join(images, 'bottom.png'));
    await sharp({ create: { width: 100, height: 100, channels: 3, background: '#999999' } })
      .png()
      .toFile(path.join(images, 'lonely.png'));
    await writeEllipseMask(path.join(masks, 'left.png'), 200, 100, 30, 50, 15, 15);
    await writeEllipseMask(path.join(masks, 'bottom.png'), 120, 160, 60, 140, 15, 12);
    const out = path.join(work, 'out-masks');
    const r = await runCli(
      cliArgs('batch', {
        out,
        images,
        masks,
        prompt: 'a hat',
        quality: 'low',
        json: true,
      }),
      { env: envFor(fake) },
    );
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as Out;
    const byName = Object.fromEntries(json.rows.map((x) => [path.basename(x.image), x]));
    expect(byName['left.png']!.status).toBe('done');
    expect(byName['bottom.png']!.status).toBe('done');
    expect(byName['lonely.png']!.status).toBe('failed');
    expect(byName['lonely.png']!.error).toContain('lonely.png');
    const centre = (l: { rect: { x: number; y: number; width: number; height: number } }) => [
      l.rect.x + l.rect.width / 2,
      l.rect.y + l.rect.height / 2,
    ];
    const [lx, ly] = centre((await layersOf(path.join(out, '.maskroom', 'left.png')))[0]!);
    expect(lx).toBeLessThan(100);
    expect(Math.abs(ly! - 50)).toBeLessThan(25);
    const [, by] = centre((await layersOf(path.join(out, '.maskroom', 'bottom.png')))[0]!);
    expect(by).toBeGreaterThan(100);
    expect(fake.submitted.length).toBe(2);
  }, 90_000);

  it("takes --image PHOTO ... as a list (a shell glob); results in each photo's own format", async () => {
    const pngs = await photos(2);
    const jpgs = await photos(1, 160, 120, 'jpg');
    const twin = await photos(1);
    const out = path.join(work, 'out-list');
    const args = (...images: string[]) => [
      'batch',
      '--out',
      out,
      '--image',
      ...images,
      '--mask',
      path.join(work, 'mask.png'),
      '--prompt',
      'a hat',
      '--quality',
      'low',
      '--json',
    ];
    // Two photos of one name from two folders: refused before anything is sent.
    const dup = await runCli(args(path.join(pngs, 'shot-0.png'), path.join(twin, 'shot-0.png')), {
      env: envFor(fake),
    });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^maskroom: Two photos are named shot-0\.png/);
    expect(fake.submitted.length).toBe(0);
    const ok = await runCli(
      args(path.join(pngs, 'shot-0.png'), path.join(pngs, 'shot-1.png'), path.join(jpgs, 'shot-0.jpg')),
      { env: envFor(fake) },
    );
    expect(ok.code, ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout) as Out;
    expect(json.rows.map((x) => path.basename(x.out!))).toEqual(['shot-0.png', 'shot-1.png', 'shot-0.jpg']);
    expect((await sharp(path.join(out, 'shot-0.jpg')).metadata()).format).toBe('jpeg');
    expect((await sharp(path.join(out, 'shot-1.png')).metadata()).format).toBe('png');
    expect(fake.submitted.length).toBe(3);
  }, 60_000);

  it('refuses a second batch with another prompt in the same --out, and --resume without a batch', async () => {
    const images = await photos(1);
    const out = path.join(work, 'out-refuse');
    const a = await runCli(hatBatch(out, images), { env: envFor(fake) });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(
      cliArgs('batch', { out, images, mask: path.join(work, 'mask.png'), prompt: 'a scarf' }),
      { env: envFor(fake) },
    );
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^maskroom: .*another prompt.*--resume --out/);
    const c = await runCli(['batch', '--resume', '--out', path.join(work, 'nothing-here')], {
      env: envFor(fake),
    });
    expect(c.code).toBe(1);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
    expect(fake.submitted.length).toBe(1);
  }, 60_000);
});
