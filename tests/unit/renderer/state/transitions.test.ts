/**
 * The slices' pure transitions, mostly as properties over seeded random inputs: job events in any order,
 * project changes, the request a run sends, settings defaults, and the clamps of every number the user sets.
 */
import { describe, expect, it } from 'vitest';
import { isActiveJobState, jobStates, type JobStatus } from '../../../../shared/contract';
import { errorCodes } from '../../../../shared/errors';
import {
  paramsSet,
  featherSet,
  rerunTarget,
  runRequest,
  submitted,
  submitting,
  variationsSet,
} from '../../../../renderer/state/edit-request';
import { collecting, errorJob, jobArrived, jobDismissed } from '../../../../renderer/state/job-tracking';
import { variationStep, variationsKept } from '../../../../renderer/state/layers';
import { initialState, type EditorState, type RunRequest } from '../../../../renderer/state/model';
import { adopted, imageKey, projectChanged, withGroups } from '../../../../renderer/state/project';
import { apiKeySet, settingsLoaded, settingsUpdated } from '../../../../renderer/state/settings';
import {
  brushSizeSet,
  dialogOpened,
  hardnessSet,
  maskChangedTo,
  splitSet,
} from '../../../../renderer/state/tools-view';
import { fakeCanvas, layer, pick, project, rng, settings, status } from './fake-api';

const withProject = (extra: Partial<EditorState> = {}): EditorState => ({
  ...initialState(),
  project: project(1, [layer('a')]),
  ...extra,
});

/** Applies a patch the way the store does. */
const apply = (s: EditorState, patch: Partial<EditorState> | null | undefined): EditorState =>
  patch ? { ...s, ...patch } : s;

describe('job events', () => {
  it('in any order: a finished job never runs again unasked, its failure is announced once, other projects are ignored', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      let s = withProject();
      let finishedAt: JobStatus['state'] | null = null;
      for (let i = 0; i < 12; i++) {
        const state = pick(r, jobStates);
        const other = r() < 0.15;
        const error =
          state === 'failed' ? { code: pick(r, errorCodes), message: 'It failed; try again.' } : undefined;
        const ev = status('j', 'g', state, { elapsedSeconds: i, error, projectId: other ? 'p2' : 'p1' });
        const before = s.jobs.find((j) => j.jobId === 'j');
        const res = jobArrived(s, ev, true, i);
        if (other) {
          expect(res).toBeNull();
          continue;
        }
        s = apply(s, res?.patch);
        const after = s.jobs.find((j) => j.jobId === 'j');
        if (finishedAt && isActiveJobState(state)) expect(after?.state).toBe(finishedAt);
        // Announced exactly when the job has just failed (not when a failure arrives again).
        const failedNow = res !== null && state === 'failed' && before?.state !== 'failed';
        expect(Boolean(res?.patch.error)).toBe(failedNow);
        if (after && !isActiveJobState(after.state)) finishedAt = after.state;
      }
      expect(s.jobs.filter((j) => j.jobId === 'j').length).toBeLessThanOrEqual(1);
    }
  });

  it('a job asked to collect may run again to done; a failure re-sent meanwhile keeps it waiting', () => {
    const paid = { code: 'server-error' as const, message: 'Failed.', collect: { requestId: 'r' } };
    let s = apply(
      withProject(),
      jobArrived(withProject(), status('j', 'g', 'failed', { error: paid }), true, 0)?.patch,
    );
    expect(s.error?.collect).toEqual({ requestId: 'r', jobId: 'j' });
    expect(errorJob(s)).toBe('j');
    s = apply(s, collecting(s, 'j', 'asked'));
    s = apply(s, jobArrived(s, status('j', 'g', 'failed', { error: paid }), true, 1)?.patch);
    expect(s.jobs[0]?.collecting).toBe('failed-again');
    s = apply(s, collecting(s, 'j', 'started'));
    s = apply(s, jobArrived(s, status('j', 'g', 'downloading'), true, 2)?.patch);
    expect(s.jobs[0]).toMatchObject({ state: 'downloading' });
    expect(s.jobs[0]?.collecting).toBeUndefined();
    expect(s.error).toBeNull();
    const done = jobArrived(s, status('j', 'g', 'done', { layerId: 'a' }), true, 3);
    expect(done?.finished).toBe(true);
    s = apply(s, done?.patch);
    // The single edit's layer now carries the group it came from; dismissing leaves no row.
    expect(s.project?.layers[0]?.groupId).toBe('g');
    expect(jobDismissed(s, 'j').jobs).toEqual([]);
  });

  it('a quiet repeat from a project change changes nothing; a running row is never dismissed', () => {
    let s = withProject();
    s = apply(s, jobArrived(s, status('j', 'g', 'processing', { elapsedSeconds: 5 }), true, 0)?.patch);
    expect(jobArrived(s, status('j', 'g', 'processing', { elapsedSeconds: 3 }), false, 1)).toBeNull();
    expect(jobDismissed(s, 'j').jobs).toHaveLength(1);
  });
});

describe('project changes', () => {
  it('fill a missing group from the previous layer or a job, and never change one main gave', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const layers = ids.map((id) => layer(id, null, { groupId: r() < 0.4 ? `main-${id}` : null }));
      const previous = ids
        .filter(() => r() < 0.5)
        .map((id) => ({ id, groupId: r() < 0.5 ? `prev-${id}` : null }));
      const jobs = ids.filter(() => r() < 0.5).map((id) => ({ layerId: id, groupId: `job-${id}` }));
      const out = withGroups(layers, previous, jobs);
      out.forEach((l, i) => {
        const given = layers[i]?.groupId ?? null;
        const want =
          given ??
          previous.find((p) => p.id === l.id)?.groupId ??
          jobs.find((j) => j.layerId === l.id)?.groupId ??
          null;
        expect(l.groupId).toBe(want);
        expect({ ...l, groupId: null }).toEqual({ ...layers[i], groupId: null });
      });
    }
  });

  it('ignore older revisions and other projects; drop a viewed layer that went; count new layers once', () => {
    const s = withProject({ project: project(3, [layer('a'), layer('b')]), viewing: 'b' });
    expect(projectChanged(s, project(2, [layer('a')]), [])).toBeNull();
    expect(projectChanged(s, project(4, [layer('a')], [], 'p2'), [])).toBeNull();
    const p = projectChanged(s, project(4, [layer('a'), layer('c', 0.2)]), [{ key: 'p1/c', cost: 0.2 }]);
    expect(p?.viewing).toBeNull();
    expect(p?.sessionCosts).toEqual({ 'p1/c': 0.2 });
    expect(projectChanged(s, project(4, [layer('a'), layer('b')]), [])?.viewing).toBe('b');
    expect(projectChanged(s, project(4, [layer('b')]), [])).not.toHaveProperty('sessionCosts');
  });

  it('a newly adopted project starts afresh and takes the credits its newest layer reported', () => {
    const img = { key: 'k', url: 'u', width: 8, height: 8, spec: { width: 8, height: 8 } };
    const dirty = withProject({
      viewing: 'a',
      compare: 'split',
      kept: { g: true },
      runs: { g: {} as RunRequest },
    });
    const p = project(1, [layer('x', null, { creditsLeft: 7 }), layer('y', null, { creditsLeft: 5 })]);
    const patch = adopted(dirty, p, { current: img, original: img }, 0);
    expect(patch).toMatchObject({
      viewing: null,
      compare: 'off',
      kept: {},
      runs: {},
      lastRun: null,
      credits: 5,
    });
    expect(adopted({ ...dirty, credits: 9 }, p, { current: img, original: img }, 0)).not.toHaveProperty(
      'credits',
    );
    expect(imageKey(p, null)).not.toBe(imageKey(p, 'x'));
  });
});

describe('the edit request', () => {
  it('says what is missing, one sentence each, and copies the mask it sends', () => {
    const base = withProject({ prompt: '  a spoon  ' });
    expect(runRequest(initialState(), fakeCanvas())).toMatchObject({ code: 'invalid-input' });
    expect(runRequest({ ...base, prompt: '   ' }, fakeCanvas())).toMatchObject({ code: 'invalid-input' });
    expect(runRequest(base, fakeCanvas(new Uint8Array(64)))).toMatchObject({ code: 'invalid-input' });
    expect(runRequest(base, null)).toMatchObject({ code: 'invalid-input' });
    const mask = new Uint8Array(64).fill(255);
    const req = runRequest(base, fakeCanvas(mask));
    if ('code' in req) throw new Error(req.message);
    expect(req.prompt).toBe('a spoon');
    expect(req.mask).toMatchObject({ width: 8, height: 8 });
    mask.fill(0);
    expect(req.mask.data.every((b) => b === 255)).toBe(true);
  });

  it('a new attempt drops failed and cancelled rows but keeps those with a paid result to collect', () => {
    const paid = { code: 'offline' as const, message: 'Offline.', collect: { requestId: 'r' } };
    const jobs = [
      status('a', 'g', 'failed', { error: { code: 'offline', message: 'Offline.' } }),
      status('b', 'g', 'failed', { error: paid }),
      status('c', 'g', 'cancelled'),
      status('d', 'g', 'processing'),
      status('e', 'g', 'done'),
    ].map((j) => ({ ...j, receivedAt: 0 }));
    const req = { prompt: 'x' } as RunRequest;
    const patch = submitting(
      withProject({ jobs, error: { code: 'offline', title: '', message: '', fix: null } }),
      req,
    );
    expect(patch.jobs?.map((j) => j.jobId)).toEqual(['b', 'd', 'e']);
    expect(patch).toMatchObject({ error: null, lastRun: req });
    const s = apply(withProject(), patch);
    const after = submitted(s, req, { groupId: 'g2', jobIds: ['b', 'n'] }, 'p1', 1);
    expect(after.jobs?.map((j) => j.jobId)).toEqual(['b', 'd', 'e', 'n']);
    expect(after.runs).toEqual({ g2: req });
    expect(rerunTarget(apply(s, after), 'g2')).toEqual({ req, group: 'g2' });
    expect(rerunTarget(apply(s, after), 'unknown')).toEqual({ req, group: 'g2' });
    expect(rerunTarget(withProject(), null)).toBeNull();
  });

  it('parameters merge; feather and variations stay in range', () => {
    const s = withProject();
    expect(paramsSet(s, { quality: 'high' }).params).toEqual({ ...s.params, quality: 'high' });
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const n = (r() - 0.3) * 3000;
      const f = featherSet(n).feather ?? NaN;
      const v = variationsSet(n).variations ?? NaN;
      const b = brushSizeSet(n).brushSize ?? NaN;
      const h = hardnessSet(n).hardness ?? NaN;
      const sp = splitSet(n / 1000).split ?? NaN;
      expect(f >= 0 && f <= 200).toBe(true);
      expect(Number.isInteger(v) && v >= 1 && v <= 4).toBe(true);
      expect(Number.isInteger(b) && b >= 1 && b <= 1000).toBe(true);
      expect(Number.isInteger(h) && h >= 0 && h <= 100).toBe(true);
      expect(sp >= 0 && sp <= 1).toBe(true);
      if (n >= 0 && n <= 200) expect(f).toBe(n);
    }
  });
});

describe('settings, dialogs, the mask and variations', () => {
  it('parameters left at the old defaults follow new defaults; changed ones stay', () => {
    const before = settings();
    const after = settings({ feather: 9, defaults: { ...before.defaults, quality: 'low' } });
    const s = apply(initialState(), settingsLoaded(before));
    expect(settingsUpdated(s, before, after)).toMatchObject({ feather: 9, params: after.defaults });
    const touched = apply(s, paramsSet(s, { quality: s.params.quality === 'high' ? 'medium' : 'high' }));
    expect(settingsUpdated(touched, before, after)).toEqual({ settings: after });
    expect(settingsUpdated(s, null, after)).toEqual({ settings: after });
    const keyError = { ...s, error: { code: 'no-api-key' as const, title: '', message: '', fix: null } };
    expect(apiKeySet(keyError, after)).toEqual({ settings: after, error: null });
    expect(apiKeySet(s, after)).toEqual({ settings: after });
  });

  it('any dialog but the re-run question drops a pending re-run; a mask change keeps what it leaves out', () => {
    expect(dialogOpened('confirm-rerun')).toEqual({ dialog: 'confirm-rerun' });
    expect(dialogOpened(null)).toEqual({ dialog: null, confirmRerun: null });
    const bounds = { x: 3, y: 4, width: 5, height: 6 };
    const s = { ...initialState(), mask: { empty: false, canUndo: true, canRedo: true, bounds } };
    expect(maskChangedTo(s, { canRedo: false }, true).mask).toEqual({
      empty: true,
      canUndo: true,
      canRedo: false,
      bounds: null,
    });
    expect(maskChangedTo(s, undefined, false).mask).toEqual(s.mask);
  });

  it('Left/Right cycle the viewed group, else the newest one not kept', () => {
    const layers = [
      layer('a1', null, { groupId: 'A' }),
      layer('a2', null, { groupId: 'A', visible: false }),
      layer('b1', null, { groupId: 'B' }),
      layer('b2', null, { groupId: 'B', visible: false }),
    ];
    const s = withProject({ project: project(1, layers) });
    expect(variationStep(s, 1)?.id).toBe('b2');
    expect(variationStep(apply(s, variationsKept(s, 'B', true)), 1)?.id).toBe('a2');
    expect(variationStep({ ...s, viewing: 'a1' }, -1)?.id).toBe('a2');
    expect(variationsKept(apply(s, variationsKept(s, 'B', true)), 'B', false).kept).toEqual({});
    expect(variationStep(withProject(), 1)).toBeNull();
  });
});
