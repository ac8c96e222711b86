/**
 * Reference images are journaled with the edit: runEdit writes them beside the mask before anything is sent;
 * an edit cut off while being sent keeps them in dropped/ with its mask, and running it again sends them, so
 * the service gets the very request a fresh edit with the same references sends. The store reads them only
 * under its own names and only when the record's count is the count it sent: an edited record, or a missing
 * file, reads as "not kept" (and the notice says so), never as a file from elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EditParams } from '../../../../shared/contract';
import type { EditApi } from '../../../../electron/core/edit-api/types';
import { DROPPED_DIR, JOURNAL_DIR } from '../../../../electron/core/project';
import { runEdit } from '../../../../electron/core/pipeline';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { fakeJob } from '../project/helpers';
import { catProject, ellipseMask, ellipseOn, fixture } from './fixtures';
import { fakeApi } from './fake-api';
import { cutOffProject, lastProjectState, restartOn, workspaceFake } from './workspace-harness';
import { rng } from '../../../support/prng';

let fake: FakeSegmind;
const api = workspaceFake((f) => (fake = f));

const PARAMS = EditParams.parse({ quality: 'low' });
const PROMPT = 'the scarf of the reference';
const maskPng = () => ellipseMask(451, 300, 220, 120, 70, 50);

/** `n` small reference photos of seeded colours (each a different file). */
async function references(n: number, seed: number): Promise<Uint8Array<ArrayBuffer>[]> {
  const r = rng(seed);
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < n; i++) {
    const c = () => Math.floor(r() * 256);
    out.push(
      new Uint8Array(
        await sharp({
          create: { width: 24 + i, height: 16, channels: 3, background: { r: c(), g: c(), b: c() } },
        })
          .png()
          .toBuffer(),
      ),
    );
  }
  return out;
}

/** A project whose edit with `refs` was journaled and never answered (a killed app). */
async function cutOffWith(refs: Uint8Array[]) {
  const job = fakeJob('jcut', 'lcut');
  const entry = { ...job, prompt: PROMPT, params: PARAMS, sent: { ...job.sent, references: refs.length } };
  return { ...(await cutOffProject(api(), entry, await maskPng(), refs)), jobId: 'jcut' };
}

const restart = (lib: string) => restartOn(lib, api());

describe('reference images of an edit in flight', () => {
  it('are in the journal beside the mask before the edit is sent, and go with the entry', async () => {
    for (const n of [0, 1, 3]) {
      const { store, session, photo } = await catProject('maskroom-refs-journal-');
      const refs = await references(n, 10 + n);
      const inner = fakeApi().api;
      let seen: string[] | null = null;
      const spy: EditApi = {
        ...inner,
        edit: async (req, o) => {
          const dir = path.join(store.dir, JOURNAL_DIR);
          seen = (await fs.readdir(dir)).filter((f) => f.includes('.ref-')).sort();
          for (const [i, ref] of refs.entries()) {
            const [name] = seen.filter((f) => f.endsWith(`.ref-${i}.bin`));
            expect(Buffer.from(await fs.readFile(path.join(dir, name!))).equals(Buffer.from(ref))).toBe(true);
          }
          return inner.edit(req, o);
        },
      };
      await runEdit(
        session,
        {
          prompt: 'p',
          params: PARAMS,
          feather: 2,
          colorMatch: true,
          mask: await ellipseOn(photo, 200, 150, 50, 40),
          references: refs,
        },
        { api: spy, transport: 'upload', mode: 'async' },
        {},
      );
      expect(seen).toHaveLength(n);
      // Committed: the entry and every file of it are gone.
      expect(await fs.readdir(path.join(store.dir, JOURNAL_DIR))).toEqual([]);
      await session.close();
      await store.close();
    }
  });

  it('are kept in dropped/ when it was cut off, and running it again sends them: the same request as a fresh edit with them', async () => {
    const refs = await references(2, 7);
    const { lib, dir, projectId, jobId } = await cutOffWith(refs);
    const h = await restart(lib);
    const opened = await h.ws.openProject({ projectId });
    expect(opened.droppedEdits?.map((d) => [d.references, d.referencesKept])).toEqual([[2, true]]);
    expect((await fs.readdir(path.join(dir, DROPPED_DIR))).sort()).toEqual(
      [`${jobId}.json`, `${jobId}.mask.png`, `${jobId}.ref-0.bin`, `${jobId}.ref-1.bin`].sort(),
    );
    const { jobIds } = await h.ws.retryDropped({ projectId, jobId });
    await h.until(() => h.progress().some((p) => p.jobId === jobIds[0] && p.state === 'done'));
    expect(lastProjectState(h)?.droppedEdits).toBeUndefined();
    expect(await fs.readdir(path.join(dir, DROPPED_DIR))).toEqual([]);
    expect(fake.submitted).toHaveLength(1);
    const retried = fake.submitted[0]!.body;
    const fresh = await h.ws.createProject({ name: 'cat.png', photo: await fixture('chelsea.png') });
    await h.ws.runEdit({
      projectId: fresh.id,
      prompt: PROMPT,
      params: PARAMS,
      feather: fakeJob('x', 'y').feather,
      mask: { kind: 'png', data: await maskPng() },
      references: refs,
      variations: 1,
    });
    await h.until(() => fake.submitted.length === 2);
    expect(retried).toEqual(fake.submitted[1]!.body);
    // The photo, then the two references.
    expect((retried as { image_urls: unknown[] }).image_urls).toHaveLength(3);
    await h.until(() => h.progress().filter((p) => p.state === 'done').length === 2);
    await h.ws.dispose();
  });

  it('read as not kept (and sent as none) when a file is missing or the record was edited, never from elsewhere', async () => {
    const cases: Array<[string, (dir: string, jobId: string) => Promise<void>]> = [
      ['a reference file removed', (dir, j) => fs.rm(path.join(dir, DROPPED_DIR, `${j}.ref-1.bin`))],
      [
        'a record claiming more files than it sent',
        async (dir, j) => {
          const f = path.join(dir, DROPPED_DIR, `${j}.json`);
          const rec = JSON.parse(await fs.readFile(f, 'utf8'));
          rec.referenceFiles = 3;
          await fs.writeFile(f, JSON.stringify(rec));
          // A file of that name planted beside it (and one outside) must never be sent.
          await fs.writeFile(path.join(dir, DROPPED_DIR, `${j}.ref-2.bin`), 'planted');
        },
      ],
    ];
    for (const [what, damage] of cases) {
      const refs = await references(2, 3);
      const { lib, dir, projectId, jobId } = await cutOffWith(refs);
      // Opened once (the entry moves to dropped/), then damaged, then opened by a restarted app.
      const first = await restart(lib);
      await first.ws.openProject({ projectId });
      await first.ws.dispose();
      await damage(dir, jobId);
      const h = await restart(lib);
      const opened = await h.ws.openProject({ projectId });
      expect(
        opened.droppedEdits?.map((d) => [d.references, d.referencesKept]),
        what,
      ).toEqual([[2, false]]);
      const { jobIds } = await h.ws.retryDropped({ projectId, jobId });
      await h.until(() => h.progress().some((p) => p.jobId === jobIds[0] && p.state === 'done'));
      expect((fake.submitted.at(-1)!.body as { image_urls: unknown[] }).image_urls, what).toHaveLength(1);
      await h.ws.dispose();
    }
  });
});
