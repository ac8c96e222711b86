/**
 * The workspace's 'task:progress' events for long work: an export of a project with several layers goes
 * read -> flatten (layer by layer) -> encode -> write -> done, in order, with its steps only going forward;
 * a failing one ends with 'failed'; opening a deep project reports applying its layers as the 'open' task.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { ExportFormat } from '../../../../shared/contract';
import {
  EditParams,
  TaskProgress,
  type EventName,
  type JobStatus,
  type ProjectState,
} from '../../../../shared/contract';
import { SettingsService, JsonFilePrefsStore, MemorySecretStore } from '../../../../electron/core/settings';
import { createWorkspace } from '../../../../electron/core/workspace';
import { ellipseMask, fixture } from './fixtures';
import { fakeApi } from './fake-api';

/**
 * A workspace on a fresh library whose clock moves a second per reading, so no progress event is held back
 * by the throttle (task-progress.test.ts tests the throttle itself).
 */
async function setup() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-task-'));
  const settings = new SettingsService(
    new JsonFilePrefsStore(path.join(root, 'prefs.json')),
    new MemorySecretStore('k'),
    { MASKROOM_LIBRARY: path.join(root, 'lib') },
  );
  const events: Array<{ event: EventName; payload: unknown }> = [];
  let clock = 0;
  const ws = createWorkspace({
    settings,
    events: { emit: (event, payload) => void events.push({ event, payload }) },
    editApiFactory: () => fakeApi({ delayMs: 1 }).api,
    now: () => (clock += 1000),
  });
  const tasks = () =>
    events.filter((e) => e.event === 'task:progress').map((e) => TaskProgress.parse(e.payload));
  const jobs = () => events.filter((e) => e.event === 'job:progress').map((e) => e.payload as JobStatus);
  return { root, ws, events, tasks, jobs };
}

/** A project of the cat photo (451x300) with `n` layers, each an edit inside its own ellipse. */
async function deepProject(h: Awaited<ReturnType<typeof setup>>, n: number): Promise<ProjectState> {
  const project = await h.ws.createProject({ name: 'cat.png', photo: await fixture('chelsea.png') });
  for (let i = 0; i < n; i++) {
    const cx = 60 + ((i * 37) % 330);
    const cy = 50 + ((i * 23) % 200);
    await h.ws.runEdit({
      projectId: project.id,
      prompt: `edit ${i}`,
      params: EditParams.parse({ quality: 'low' }),
      mask: { kind: 'png', data: await ellipseMask(451, 300, cx, cy, 40, 30) },
      references: [],
      variations: 1,
    });
    const deadline = Date.now() + 20_000;
    while (h.jobs().filter((j) => j.state === 'done').length < i + 1) {
      if (h.jobs().some((j) => j.state === 'failed')) throw new Error('an edit failed');
      if (Date.now() > deadline) throw new Error('timed out waiting for an edit');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return (await h.ws.openProject({ projectId: project.id })) as ProjectState;
}

/** The rules every task's events keep: one task, steps forward, one last event at the end. */
function checkTask(events: TaskProgress[]): void {
  expect(events.length).toBeGreaterThan(1);
  const [first] = events;
  for (const e of events) {
    expect(e.taskId).toBe(first!.taskId);
    expect(e.projectId).toBe(first!.projectId);
    expect(e.task).toBe(first!.task);
    expect(e.done).toBeLessThanOrEqual(e.total);
    expect(e.label.length).toBeGreaterThan(0);
  }
  for (let i = 1; i < events.length; i++) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
  expect(events.slice(0, -1).every((e) => e.status === 'running')).toBe(true);
  expect(events.at(-1)!.status).not.toBe('running');
}

const stageOrder = ['read', 'flatten', 'encode', 'write'];

/** The stages in the order they came, each once. */
function stagesOf(events: TaskProgress[]): string[] {
  return events.map((e) => e.stage).filter((s, i, a) => i === 0 || a[i - 1] !== s);
}

describe('task progress', () => {
  it('an export of a project with several layers reports read, each batch of layers applied, encode and write, in order, then done', async () => {
    const h = await setup();
    const project = await deepProject(h, 13);
    // Without the flattened image the session wrote to cache/current.bin while the stack grew (it holds
    // the first 8 layers, a prefix of every stack exported below).
    await h.ws.closeProject({ projectId: project.id });
    await fs.rm(path.join(h.root, 'lib', project.id, 'cache', 'current.bin'), { force: true });
    await h.ws.openProject({ projectId: project.id });
    const formats: ExportFormat[] = ['psd', 'png', 'jpeg', 'tiff'];
    // Each export starts from a session holding no flattened image of its stack (it holds the stack below
    // the last edit): "the image after layer k" for a shorter stack each time, applied from the original.
    for (const [i, format] of formats.entries()) {
      const upTo = project.layers[project.layers.length - 3 - i]!;
      const layers = project.layers.length - 2 - i;
      const before = h.tasks().length;
      const out = await h.ws.exportImage({ projectId: project.id, format, layerId: upTo.id });
      const mine = h.tasks().slice(before);
      checkTask(mine);
      expect(mine.every((e) => e.task === 'export' && e.projectId === project.id)).toBe(true);
      expect(stagesOf(mine), format).toEqual(stageOrder);
      const last = mine.at(-1)!;
      expect(last).toMatchObject({ status: 'done', total: layers + 22, done: layers + 22 });
      // Layer by layer: the flatten reports its batches, ending with every layer of the stack applied.
      const flatten = mine.filter((e) => e.stage === 'flatten');
      expect(flatten.length).toBeGreaterThanOrEqual(2);
      expect(flatten[0]!.label).toBe(`Applying the layers: 0 of ${layers}`);
      const applied = mine.find((e) => e.label === `Applying the layers: 8 of ${layers}`);
      expect(applied?.done).toBe(1 + 8);
      const write = mine.find((e) => e.stage === 'write')!;
      expect(write.label).toBe(`Writing ${out.fileName}`);
      expect(write.done).toBe(1 + layers + 20);
      // The encode starts where the flatten ended and moves with the encoder's own progress.
      const encode = mine.filter((e) => e.stage === 'encode');
      expect(encode[0]!.done).toBe(1 + layers);
      expect(encode.every((e) => e.done <= 1 + layers + 20)).toBe(true);
      // The file itself is whole: the photo's size (a PSD starts with its signature).
      if (format === 'psd') expect(Buffer.from(out.data.subarray(0, 4)).toString()).toBe('8BPS');
      else expect((await sharp(out.data).metadata()).width).toBe(451);
    }
    await h.ws.dispose();
    await fs.rm(h.root, { recursive: true, force: true });
  }, 60_000);

  it('an export that fails (a layer file went missing) ends with a failed event', async () => {
    const h = await setup();
    const project = await deepProject(h, 3);
    const victim = project.layers[1]!;
    const dir = path.join(h.root, 'lib', project.id, 'layers');
    const files = (await fs.readdir(dir)).filter((f) => f.startsWith(victim.id) && f.includes('.patch.'));
    expect(files).toHaveLength(1);
    await fs.rm(path.join(dir, files[0]!));
    const before = h.tasks().length;
    // The image after layer 3 is not held by the session: its flatten reads layer 2's patch again.
    const hide = await h.ws.setLayerVisible({
      projectId: project.id,
      layerId: project.layers[0]!.id,
      visible: false,
    });
    expect(hide.layers[0]!.visible).toBe(false);
    await expect(h.ws.exportImage({ projectId: project.id, format: 'png' })).rejects.toMatchObject({
      code: 'damaged-layer',
    });
    const mine = h.tasks().slice(before);
    checkTask(mine);
    expect(mine.at(-1)).toMatchObject({ status: 'failed', task: 'export' });
    await h.ws.dispose();
    await fs.rm(h.root, { recursive: true, force: true });
  }, 60_000);

  it('the first image of a reopened deep project reports applying its layers as the open task; a preview from cache reports nothing', async () => {
    const h = await setup();
    const project = await deepProject(h, 5);
    await h.ws.closeProject({ projectId: project.id });
    await h.ws.openProject({ projectId: project.id });
    const before = h.tasks().length;
    await h.ws.render({ projectId: project.id, target: { kind: 'current' }, maxSize: 200 });
    const mine = h.tasks().slice(before);
    checkTask(mine);
    expect(mine.every((e) => e.task === 'open')).toBe(true);
    expect(mine[0]).toMatchObject({ stage: 'flatten', done: 0, label: 'Applying the layers: 0 of 5' });
    expect(mine.at(-1)).toMatchObject({ status: 'done', done: 6, total: 6 });
    // The same preview again comes from cache/: no task is shown for it.
    const again = h.tasks().length;
    await h.ws.render({ projectId: project.id, target: { kind: 'current' }, maxSize: 200 });
    expect(h.tasks().length).toBe(again);
    // Later renders that apply layers are 'render' tasks.
    await h.ws.render({ projectId: project.id, target: { kind: 'layer', layerId: project.layers[2]!.id } });
    const later = h.tasks().slice(again);
    checkTask(later);
    expect(later.every((e) => e.task === 'render')).toBe(true);
    await h.ws.dispose();
    await fs.rm(h.root, { recursive: true, force: true });
  }, 60_000);
});
