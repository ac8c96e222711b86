/**
 * A project's journal and dropped/ records are files anyone can edit (a project folder copied from
 * elsewhere): the mask file they name is never followed out of the project. Opening such a project in the
 * app moves, reads or (on Dismiss) deletes only the project's own `<job>.mask.png`, never a file its
 * record points at outside the journal or dropped/ folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { DROPPED_DIR, JOURNAL_DIR, ProjectStore } from '../../../../electron/core/project';
import { pick, rng } from '../../../support/prng';
import { PHOTO, fakeJob, tempDir } from './helpers';

const meta = { photo: PHOTO, name: 'Test', width: 40, height: 30, format: 'jpeg' as const };

/** Names of files outside the journal and dropped/ folders, as a record could point at them. */
const TARGETS = [
  ['..', '..', 'outside.png'],
  ['..', 'project.json'],
  ['..', '..', 'other-project', 'layers', 'l1.patch.png'],
  ['..', '..', '..', 'elsewhere.png'],
] as const;

describe('mask files named by journal and dropped/ records', () => {
  it('are never followed out of their folder (random records, 12 seeds)', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const root = await tempDir('maskroom-dropped-paths-');
      const dir = path.join(root, 'lib', 'p');
      const store = await ProjectStore.create(dir, meta);
      const target = pick(r, TARGETS);
      // The file a record points at, relative to the journal folder (and dropped/, beside it).
      const outside = path.resolve(dir, JOURNAL_DIR, ...target);
      const relative = path.join(...target);
      const inDropped = r() < 0.5;
      const jobId = `j${seed}`;
      await store.addJob(
        { ...fakeJob(jobId, `l${seed}`), params: EditParams.parse({}), prompt: 'p' },
        Uint8Array.of(1, 2, 3),
      );
      await store.close();
      await fs.mkdir(path.dirname(outside), { recursive: true });
      const original = (await fs.readFile(outside).catch(() => null)) ?? Buffer.from(`keep ${seed}`);
      await fs.writeFile(outside, original);
      if (inDropped) {
        // A dropped/ record (as the app leaves it) whose mask file names the outside file.
        const app = await ProjectStore.open(dir, { keepDropped: true });
        await app.close();
        const file = path.join(dir, DROPPED_DIR, `${jobId}.json`);
        const record = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
        await fs.writeFile(file, JSON.stringify({ ...record, maskFile: relative }));
      } else {
        // A journal entry, never answered, whose mask file names the outside file.
        const file = path.join(dir, JOURNAL_DIR, `${jobId}.json`);
        const entry = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
        await fs.writeFile(file, JSON.stringify({ ...entry, maskFile: relative }));
      }
      const app = await ProjectStore.open(dir, { keepDropped: true });
      for (const d of app.droppedJobs()) {
        const mask = await app.readDroppedMask(d.jobId).catch(() => null);
        if (mask) expect(Buffer.from(mask).equals(original), `seed ${seed}`).toBe(false);
        await app.removeDropped(d.jobId);
      }
      await app.close();
      expect(await fs.readFile(outside).catch(() => null), `seed ${seed}: ${outside}`).toEqual(original);
    }
  });

  it('of an accepted entry (and its saved result) are never read or removed outside the journal', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(100 + seed);
      const root = await tempDir('maskroom-journal-paths-');
      const dir = path.join(root, 'lib', 'p');
      const store = await ProjectStore.create(dir, meta);
      const jobId = `j${seed}`;
      await store.addJob(
        { ...fakeJob(jobId, `l${seed}`), params: EditParams.parse({}), prompt: 'p' },
        Uint8Array.of(1, 2, 3),
      );
      await store.close();
      const target = pick(r, TARGETS);
      const outside = path.resolve(dir, JOURNAL_DIR, ...target);
      await fs.mkdir(path.dirname(outside), { recursive: true });
      const original = (await fs.readFile(outside).catch(() => null)) ?? Buffer.from(`keep ${seed}`);
      await fs.writeFile(outside, original);
      // Accepted (a request id) and, half the time, with a saved result: the kind of entry resume reads.
      const file = path.join(dir, JOURNAL_DIR, `${jobId}.json`);
      const entry = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
      const viaResult = r() < 0.5;
      await fs.writeFile(
        file,
        JSON.stringify({
          ...entry,
          requestId: 'req-1',
          requestIdAt: new Date().toISOString(),
          ...(viaResult
            ? {
                result: {
                  file: path.join(...target),
                  mime: 'image/png',
                  bytes: original.length,
                  requestId: 'req-1',
                  creditsLeft: null,
                  cost: null,
                  timings: {},
                },
              }
            : { maskFile: path.join(...target) }),
        }),
      );
      const opened = await ProjectStore.open(dir);
      // Such an entry is not one to finish: nothing is read from where it points, and nothing is removed.
      expect(await opened.pendingJobs(), `seed ${seed}`).toEqual([]);
      await opened.close();
      expect(await fs.readFile(outside).catch(() => null), `seed ${seed}: ${outside}`).toEqual(original);
    }
  });
});
