import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EditParams } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { ProjectStore, JOURNAL_DIR } from '../../../../electron/core/project';
import { ProjectSession, isCollectableError, runEdit, resumeJob } from '../../../../electron/core/pipeline';
import { photoCacheStats, type Mask } from '../../../../electron/core/imaging';
import type { EditApi } from '../../../../electron/core/edit-api/types';
import { catProject, ellipseOn } from './fixtures';
import { fakeApi } from './fake-api';

async function setup() {
  const { dir, store, session, photo } = await catProject('maskroom-pipe-');
  const mask = await ellipseOn(photo, 200, 150, 60, 40);
  return { dir, store, session, photo, mask };
}

const params = EditParams.parse({ quality: 'low' });
/** An edit of `prompt` inside `mask`, with the usual options: feather 2, colour matching, no references. */
function job(prompt: string, mask: Mask) {
  return { prompt, params, feather: 2, colorMatch: true, mask, references: [] };
}
/** How edits reach `api`: inputs uploaded, result polled. */
const deps = (api: EditApi) => ({ api, transport: 'upload' as const, mode: 'async' as const });

describe('pipeline', () => {
  it('turns photo + mask + prompt into a layer, changing only pixels inside the mask', async () => {
    const { store, session, photo, mask } = await setup();
    const { api, calls } = fakeApi();
    const states: string[] = [];
    const layer = await runEdit(
      session,
      { prompt: 'red', params, feather: 3, colorMatch: false, mask, references: [] },
      { api, transport: 'upload', mode: 'async' },
      {
        onState: (s) => states.push(s),
      },
    );
    expect(states[0]).toBe('preparing');
    expect(states).toContain('uploading');
    expect(states).toContain('compositing');
    expect(states.at(-1)).toBe('done');
    expect(calls[0]!.params.size).not.toBe('auto');
    expect(layer).toMatchObject({
      requestId: 'req1',
      creditsLeft: 42,
      visible: true,
      feather: 3,
      model: 'gpt-image-1.5-edit',
    });
    expect(layer.timings.inference_time).toBe(1.5);
    expect(store.layers()).toHaveLength(1);
    const cur = await session.current();
    let inside = 0;
    for (let i = 0; i < photo.width * photo.height; i++) {
      const same = [0, 1, 2].every((c) => cur.pixels[i * 3 + c] === photo.pixels[i * 3 + c]);
      const x = i % photo.width;
      const y = Math.floor(i / photo.width);
      const r = layer.rect;
      const inRect = x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
      if (!inRect) expect(same).toBe(true);
      if (mask.data[i] === 255 && !same) inside++;
    }
    expect(inside).toBeGreaterThan(1000);
    expect((await fs.readdir(path.join(store.dir, JOURNAL_DIR))).length).toBe(0);
    await session.close();
  });

  it('caches the flattened image and runs two edits at once without losing either', async () => {
    const { store, session, mask } = await setup();
    // Both are in flight at once: the fast answer waits until the slow edit has reached the service, and
    // the slow answer until the fast one is a layer, so the completion order is fixed whatever the load.
    let slowSent!: (v: unknown) => void;
    let fastDone!: (v: unknown) => void;
    const afterSlowSent = new Promise((r) => (slowSent = r));
    const afterFast = new Promise((r) => (fastDone = r));
    const a = fakeApi({ gate: afterFast, onEdit: () => slowSent(undefined), colour: [0, 200, 0] });
    const b = fakeApi({ gate: afterSlowSent, colour: [0, 0, 200] });
    const slow = runEdit(session, job('slow', mask), deps(a.api));
    const lb = await runEdit(session, job('fast', mask), deps(b.api));
    fastDone(undefined);
    const la = await slow;
    // Appended in completion order.
    expect(store.layers().map((l) => l.id)).toEqual([lb.id, la.id]);
    const c1 = await session.current();
    expect(await session.current()).toBe(c1);
    await store.setVisible(la.id, false);
    const c2 = await session.current();
    expect(c2).not.toBe(c1);
    await session.close();
  });

  it('a failed edit leaves the project unchanged and says why', async () => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi({ fail: new AppError('no-credits', 'You are out of credits; top up.') });
    const before = store.snapshot();
    await expect(runEdit(session, job('x', mask), deps(api))).rejects.toMatchObject({
      code: 'no-credits',
    });
    expect(store.snapshot()).toEqual(before);
    expect(await fs.readdir(path.join(store.dir, JOURNAL_DIR))).toEqual([]);
    await session.close();
  });

  it('keeps the journal when the wait failed on our side, and resume finishes it', async () => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi({
      failAfterId: new AppError('timeout', 'The service took too long; resume later.'),
    });
    await expect(runEdit(session, job('later', mask), deps(api))).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(store.layers()).toHaveLength(0);
    const pending = await store.pendingJobs();
    expect(pending.map((p) => p.requestId)).toEqual(['req1']);
    const ok = fakeApi();
    const layer = await resumeJob(session, pending[0]!, deps(ok.api));
    expect(layer).toMatchObject({ id: pending[0]!.layerId, prompt: 'later', requestId: 'req1' });
    expect(await store.pendingJobs()).toEqual([]);
    await session.close();
  });

  it('resume keeps the journal on a passing failure and drops it on a definitive one', async () => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi({ failAfterId: new AppError('offline', 'Offline.') });
    await expect(runEdit(session, job('p', mask), deps(api))).rejects.toMatchObject({ code: 'offline' });
    const [entry] = await store.pendingJobs();
    const failing = (err: AppError): EditApi => ({
      edit: () => Promise.reject(err),
      resume: () => Promise.reject(err),
    });
    await expect(
      resumeJob(session, entry!, deps(failing(new AppError('no-api-key', 'No key.')))),
    ).rejects.toMatchObject({ code: 'no-api-key' });
    expect(await store.pendingJobs()).toHaveLength(1);
    await expect(
      resumeJob(session, entry!, deps(failing(new AppError('expired', 'Gone.')))),
    ).rejects.toMatchObject({ code: 'expired' });
    expect(await store.pendingJobs()).toHaveLength(0);
    expect(store.layers()).toHaveLength(0);
    await session.close();
  });

  it('refuses a mask of the wrong size before sending anything', async () => {
    const { session } = await setup();
    const { api, calls } = fakeApi();
    const mask = { width: 10, height: 10, data: new Uint8Array(100).fill(255) };
    await expect(runEdit(session, job('x', mask), deps(api))).rejects.toMatchObject({
      code: 'invalid-input',
    });
    expect(calls).toHaveLength(0);
    await session.close();
  });
});

describe('flattened image cache on disk', () => {
  it('is used when it matches the visible stack (or a prefix of it), ignored otherwise, and never changes the result', async () => {
    const { dir, store, session, mask } = await setup();
    const api = fakeApi().api;
    const l1 = await runEdit(session, job('one', mask), deps(api));
    await runEdit(session, job('two', mask), deps(api));
    const s1 = new ProjectSession(store, { diskCacheMinLayers: 1 });
    expect(await s1.persistCache()).toBe(true);
    expect(await s1.persistCache()).toBe(false); // already current
    const truth = Buffer.from((await s1.current()).pixels);
    await store.close();

    const fresh = async () => {
      const st = await ProjectStore.open(dir);
      return new ProjectSession(st, { diskCacheMinLayers: 1 });
    };
    // Same stack: read from the cache, identical pixels.
    let s2 = await fresh();
    const loads = () => photoCacheStats().decodes + photoCacheStats().hits;
    const before = loads();
    expect(Buffer.from((await s2.current()).pixels).equals(truth)).toBe(true);
    expect(loads()).toBe(before); // the original was not even decoded
    // A third layer on top: the cache is a prefix, only the new patch is applied.
    await runEdit(s2, job('three', mask), deps(api));
    const withThree = Buffer.from((await s2.current()).pixels);
    await s2.store.close();
    s2 = await fresh();
    expect(Buffer.from((await s2.current()).pixels).equals(withThree)).toBe(true);
    // Hiding the first layer: the cache no longer applies; the result equals a flatten from the original.
    await s2.store.setVisible(l1.id, false);
    const hidden = Buffer.from((await s2.current()).pixels);
    await s2.store.close();
    await fs.rm(path.join(dir, 'cache'), { recursive: true });
    s2 = await fresh();
    expect(Buffer.from((await s2.current()).pixels).equals(hidden)).toBe(true);
    // A damaged cache file is ignored.
    await fs.mkdir(path.join(dir, 'cache'), { recursive: true });
    await fs.writeFile(path.join(dir, 'cache', 'current.bin'), 'MRFLAT1\ngarbage');
    await s2.store.close();
    s2 = await fresh();
    expect(Buffer.from((await s2.current()).pixels).equals(hidden)).toBe(true);
    await s2.close();
  });
});

describe('nothing paid for is lost or paid twice', () => {
  /** An API that must not be called (resume from the saved result). */
  const untouchable: EditApi = {
    edit: () => Promise.reject(new Error('edit must not be called')),
    resume: () => Promise.reject(new Error('resume must not be called')),
  };

  it('a failure while saving the layer keeps the entry and the result; resume finishes from disk without the service', async () => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi();
    const withCost: EditApi = {
      edit: async (input, o) => ({ ...(await api.edit(input, o)), cost: 0.03 }),
      resume: api.resume,
    };
    const real = store.appendLayer.bind(store);
    store.appendLayer = async () => {
      const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      throw e;
    };
    const err = await runEdit(session, job('kept', mask), deps(withCost)).catch((e: unknown) => e);
    store.appendLayer = real;
    expect(isCollectableError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'disk-full', collect: { requestId: 'req1' } });
    const msg = (err as Error).message;
    expect(msg).toContain("the result is saved in the project's journal");
    expect(msg).toContain('collect the result');
    expect(msg).not.toMatch(/ENOSPC|try again/);
    expect((err as AppError).toWire().collect).toEqual({ requestId: 'req1' });
    expect(store.layers()).toHaveLength(0);
    const [entry] = await store.pendingJobs();
    expect(entry!.result).toMatchObject({ requestId: 'req1', cost: 0.03 });
    const layer = await resumeJob(session, entry!, deps(untouchable));
    expect(layer).toMatchObject({ prompt: 'kept', requestId: 'req1', cost: 0.03 });
    expect(await fs.readdir(path.join(store.dir, JOURNAL_DIR))).toEqual([]);
    // The same entry again (a second collect): done, no second layer.
    expect(await resumeJob(session, entry!, deps(untouchable))).toMatchObject({ id: layer.id });
    expect(store.layers()).toHaveLength(1);
    await session.close();
  });

  it.each([
    ['server-error', true],
    ['rate-limited', true],
    ['timeout', true],
    ['offline', true],
    ['outcome-unknown', true],
    ['bad-response', true],
    ['internal', true],
    ['blocked', false],
    ['expired', false],
  ] as const)('after acceptance, %s keeps the entry (collectable): %s', async (code, kept) => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi({ failAfterId: new AppError(code, 'Something happened; try again.') });
    const err = await runEdit(session, job('x', mask), deps(api)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(isCollectableError(err)).toBe(kept);
    expect((err as AppError).toWire().collect).toEqual(kept ? { requestId: 'req1' } : undefined);
    if (kept) expect((err as Error).message).not.toMatch(/try again/);
    expect((await store.pendingJobs()).length).toBe(kept ? 1 : 0);
    await session.close();
  });

  it('a damaged layer is left out of the image and reported, never dropped', async () => {
    const { store, session, mask } = await setup();
    const { api } = fakeApi();
    const a = await runEdit(session, job('a', mask), deps(api));
    await fs.rm(store.layerFilePath(a, 'patch'));
    const s2 = new ProjectSession(await reopen(store));
    expect(s2.damagedVisible().map((d) => d.layer.id)).toEqual([a.id]);
    const original = await s2.originalPhoto();
    const cur = await s2.current();
    expect(Buffer.compare(Buffer.from(cur.pixels.buffer), Buffer.from(original.pixels.buffer))).toBe(0);
    expect(s2.store.layers().map((l) => l.id)).toEqual([a.id]);
    await s2.close();
  });
});

async function reopen(store: ProjectStore): Promise<ProjectStore> {
  await store.close();
  return ProjectStore.open(store.dir);
}
