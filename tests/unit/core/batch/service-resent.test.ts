/**
 * The app's batch against the fake service: a photo whose edit was being sent when an earlier run stopped
 * (its project holds the journal entry of the row's job, never answered) is sent again on Retry failed, and
 * its item says so (BatchItem.resent: the service may charge for it twice); a photo simply retried does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BatchState } from '../../../../shared/contract';
import { batchFile } from '../../../../electron/core/batch/journal';
import { ProjectStore } from '../../../../electron/core/project';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { tempDir } from '../../../support/temp';
import { fakeJob } from '../project/helpers';
import { batchService, mask, params, png } from './service-harness';

let fake: FakeSegmind;
const t = tempDir('maskroom-batch-resent-');
beforeAll(async () => {
  fake = await startFakeSegmind();
});
afterAll(async () => {
  await fake.close();
  t.cleanup();
});

function service(lib: string) {
  const { svc, until, reports } = batchService(fake, lib);
  /** The first report after report number `from` that `pred` accepts (bounded: 30 s). */
  const report = (from: number, pred: (s: BatchState) => boolean) =>
    until(from, (rs) => rs.find(pred), 'no such batch report within 30 s');
  const finished = (from: number) => report(from, (s) => s.finished && s.running === 0);
  return { svc, finished, report, reports };
}

describe('BatchService: a photo sent again after a cut-off send', () => {
  it('is marked as sent again (maybe charged twice); a photo simply retried is not', async () => {
    const lib = path.join(t.dir, 'lib');
    const { svc, finished, report, reports } = service(lib);
    // Both photos are refused once by the service (nothing accepted, nothing charged).
    fake.queueFaults(
      { name: '422', endpoint: 'submit', reason: 'try later' },
      { name: '422', endpoint: 'submit', reason: 'try later' },
    );
    const start = await svc.start({
      prompt: 'a hat',
      params,
      mask,
      concurrency: 1,
      photos: [
        { name: 'a.png', photo: await png(80, 60, 50) },
        { name: 'b.png', photo: await png(80, 60, 90) },
      ],
    });
    const first = await finished(0);
    expect(first.items.map((i) => [i.status, i.resent ?? false])).toEqual([
      ['failed', false],
      ['failed', false],
    ]);
    expect(fake.submitted).toHaveLength(0);

    // a.png's edit as a run killed while sending it leaves it: journaled, never answered.
    const journal = JSON.parse(
      await fs.readFile(batchFile(path.join(lib, '.batches', start.batchId)), 'utf8'),
    );
    const row = journal.rows.find((r: { name: string }) => r.name === 'a.png');
    const store = await ProjectStore.open(row.project);
    await store.addJob(fakeJob(row.jobId, row.layerId), await png(80, 60, 255));
    await store.close();

    const mark = reports();
    await svc.retryFailed({ batchId: start.batchId });
    // Retry failed answers at once with both still failed: wait for the run that follows to finish them.
    const again = await report(mark, (s) => s.finished && s.items.every((i) => i.status === 'done'));
    expect(again.items.map((i) => [i.name, i.status, i.resent ?? false])).toEqual([
      ['a.png', 'done', true],
      ['b.png', 'done', false],
    ]);
    expect(fake.submitted).toHaveLength(2);
    await svc.dispose();
  }, 60_000);
});
