/**
 * The app's batches (BatchService behind batch:*) against the fake service: each photo becomes a library
 * project, a photo of another shape fails alone, Retry failed never sends a finished photo again, a discarded
 * result's project leaves the library, and Cancel stops sending new photos while those sent still finish.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { batchService, mask, params, png } from './service-harness';
import { tempDir } from '../../../support/temp';

let fake: FakeSegmind;
const t = tempDir('maskroom-batch-service-');

beforeAll(async () => {
  fake = await startFakeSegmind();
});
afterAll(async () => {
  await fake.close();
  t.cleanup();
});
beforeEach(() => {
  fake.configure({ latencyMs: 0 });
  fake.submitted.length = 0;
});

function service(lib: string) {
  const { svc, until, reports } = batchService(fake, lib);
  /** Resolves with a finished report of this batch made after report number `from` (bounded: 30 s). */
  const finished = (batchId: string, from = 0) =>
    until(
      from,
      (rs) => {
        const last = rs.filter((s) => s.batchId === batchId).at(-1);
        return last?.finished && last.running === 0 ? last : undefined;
      },
      'the batch did not finish',
    );
  return { svc, finished, reports };
}

describe('BatchService', () => {
  it('edits each photo into its own library project; another shape fails alone; retry sends only it', async () => {
    const lib = path.join(t.dir, 'lib1');
    const { svc, finished, reports } = service(lib);
    const start = await svc.start({
      prompt: 'a hat',
      params,
      mask,
      concurrency: 4,
      photos: [
        { name: 'a.png', photo: await png(80, 60, 50) },
        { name: 'b.png', photo: await png(160, 120, 90) }, // same shape: the mask is scaled
        { name: 'c.png', photo: await png(50, 50, 130) }, // another shape
      ],
    });
    const end = await finished(start.batchId);
    expect(end.items.map((i) => i.status)).toEqual(['done', 'done', 'failed']);
    expect(end.items[2]!.error).toMatch(/^The current mask is 80x60 but c\.png is 50x50, another shape/);
    expect(fake.submitted.length).toBe(2);
    // Every finished photo is a project of the library (a failed one keeps its project, to be masked by hand).
    for (const i of end.items.filter((x) => x.status === 'done'))
      expect(existsSync(path.join(lib, i.projectId, 'project.json'))).toBe(true);

    const mark = reports();
    await svc.retryFailed({ batchId: start.batchId });
    const again = await finished(start.batchId, mark + 1);
    // The failed photo was tried again (a new report says so), the finished ones were not sent again.
    expect(reports()).toBeGreaterThan(mark + 1);
    expect(again.items.map((i) => i.status)).toEqual(['done', 'done', 'failed']);
    expect(fake.submitted.length).toBe(2);

    const drop = end.items[0]!;
    const kept = await svc.keep({ batchId: start.batchId, itemId: drop.itemId, keep: false });
    expect(kept.items[0]!.kept).toBe(false);
    expect(existsSync(path.join(lib, drop.projectId))).toBe(false);
    await svc.dispose();
  }, 60_000);

  it('Cancel stops sending new photos; the ones already sent finish', async () => {
    fake.configure({ latencyMs: 600 });
    const lib = path.join(t.dir, 'lib2');
    const { svc, finished } = service(lib);
    const photos = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => ({ name: `p${i}.png`, photo: await png(80, 60, 20 + i * 30) })),
    );
    const start = await svc.start({ prompt: 'a hat', params, mask, concurrency: 1, photos });
    await svc.cancel({ batchId: start.batchId });
    const end = await finished(start.batchId);
    const done = end.items.filter((i) => i.status === 'done').length;
    const cancelled = end.items.filter((i) => i.status === 'cancelled').length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done + cancelled).toBe(5);
    expect(cancelled).toBeGreaterThan(0);
    expect(fake.submitted.length).toBe(done);
    await svc.dispose();
  }, 60_000);
});
