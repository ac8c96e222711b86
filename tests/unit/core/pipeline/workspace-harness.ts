/**
 * A workspace over a fresh temporary library and a given edit service, recording the events it emits:
 * `until(pred)` waits (at most 20 s) for the events to satisfy pred, `progress()` lists the job statuses.
 * The library is in `root` (a fresh temporary folder unless given).
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EditParams, type EventName, type JobStatus, type ProjectState } from '../../../../shared/contract';
import { SettingsService, JsonFilePrefsStore, MemorySecretStore } from '../../../../electron/core/settings';
import { createWorkspace } from '../../../../electron/core/workspace';
import { createEditApi } from '../../../../electron/core/edit-api';
import type { EditApi } from '../../../../electron/core/edit-api/types';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { fakeServiceConfig, useFakeSegmind } from '../../../support/fake-service';
import { ProjectStore, type NewJournalEntry } from '../../../../electron/core/project';
import { fixture } from './fixtures';

export async function workspaceHarness(api: EditApi, o: { prefix?: string; root?: string } = {}) {
  const root = o.root ?? (await fs.mkdtemp(path.join(os.tmpdir(), o.prefix ?? 'maskroom-ws-')));
  const settings = new SettingsService(
    new JsonFilePrefsStore(path.join(root, 'prefs.json')),
    new MemorySecretStore('k'),
    { MASKROOM_LIBRARY: path.join(root, 'lib') },
  );
  const events: Array<{ event: EventName; payload: unknown }> = [];
  const waiters: Array<() => void> = [];
  const ws = createWorkspace({
    settings,
    events: {
      emit: (event, payload) => {
        events.push({ event, payload });
        waiters.forEach((w) => w());
      },
    },
    editApiFactory: () => api,
  });
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for events')), 20_000);
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        }
      };
      waiters.push(check);
      check();
    });
  const progress = () => events.filter((e) => e.event === 'job:progress').map((e) => e.payload as JobStatus);
  return { root, settings, ws, events, until, progress };
}

export type WorkspaceHarness = Awaited<ReturnType<typeof workspaceHarness>>;

/**
 * One edit per prompt (default parameters, one variation), each waited for before the next: the i-th inside
 * the mask PNG `mask(i)`.
 */
export async function editInTurn(
  h: WorkspaceHarness,
  projectId: string,
  prompts: readonly string[],
  mask: (i: number) => Promise<Uint8Array<ArrayBuffer>>,
): Promise<void> {
  const done = () => h.progress().filter((p) => p.state === 'done').length;
  const before = done();
  for (const [i, prompt] of prompts.entries()) {
    await h.ws.runEdit({
      projectId,
      prompt,
      params: EditParams.parse({}),
      mask: { kind: 'png', data: await mask(i) },
      references: [],
      variations: 1,
    });
    await h.until(() => done() === before + i + 1);
  }
}

/** A workspace over the library `lib` (a restart of the app: nothing in memory from before). */
export async function restartOn(lib: string, api: EditApi): Promise<WorkspaceHarness> {
  const h = await workspaceHarness(api);
  await h.settings.update({ libraryDir: lib });
  return h;
}

/** The last project state the workspace sent (project:changed), if any. */
export const lastProjectState = (h: WorkspaceHarness) =>
  h.events.filter((e) => e.event === 'project:changed').at(-1)?.payload as ProjectState | undefined;

/**
 * A project of the cat photo whose edit `entry` (with this mask and these references) was journaled and never
 * answered, as a killed app leaves it (ProjectStore.addJob, then no request id ever written).
 */
export async function cutOffProject(
  api: EditApi,
  entry: NewJournalEntry,
  maskPng: Uint8Array,
  references: readonly Uint8Array[] = [],
): Promise<{ lib: string; dir: string; projectId: string }> {
  const h = await workspaceHarness(api);
  const created = await h.ws.createProject({ name: 'cat.png', photo: await fixture('chelsea.png') });
  await h.ws.dispose();
  const lib = h.settings.get().libraryDir;
  const dir = path.join(lib, created.id);
  const store = await ProjectStore.open(dir);
  await store.addJob(entry, maskPng, references);
  await store.close();
  return { lib, dir, projectId: created.id };
}

/**
 * The hooks of a file of workspace tests against one fake service, handed to `use` (before each test: no
 * fault, nothing submitted); returns a maker of edit clients that reach it.
 */
export function workspaceFake(use: (fake: FakeSegmind) => void): () => EditApi {
  let fake: FakeSegmind;
  useFakeSegmind(
    (f) => {
      fake = f;
      use(f);
    },
    (f) => {
      f.setFault(null);
      f.submitted.length = 0;
    },
  );
  return () => createEditApi(fakeServiceConfig(fake));
}
