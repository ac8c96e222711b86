import { describe, expect, it } from 'vitest';
import { jobStates, type JobState, type JobStatus } from '../../../../shared/contract';
import { errorCodes, type ErrorCode } from '../../../../shared/errors';
import { describeError } from '../../../../renderer/state/errors';
import {
  collectMessage,
  collectableJobs,
  damagedText,
  formatCost,
  formatSessionCost,
  isCollectable,
  jobRowActions,
  layerKey,
  newLayers,
  rerunQuestion,
  sessionCost,
} from '../../../../renderer/state/jobs';
import { pick, rng } from './fake-api';

type RowJob = Pick<JobStatus, 'state' | 'error' | 'groupId'>;

function randomJob(r: () => number, groupId = 'g'): RowJob {
  const state: JobState = pick(r, jobStates);
  const code: ErrorCode = pick(r, errorCodes);
  const error =
    state === 'failed'
      ? r() < 0.5
        ? { code, message: 'The connection dropped; run the edit again.', collect: { requestId: 'req-1' } }
        : { code, message: 'It failed; run the edit again.' }
      : undefined;
  return error ? { state, error, groupId } : { state, groupId };
}

/** Words that would lead the user to submit (and pay for) the edit again. */
const RUN_AGAIN = /run (the edit |it )?again|re-?run|try again|submit/i;

describe('jobRowActions', () => {
  it('offers Collect result, never Retry, for a paid failure; Cancel while running; Retry only when known', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const jobs = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomJob(r));
      const canRerun = r() < 0.5;
      const collecting = r() < 0.2;
      const actions = jobRowActions(jobs, { canRerun, collecting });
      const running = jobs.some((j) => !['done', 'failed', 'cancelled'].includes(j.state));
      const paid = jobs.some((j) => j.state === 'failed' && j.error?.collect);
      const retryable = jobs.some((j) => j.state === 'failed' || j.state === 'cancelled');
      const ctx = JSON.stringify({ jobs, canRerun, collecting, actions });

      expect(actions.includes('cancel'), ctx).toBe(running);
      expect(actions.includes('collect'), ctx).toBe(!running && !collecting && paid);
      // Retry would submit again: never beside a result already paid for, never without the request.
      expect(actions.includes('retry'), ctx).toBe(!running && !collecting && !paid && retryable && canRerun);
      expect(actions.includes('dismiss'), ctx).toBe(!running && !collecting);
      expect(new Set(actions).size, ctx).toBe(actions.length);
    }
  });
});

describe('collectableJobs', () => {
  it('is exactly the failed jobs of the group that carry collect', () => {
    const r = rng(2);
    for (let i = 0; i < 500; i++) {
      const jobs = Array.from({ length: Math.floor(r() * 6) }, () => randomJob(r, pick(r, ['a', 'b'])));
      const group = pick(r, ['a', 'b', null] as const);
      const got = collectableJobs(jobs, group);
      const want = jobs.filter((j) => group !== null && j.groupId === group && isCollectable(j));
      expect(got).toEqual(want);
      for (const j of got) expect(j.state).toBe('failed');
    }
  });
});

describe('the words of a collectable failure', () => {
  it.each(errorCodes.map((c) => [c]))(
    '%s: one sentence that leads to collecting, never to running again',
    (code) => {
      const m = collectMessage(code);
      expect(m).toMatch(/^[A-Z].*\.$/);
      expect(m.slice(0, -1)).not.toMatch(/\.\s/);
      expect(m).toMatch(/Collect result/);
      expect(m).toMatch(/charged/);
      expect(m).not.toMatch(RUN_AGAIN);
    },
  );

  it.each(errorCodes.map((c) => [c]))(
    "%s: describeError replaces main's words and offers no retry",
    (code) => {
      const shown = describeError({
        code,
        message: 'The connection dropped while waiting; run the edit again.',
        collect: { requestId: 'req-9' },
      });
      expect(shown.code).toBe(code);
      expect(shown.message).not.toMatch(RUN_AGAIN);
      expect(shown.fix).toBeNull();
      expect(shown.collect).toEqual({ requestId: 'req-9' });
    },
  );

  it("keeps main's sentence when it leads to collecting, capitalised", () => {
    const main =
      'the edit service had a server error while Maskroom waited for request r-1; collect the result (it is paid for; running the edit again would pay twice).';
    const shown = describeError({ code: 'server-error', message: main, collect: { requestId: 'r-1' } });
    expect(shown.message).toBe(`T${main.slice(1)}`);
    expect(shown.fix).toBeNull();
  });

  it('leaves errors without collect as they were', () => {
    const shown = describeError({
      code: 'timeout',
      message: 'The service took too long; run the edit again.',
    });
    expect(shown.collect).toBeUndefined();
    expect(shown.message).toBe('The service took too long; run the edit again.');
    expect(shown.fix).toBe('retry');
  });

  it('asks the question of the confirm dialog', () => {
    expect(rerunQuestion).toBe(
      'The service already accepted this edit and charged for it; running it again pays again. Collect the result instead?',
    );
  });
});

describe('formatCost', () => {
  it('shows dollars with two decimals that read back to the amount (to the cent)', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const usd = Math.round(r() * 100_000) / 1000; // 0 .. 100 with up to 3 decimals
      const s = formatCost(usd);
      if (usd === 0 || usd >= 0.01) {
        expect(s, String(usd)).toMatch(/^\$\d+\.\d\d$/);
        expect(Math.abs(Number(s.slice(1)) - usd), String(usd)).toBeLessThanOrEqual(0.005 + 1e-9);
      } else {
        // Below a cent: enough decimals that it does not read as free.
        expect(s, String(usd)).toMatch(/^\$0\.00\d+$/);
        expect(Number(s.slice(1))).toBeCloseTo(usd, 4);
      }
    }
    expect(formatCost(0.24)).toBe('$0.24');
    expect(formatCost(0.2)).toBe('$0.20');
    expect(formatCost(0.004)).toBe('$0.004');
  });
});

describe('session cost', () => {
  it('sums the known costs exactly and counts the unknown ones', () => {
    const r = rng(4);
    for (let i = 0; i < 1000; i++) {
      const costs: Record<string, number | null> = {};
      let cents = 0;
      let counted = 0;
      let unknown = 0;
      const n = Math.floor(r() * 30);
      for (let k = 0; k < n; k++) {
        if (r() < 0.2) {
          costs[`p/l${k}`] = null;
          unknown++;
        } else {
          const c = Math.floor(r() * 500); // whole cents
          costs[`p/l${k}`] = c / 100;
          cents += c;
          counted++;
        }
      }
      const s = sessionCost(costs);
      expect(s).toEqual({ total: cents / 100, counted, unknown });
      const shown = formatSessionCost(s);
      if (counted === 0) expect(shown).toBe(unknown > 0 ? '—' : '$0.00');
      else expect(shown).toBe(`$${(cents / 100).toFixed(2)}${unknown > 0 ? '+' : ''}`);
    }
  });

  it('counts only the layers not seen before, in any project', () => {
    const r = rng(5);
    for (let i = 0; i < 500; i++) {
      const projectId = pick(r, ['p1', 'p2']);
      const layers = Array.from({ length: Math.floor(r() * 10) }, (_, k) => ({
        id: `l${k}`,
        cost: r() < 0.3 ? null : Math.floor(r() * 100) / 100,
      }));
      const known = new Set<string>();
      for (const l of layers) if (r() < 0.5) known.add(layerKey(pick(r, ['p1', 'p2']), l.id));
      const got = newLayers(known, projectId, layers);
      const want = layers
        .filter((l) => !known.has(layerKey(projectId, l.id)))
        .map((l) => ({ key: layerKey(projectId, l.id), cost: l.cost }));
      expect(got).toEqual(want);
    }
  });
});

describe('damagedText', () => {
  it('is null for a whole layer', () => {
    expect(damagedText({ damaged: null })).toBeNull();
    expect(damagedText({ damaged: '  ' })).toBeNull();
  });

  it("says main's reason and what to do, once", () => {
    const id = 'a1b2c3';
    expect(damagedText({ damaged: `layer file missing: layers/${id}.patch.png` })).toBe(
      `layer file missing: layers/${id}.patch.png — restore it from your backup or sync`,
    );
    expect(damagedText({ damaged: `layer file missing: layers/${id}.patch.png.` })).toBe(
      `layer file missing: layers/${id}.patch.png — restore it from your backup or sync`,
    );
    // Main's per-file words, one file or several, read the same way.
    expect(damagedText({ damaged: `layers/${id}.patch.png is missing` })).toBe(
      `layer file missing: layers/${id}.patch.png — restore it from your backup or sync`,
    );
    expect(
      damagedText({
        damaged: `layers/${id}.patch.png is missing, layers/${id}.thumb.webp is missing, layers/${id}.mask.png is incomplete (10 of 99 bytes)`,
      }),
    ).toBe(
      `layer files missing: layers/${id}.patch.png, layers/${id}.thumb.webp; layer file incomplete: layers/${id}.mask.png (10 of 99 bytes) — restore them from your backup or sync`,
    );
    const already = 'layer file damaged: layers/x.mask.png; restore it from your backup';
    expect(damagedText({ damaged: already })).toBe(already);
  });

  it('names every file main reported, whatever the mix', () => {
    const r = rng(6);
    for (let i = 0; i < 300; i++) {
      const id = `L${i}`;
      const files = ['patch.png', 'mask.png', 'thumb.webp']
        .filter(() => r() < 0.6)
        .map((f) => ({ name: `layers/${id}.${f}`, missing: r() < 0.5 }));
      if (files.length === 0) continue;
      const reason = files
        .map((f) => (f.missing ? `${f.name} is missing` : `${f.name} is incomplete (1 of 9 bytes)`))
        .join(', ');
      const text = damagedText({ damaged: reason }) ?? '';
      for (const f of files) expect(text, reason).toContain(f.name);
      expect(text, reason).toMatch(/ — restore (it|them) from your backup or sync$/);
      expect(text.includes('missing:'), reason).toBe(files.some((f) => f.missing));
      expect(text.includes('incomplete:'), reason).toBe(files.some((f) => !f.missing));
    }
  });
});
