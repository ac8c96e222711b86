/**
 * An edit cut off while being sent (journaled, the app killed before the service answered) against the fake
 * service: opening the project tells it (ProjectState.droppedEdits, with its prompt and parameters) and keeps
 * it across opens until acted on; 'edit:retryDropped' sends the very request a fresh edit with the same
 * prompt, parameters and mask sends; a retry the service refuses brings the notice back; dismissing forgets it.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EditParams } from '../../../../shared/contract';
import { DROPPED_DIR, JOURNAL_DIR } from '../../../../electron/core/project';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { fakeJob } from '../project/helpers';
import { ellipseMask, fixture } from './fixtures';
import { cutOffProject, lastProjectState, restartOn, workspaceFake } from './workspace-harness';

let fake: FakeSegmind;
const api = workspaceFake((f) => (fake = f));

/** Not the defaults, so a retry that sent the defaults instead would be seen. */
const PARAMS = EditParams.parse({ quality: 'high', background: 'opaque', outputFormat: 'webp' });
const PROMPT = 'a red scarf around the neck';
/** The cat photo is 451x300; the mask an ellipse around its head. */
const maskPng = () => ellipseMask(451, 300, 220, 120, 70, 50);

const restart = (lib: string) => restartOn(lib, api());

/** A project whose edit was journaled and never answered (a killed app): its library, id and the job's id. */
async function cutOffEdit(): Promise<{ lib: string; projectId: string; jobId: string }> {
  const entry = { ...fakeJob('jcut', 'lcut'), prompt: PROMPT, params: PARAMS, feather: 6, colorMatch: false };
  const { lib, projectId } = await cutOffProject(api(), entry, await maskPng());
  return { lib, projectId, jobId: 'jcut' };
}

describe('an edit cut off while being sent', () => {
  it('is told on open with its prompt and parameters, and kept until acted on', async () => {
    const { lib, projectId, jobId } = await cutOffEdit();
    const h = await restart(lib);
    const opened = await h.ws.openProject({ projectId });
    expect(opened.droppedEdits).toEqual([
      {
        jobId,
        prompt: PROMPT,
        params: PARAMS,
        feather: 6,
        references: 0,
        referencesKept: true,
        createdAt: expect.any(String),
      },
    ]);
    // Nothing was resumed or sent: there is nothing to collect.
    expect(opened.jobs).toEqual([]);
    expect(fake.submitted).toHaveLength(0);
    // Out of the journal, kept in dropped/ with its mask.
    const dir = path.join(lib, projectId);
    expect(await fs.readdir(path.join(dir, JOURNAL_DIR))).toEqual([]);
    expect((await fs.readdir(path.join(dir, DROPPED_DIR))).sort()).toEqual([
      `${jobId}.json`,
      `${jobId}.mask.png`,
    ]);
    await h.ws.dispose();
    // Opened again later (no action taken): still told.
    const again = await restart(lib);
    expect((await again.ws.openProject({ projectId })).droppedEdits?.map((d) => d.prompt)).toEqual([PROMPT]);
    await again.ws.dispose();
  });

  it('runs again with the same request a fresh edit with its prompt, parameters and mask sends', async () => {
    const { lib, projectId, jobId } = await cutOffEdit();
    const h = await restart(lib);
    await h.ws.openProject({ projectId });
    // Clicked twice in a row: one job, one paid edit.
    const [{ jobIds }, twice] = await Promise.all([
      h.ws.retryDropped({ projectId, jobId }),
      h.ws.retryDropped({ projectId, jobId }),
    ]);
    expect(twice.jobIds).toEqual(jobIds);
    expect(jobIds).toHaveLength(1);
    expect(jobIds[0]).not.toBe(jobId);
    // While it runs the notice is not shown (its job row is).
    expect(lastProjectState(h)?.droppedEdits).toBeUndefined();
    await h.until(() => h.progress().some((p) => p.jobId === jobIds[0] && p.state === 'done'));
    const state = lastProjectState(h)!;
    expect(state.layers.map((l) => [l.prompt, l.params, l.feather])).toEqual([[PROMPT, PARAMS, 6]]);
    expect(state.droppedEdits).toBeUndefined();
    expect(await fs.readdir(path.join(lib, projectId, DROPPED_DIR))).toEqual([]);
    expect(fake.submitted).toHaveLength(1);
    const retried = fake.submitted[0]!.body;

    // The same edit made fresh on another project of the same photo: the service gets the same body
    // (prompt, parameters, and the same uploaded image and mask).
    const fresh = await h.ws.createProject({ name: 'cat.png', photo: await fixture('chelsea.png') });
    await h.ws.runEdit({
      projectId: fresh.id,
      prompt: PROMPT,
      params: PARAMS,
      feather: 6,
      mask: { kind: 'png', data: await maskPng() },
      references: [],
      variations: 1,
    });
    await h.until(() => fake.submitted.length === 2);
    expect(retried).toEqual(fake.submitted[1]!.body);
    await h.until(() => h.progress().filter((p) => p.state === 'done').length === 2);
    await h.ws.dispose();

    // Nothing is told on the next open.
    const again = await restart(lib);
    expect((await again.ws.openProject({ projectId })).droppedEdits).toBeUndefined();
    await again.ws.dispose();
  });

  it('comes back when its retry fails before the service answers, and can then be run again', async () => {
    const { lib, projectId, jobId } = await cutOffEdit();
    const h = await restart(lib);
    await h.ws.openProject({ projectId });
    fake.setFault({ name: '422', endpoint: 'submit', times: 1, reason: 'prompt refused' });
    const first = await h.ws.retryDropped({ projectId, jobId });
    await h.until(() => h.progress().some((p) => p.jobId === first.jobIds[0] && p.state === 'failed'));
    expect(lastProjectState(h)?.droppedEdits?.map((d) => d.jobId)).toEqual([jobId]);
    const second = await h.ws.retryDropped({ projectId, jobId });
    await h.until(() => h.progress().some((p) => p.jobId === second.jobIds[0] && p.state === 'done'));
    expect(lastProjectState(h)?.layers.map((l) => l.prompt)).toEqual([PROMPT]);
    expect(lastProjectState(h)?.droppedEdits).toBeUndefined();
    await h.ws.dispose();
  });

  it('is forgotten once dismissed: no notice, no files, nothing sent', async () => {
    const { lib, projectId, jobId } = await cutOffEdit();
    const h = await restart(lib);
    await h.ws.openProject({ projectId });
    const state = await h.ws.dismissDropped({ projectId, jobId });
    expect(state.droppedEdits).toBeUndefined();
    expect(await fs.readdir(path.join(lib, projectId, DROPPED_DIR))).toEqual([]);
    await expect(h.ws.retryDropped({ projectId, jobId })).rejects.toMatchObject({ code: 'not-found' });
    await h.ws.dispose();
    const again = await restart(lib);
    expect((await again.ws.openProject({ projectId })).droppedEdits).toBeUndefined();
    await again.ws.dispose();
    expect(fake.submitted).toHaveLength(0);
  });
});
