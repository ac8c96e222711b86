import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectStore, LAYERS_DIR } from '../../../../electron/core/project';
import { PHOTO, tempDir } from './helpers';

const script = path.join(import.meta.dirname, 'append-loop.ts');

/**
 * Runs the loop, SIGKILLs it `ms` after it opened the project and reported `after` commits, and returns what
 * it reported as committed / being deleted. Counting commits, not only time, makes every run with `after`
 * > 0 commit that many layers however slow the disk, and its kill land somewhere later in the loop.
 */
function runAndKill(
  dir: string,
  ms: number,
  after: number,
): Promise<{ committed: string[]; deleted: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const commits = out.split('\n').filter((l) => l.startsWith('committed ')).length;
      if (!armed && out.includes('open\n') && commits >= after) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), ms);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`child ended on its own: ${err}`));
      const lines = out.split('\n');
      resolve({
        committed: lines.filter((l) => l.startsWith('committed ')).map((l) => l.slice(10)),
        deleted: lines.filter((l) => l.startsWith('deleting ')).map((l) => l.slice(9)),
      });
    });
  });
}

describe('killing the process at any instant', () => {
  it('always leaves a project that opens with every committed layer and no missing files', async () => {
    const dir = path.join(await tempDir(), 'p');
    await (
      await ProjectStore.create(dir, { photo: PHOTO, name: 'k', width: 10, height: 10, format: 'png' })
    ).close();
    const everCommitted = new Set<string>();
    const everDeleted = new Set<string>();
    for (const [i, ms] of [5, 23, 41, 67, 90, 130, 170, 250].entries()) {
      // From the open, after one commit, after two: at least 7 layers committed over the eight runs.
      const r = await runAndKill(dir, ms, i % 3);
      r.committed.forEach((id) => everCommitted.add(id));
      r.deleted.forEach((id) => everDeleted.add(id));
      const store = await ProjectStore.open(dir);
      const ids = store.layers().map((l) => l.id);
      // Every layer reported committed and not deleted is there (a deletion in flight may or may not have landed).
      for (const id of everCommitted) if (!everDeleted.has(id)) expect(ids).toContain(id);
      expect(store.report.layersWithMissingFiles).toEqual([]);
      // Every file on disk belongs to a layer in the manifest, and every layer has its three files.
      const files = await fs.readdir(path.join(dir, LAYERS_DIR));
      expect(files.length).toBe(ids.length * 3);
      for (const l of store.layers()) {
        expect((await fs.stat(store.layerFilePath(l, 'patch'))).size).toBe(l.bytes.patch);
      }
      expect(Buffer.from(await store.readOriginal()).equals(Buffer.from(PHOTO))).toBe(true);
      await store.close();
    }
    expect(everCommitted.size).toBeGreaterThan(3);
  }, 120_000);
});
