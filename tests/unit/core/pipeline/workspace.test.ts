import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { ProjectState } from '../../../../shared/contract';
import { EditParams } from '../../../../shared/contract';
import type { WorkspaceApi } from '../../../../electron/core/workspace-types';
import type { EditApi } from '../../../../electron/core/edit-api/types';
import { ellipseMask, fixture } from './fixtures';
import { workspaceHarness } from './workspace-harness';
import { fakeApi } from './fake-api';

const setup = (api: EditApi) => workspaceHarness(api);

/** One edit of the cat photo (chelsea.png, 451x300) inside an ellipse near its top, default parameters. */
const catEdit = async (ws: WorkspaceApi, projectId: string, prompt: string) =>
  ws.runEdit({
    projectId,
    prompt,
    params: EditParams.parse({}),
    mask: { kind: 'png', data: await ellipseMask(451, 300, 200, 100, 50, 40) },
    references: [],
    variations: 1,
  });

describe('workspace', () => {
  it('creates a project, runs variations as one group, chooses, renders and exports', async () => {
    const { api } = fakeApi({ delayMs: 20 });
    const { ws, until, progress, events } = await setup(api);
    const photo = await fixture('coffee.png');
    const created = await ws.createProject({ name: 'coffee.png', photo });
    expect(created).toMatchObject({ width: 600, height: 400, layers: [] });
    expect((await ws.listProjects()).map((p) => p.id)).toEqual([created.id]);
    const mask = { kind: 'png' as const, data: await ellipseMask(600, 400, 300, 200, 80, 50) };
    const { groupId, jobIds } = await ws.runEdit({
      projectId: created.id,
      prompt: 'latte art',
      params: EditParams.parse({}),
      mask,
      references: [],
      variations: 2,
    });
    expect(jobIds).toHaveLength(2);
    await until(() => progress().filter((p) => p.state === 'done').length === 2);
    const states = progress()
      .filter((p) => p.jobId === jobIds[0])
      .map((p) => p.state);
    expect(states[0]).toBe('preparing');
    expect(states).toContain('processing');
    expect(states.at(-1)).toBe('done');
    expect(events.some((e) => e.event === 'credits:changed')).toBe(true);
    const state = events.filter((e) => e.event === 'project:changed').at(-1)!.payload as ProjectState;
    expect(state.layers).toHaveLength(2);
    expect(state.layers.every((l) => l.groupId === groupId)).toBe(true);
    expect(state.layers.filter((l) => l.visible)).toHaveLength(1);
    expect(state.jobs).toEqual([]);
    const hidden = state.layers.find((l) => !l.visible)!;
    const chosen = await ws.chooseLayer({ projectId: created.id, layerId: hidden.id });
    expect(chosen.layers.find((l) => l.id === hidden.id)!.visible).toBe(true);
    expect(chosen.layers.filter((l) => l.visible)).toHaveLength(1);

    const preview = await ws.render({ projectId: created.id, target: { kind: 'current' }, maxSize: 300 });
    expect(preview).toMatchObject({ mime: 'image/jpeg', width: 300, height: 200 });
    const thumb = await ws.render({
      projectId: created.id,
      target: { kind: 'thumbnail', layerId: hidden.id },
    });
    expect(thumb.mime).toBe('image/webp');

    const reverted = await ws.revertTo({ projectId: created.id, layerId: null });
    expect(reverted.layers.every((l) => !l.visible)).toBe(true);
    const out = await ws.exportImage({ projectId: created.id, format: 'png' });
    expect(out.fileName).toBe('coffee-edited.png');
    const exported = await sharp(out.data).raw().toBuffer();
    const original = await sharp(photo).raw().toBuffer();
    expect(exported.equals(original)).toBe(true);
    await ws.dispose();
  });

  it('resumes a journaled edit when the project is opened', async () => {
    const failing = fakeApi({
      failAfterId: new (await import('../../../../shared/errors')).AppError(
        'offline',
        'Offline; resume later.',
      ),
    });
    const first = await setup(failing.api);
    const created = await first.ws.createProject({ name: 'cat', photo: await fixture('chelsea.png') });
    await catEdit(first.ws, created.id, 'a hat');
    await first.until(() => first.progress().some((p) => p.state === 'failed'));
    await first.ws.dispose();

    const ok = fakeApi();
    const second = await setup(ok.api);
    // Same library, new workspace (a restart).
    await second.settings.update({ libraryDir: first.settings.get().libraryDir });
    const opened = await second.ws.openProject({ projectId: created.id });
    expect(opened.layers).toHaveLength(0);
    await second.until(() => second.progress().some((p) => p.state === 'done'));
    const done = second.progress().find((p) => p.state === 'done')!;
    expect(done.requestId).toBe('req1');
    const state = second.events.filter((e) => e.event === 'project:changed').at(-1)!.payload as ProjectState;
    expect(state.layers.map((l) => l.prompt)).toEqual(['a hat']);
    await second.ws.dispose();
  });

  it('a resume on open that fails for a passing reason is a failed job WITH collect; edit:collect then finishes it once', async () => {
    const { AppError } = await import('../../../../shared/errors');
    const failing = fakeApi({ failAfterId: new AppError('offline', 'Offline; resume later.') });
    const first = await setup(failing.api);
    const created = await first.ws.createProject({ name: 'cat', photo: await fixture('chelsea.png') });
    const { jobIds } = await catEdit(first.ws, created.id, 'a hat');
    await first.until(() => first.progress().some((p) => p.state === 'failed'));
    const failedRun = first.progress().find((p) => p.state === 'failed')!;
    expect(failedRun.error?.collect).toEqual({ requestId: 'req1' });
    await first.ws.dispose();

    // Restart, still offline: the resume on open fails, and says the result can be collected.
    const second = await setup(failing.api);
    await second.settings.update({ libraryDir: first.settings.get().libraryDir });
    await second.ws.openProject({ projectId: created.id });
    await second.until(() => second.progress().some((p) => p.state === 'failed'));
    const failed = second.progress().find((p) => p.state === 'failed')!;
    expect(failed.jobId).toBe(jobIds[0]);
    expect(failed.error).toMatchObject({ code: 'offline', collect: { requestId: 'req1' } });
    expect(failed.error!.message).toContain('collect the result');
    // Back online: collect it. Exactly one layer, and no new submit.
    const ok = fakeApi();
    const third = await setup(ok.api);
    await third.settings.update({ libraryDir: first.settings.get().libraryDir });
    await second.ws.dispose();
    const opened = await third.ws.openProject({ projectId: created.id });
    expect(opened.layers).toHaveLength(0);
    await third.until(() => third.progress().some((p) => p.state === 'done'));
    await expect(third.ws.collectEdit({ projectId: created.id, jobId: jobIds[0]! })).rejects.toMatchObject({
      code: 'not-found',
    });
    const state = third.events.filter((e) => e.event === 'project:changed').at(-1)!.payload as ProjectState;
    expect(state.layers.map((l) => l.prompt)).toEqual(['a hat']);
    expect(ok.calls).toHaveLength(0);
    await third.ws.dispose();
  });

  it('edit:collect resumes a journaled job on demand, with job events', async () => {
    const { AppError } = await import('../../../../shared/errors');
    const failing = fakeApi({ failAfterId: new AppError('server-error', 'Server error; try again.') });
    const { ws, until, progress, events } = await setup(failing.api);
    const created = await ws.createProject({ name: 'cat', photo: await fixture('chelsea.png') });
    const { jobIds } = await catEdit(ws, created.id, 'a scarf');
    await until(() => progress().some((p) => p.state === 'failed'));
    // The same workspace, the service now answering: collect without reopening.
    (failing as unknown as { api: { resume: unknown } }).api.resume = fakeApi().api.resume;
    await ws.collectEdit({ projectId: created.id, jobId: jobIds[0]! });
    await until(() => progress().some((p) => p.state === 'done' && p.jobId === jobIds[0]));
    const state = events.filter((e) => e.event === 'project:changed').at(-1)!.payload as ProjectState;
    expect(state.layers.map((l) => [l.prompt, l.damaged, l.cost])).toEqual([['a scarf', null, null]]);
    expect(failing.calls).toHaveLength(1);
    await ws.dispose();
  });

  it('a photo that does not decode creates nothing in the library', async () => {
    const { ws, settings } = await setup(fakeApi().api);
    const photo = (await fixture('chelsea.png')).slice(0, 100_000);
    await expect(ws.createProject({ name: 'cut', photo })).rejects.toMatchObject({
      code: expect.any(String),
    });
    const lib = settings.get().libraryDir;
    expect(await fs.readdir(lib).catch(() => [])).toEqual([]);
    expect(await ws.listProjects()).toEqual([]);
    await ws.dispose();
  });
});
