/**
 * An edit cut off while being sent, run again, whose new job the service answered (its result is saved in
 * the journal) but which failed afterwards: that job is now the edit, collectable from the journal, so the
 * interrupted edit's notice must not come back offering to pay for it a third time. A service that never
 * names a request id (the v1 endpoint answers with the image itself) is where this shows: nothing but the
 * saved result tells that the service took the edit.
 */
import { describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EditParams } from '../../../../shared/contract';
import type { EditApi, EditResult } from '../../../../electron/core/edit-api/types';
import { DROPPED_DIR, JOURNAL_DIR, ProjectStore } from '../../../../electron/core/project';
import { fakeJob } from '../project/helpers';
import { ellipseMask } from './fixtures';
import { cutOffProject, lastProjectState, workspaceHarness } from './workspace-harness';

/**
 * A service that answers every edit (counted in `sent`) with `answer(i)`'s bytes as the result and no request
 * id, as the v1 endpoint does.
 */
function answeringApi(
  answer: (i: number, size: string) => Uint8Array | Promise<Uint8Array>,
): EditApi & { sent: number } {
  const api = {
    sent: 0,
    async edit(input: Parameters<EditApi['edit']>[0]): Promise<EditResult> {
      const i = api.sent++;
      return Promise.resolve({
        image: await answer(i, input.params.size),
        mime: 'image/png',
        requestId: null,
        creditsLeft: null,
        timings: {},
      });
    },
    resume(): Promise<EditResult> {
      return Promise.reject(new Error('not used'));
    },
  };
  return api;
}

/**
 * A library with one project (chelsea.png) whose journal holds an edit `jobId` cut off while being sent,
 * as a killed app leaves it; the harness that made it is closed.
 */
async function projectWithCutEdit(api: EditApi, jobId: string) {
  const entry = {
    ...fakeJob(jobId, `l-${jobId}`),
    params: EditParams.parse({}),
    prompt: 'a hat',
    feather: 4,
  };
  const { lib, dir, projectId } = await cutOffProject(
    api,
    entry,
    await ellipseMask(451, 300, 220, 120, 70, 50),
  );
  return { created: { id: projectId }, lib, dir };
}

describe('an interrupted edit run again', () => {
  it('is not offered again once the service answered its new job, even if that job then fails', async () => {
    // Bytes no decoder reads: the result is saved (paid for), then compositing it fails.
    const api = answeringApi(() => new Uint8Array(64).fill(7));
    const { created, lib, dir } = await projectWithCutEdit(api, 'jcut');

    const again = await workspaceHarness(api);
    await again.settings.update({ libraryDir: lib });
    const opened = await again.ws.openProject({ projectId: created.id });
    expect(opened.droppedEdits?.map((d) => d.jobId)).toEqual(['jcut']);
    const { jobIds } = await again.ws.retryDropped({ projectId: created.id, jobId: 'jcut' });
    await again.until(() => again.progress().some((p) => p.jobId === jobIds[0] && p.state === 'failed'));
    expect(api.sent).toBe(1);
    // The new job's answer is kept for collecting ...
    const journal = await fs.readdir(path.join(dir, JOURNAL_DIR));
    expect(journal.some((n) => n.startsWith(`${jobIds[0]}.result`))).toBe(true);
    // ... so the interrupted edit is that job now: no notice, no record, and running it again is refused.
    expect(lastProjectState(again)?.droppedEdits).toBeUndefined();
    expect(await fs.readdir(path.join(dir, DROPPED_DIR))).toEqual([]);
    await expect(again.ws.retryDropped({ projectId: created.id, jobId: 'jcut' })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(api.sent).toBe(1);
    await again.ws.dispose();
  });

  it('forgets the interrupted edit once the result of its new job is saved, before that layer is committed', async () => {
    // A real image of the requested size: the new job composites and commits.
    const api = answeringApi(async (_i, size) => {
      const [w, h] = size.split('x').map(Number) as [number, number];
      return new Uint8Array(
        await sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 40, b: 40 } } })
          .png()
          .toBuffer(),
      );
    });
    const { created, lib, dir } = await projectWithCutEdit(api, 'jgap');

    // At the commit of the new layer (a crash right after it would leave both), is the record already gone?
    const goneAtCommit: boolean[] = [];
    const append = ProjectStore.prototype.appendLayer;
    const spy = vi.spyOn(ProjectStore.prototype, 'appendLayer').mockImplementation(async function (
      this: ProjectStore,
      ...args: Parameters<ProjectStore['appendLayer']>
    ) {
      let gone = false;
      for (let i = 0; i < 250 && !gone; i++) {
        gone = (await fs.readdir(path.join(dir, DROPPED_DIR)).catch(() => [])).length === 0;
        if (!gone) await new Promise((r) => setTimeout(r, 20));
      }
      goneAtCommit.push(gone);
      return append.apply(this, args);
    });
    try {
      const again = await workspaceHarness(api);
      await again.settings.update({ libraryDir: lib });
      await again.ws.openProject({ projectId: created.id });
      const { jobIds } = await again.ws.retryDropped({ projectId: created.id, jobId: 'jgap' });
      await again.until(() => again.progress().some((p) => p.jobId === jobIds[0] && p.state === 'done'));
      expect(goneAtCommit).toEqual([true]);
      expect(api.sent).toBe(1);
      expect(lastProjectState(again)?.droppedEdits).toBeUndefined();
      await again.ws.dispose();
    } finally {
      spy.mockRestore();
    }
  });
});
