/**
 * Edits cut off while being sent (journaled, never answered): opened with keepDropped (the app) they move to
 * dropped/ with their mask and are listed until removed; opened without it (the CLI, batches) they are
 * reported and removed as before, and so are the records the app left. A retry of a record that is cut off
 * in turn stays one record; a retry the service answered replaces it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { DROPPED_DIR, JOURNAL_DIR, ProjectStore } from '../../../../electron/core/project';
import { pick, rng } from '../../../support/prng';
import { PHOTO, fakeFiles, fakeJob, fakeLayer, tempDir } from './helpers';

const meta = { photo: PHOTO, name: 'Test', width: 40, height: 30, format: 'jpeg' as const };

async function newProject() {
  const dir = path.join(await tempDir('maskroom-dropped-'), 'p');
  return { dir, store: await ProjectStore.create(dir, meta) };
}

const names = async (dir: string) => (await fs.readdir(dir).catch(() => [] as string[])).sort();

type Kind = 'cut-off' | 'cut-off-no-mask' | 'answered' | 'committed';
const KINDS: readonly Kind[] = ['cut-off', 'cut-off-no-mask', 'answered', 'committed'];
const QUALITIES = ['low', 'medium', 'high', 'auto'] as const;

describe('dropped edits', () => {
  it('random journals: each cut-off edit with its mask is kept whole, the rest as before (20 seeds)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const { dir, store } = await newProject();
      const jobs = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => ({
        id: `j${i}`,
        kind: pick(r, KINDS),
        prompt: `prompt ${seed}.${i} ${'x'.repeat(Math.floor(r() * 40))}`,
        params: EditParams.parse({ quality: pick(r, QUALITIES) }),
        feather: Math.floor(r() * 200),
        mask: Uint8Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256)),
      }));
      for (const j of jobs) {
        await store.addJob(
          { ...fakeJob(j.id, `l${j.id}`), prompt: j.prompt, params: j.params, feather: j.feather },
          j.mask,
        );
        if (j.kind === 'answered') await store.setJobRequestId(j.id, `req-${j.id}`);
        if (j.kind === 'committed')
          await store.appendLayer(fakeLayer(j.prompt, { id: `l${j.id}` }), fakeFiles(j.id));
        if (j.kind === 'cut-off-no-mask') await fs.rm(path.join(dir, JOURNAL_DIR, `${j.id}.mask.png`));
      }
      await store.close();
      const of = (...k: Kind[]) => jobs.filter((j) => k.includes(j.kind));

      const app = await ProjectStore.open(dir, { keepDropped: true });
      const cutOff = of('cut-off');
      expect(app.report.abandonedJobs.map((e) => e.jobId)).toEqual(
        of('cut-off', 'cut-off-no-mask').map((j) => j.id),
      );
      expect(app.droppedJobs().map((d) => [d.jobId, d.prompt, d.params, d.feather, d.retriedAs])).toEqual(
        cutOff.map((j) => [j.id, j.prompt, j.params, j.feather, null]),
      );
      for (const j of cutOff)
        expect(Buffer.from(await app.readDroppedMask(j.id)).equals(Buffer.from(j.mask))).toBe(true);
      expect((await app.pendingJobs()).map((e) => e.jobId)).toEqual(of('answered').map((j) => j.id));
      expect(await names(path.join(dir, JOURNAL_DIR))).toEqual(
        of('answered').flatMap((j) => [`${j.id}.json`, `${j.id}.mask.png`]),
      );
      await app.close();

      // Kept across opens until acted on.
      const again = await ProjectStore.open(dir, { keepDropped: true });
      expect(again.droppedJobs().map((d) => d.jobId)).toEqual(cutOff.map((j) => j.id));
      expect(again.report.abandonedJobs).toEqual([]);
      await again.close();

      // The CLI (no keepDropped) is told of each once, as the journal entry it was, and they go.
      const cli = await ProjectStore.open(dir);
      expect(cli.report.abandonedJobs.map((e) => [e.jobId, e.prompt, e.params])).toEqual(
        cutOff.map((j) => [j.id, j.prompt, j.params]),
      );
      expect(cli.report.abandonedJobs.every((e) => !('droppedAt' in e))).toBe(true);
      expect(cli.droppedJobs()).toEqual([]);
      expect(await names(path.join(dir, DROPPED_DIR))).toEqual([]);
      await cli.close();
      const last = await ProjectStore.open(dir, { keepDropped: true });
      expect(last.droppedJobs()).toEqual([]);
      expect(last.report.abandonedJobs).toEqual([]);
      await last.close();
    }
  });

  it('a retry cut off in turn stays one record; one the service answered replaces it', async () => {
    const { dir, store } = await newProject();
    await store.addJob(fakeJob('ja', 'la'), new Uint8Array([7, 7]));
    await store.addJob(fakeJob('jb', 'lb'), new Uint8Array([8]));
    await store.addJob(fakeJob('jc', 'lc'), new Uint8Array([9]));
    await store.close();
    const first = await ProjectStore.open(dir, { keepDropped: true });
    expect(first.droppedJobs().map((d) => d.jobId)).toEqual(['ja', 'jb', 'jc']);
    // ja's retry is journaled and cut off; jb's retry got its request id; jc's retry never got journaled.
    await first.setDroppedRetry('ja', 'jra');
    await first.addJob(fakeJob('jra', 'lra'), new Uint8Array([7, 7]));
    await first.setDroppedRetry('jb', 'jrb');
    await first.addJob(fakeJob('jrb', 'lrb'), new Uint8Array([8]));
    await first.setJobRequestId('jrb', 'req-b');
    await first.setDroppedRetry('jc', 'jrc');
    await first.close();

    const second = await ProjectStore.open(dir, { keepDropped: true });
    expect(second.droppedJobs().map((d) => [d.jobId, d.retriedAs])).toEqual([
      ['ja', null],
      ['jc', null],
    ]);
    expect((await second.pendingJobs()).map((e) => e.jobId)).toEqual(['jrb']);
    expect(await names(path.join(dir, DROPPED_DIR))).toEqual([
      'ja.json',
      'ja.mask.png',
      'jc.json',
      'jc.mask.png',
    ]);
    await second.close();
  });

  it('opened by the CLI while a retry is journaled and cut off: told once', async () => {
    const { dir, store } = await newProject();
    await store.addJob(fakeJob('ja', 'la'), new Uint8Array([1]));
    await store.close();
    const app = await ProjectStore.open(dir, { keepDropped: true });
    await app.setDroppedRetry('ja', 'jra');
    await app.addJob(fakeJob('jra', 'lra'), new Uint8Array([1]));
    await app.close();
    const cli = await ProjectStore.open(dir);
    expect(cli.report.abandonedJobs.map((e) => e.jobId)).toEqual(['jra']);
    expect(await names(path.join(dir, DROPPED_DIR))).toEqual([]);
    expect(await names(path.join(dir, JOURNAL_DIR))).toEqual([]);
    await cli.close();
  });
});
