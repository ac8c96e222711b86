/**
 * The compiled CLI flattens a deep stack on worker threads: the bundle ships the flatten worker as a chunk
 * of its own (scripts/worker-entries.ts) beside the module that starts it, and an uncached export of an
 * 11-layer project gives, sample for sample, the image the main thread flattens in-process.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { runEdit } from '../../../../electron/core/pipeline';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/project-session';
import { fakeApi } from '../../core/pipeline/fake-api';
import { catProject, ellipseOn } from '../../core/pipeline/fixtures';
import { cliBundle, runCli } from './helpers';

describe('maskroom export of a deep stack', () => {
  it('flattens on the bundle’s worker threads to the main thread’s image', async () => {
    const { dir, session, photo } = await catProject('maskroom-cli-workers-');
    const params = EditParams.parse({ quality: 'low' });
    for (let i = 0; i < 11; i++) {
      const mask = await ellipseOn(photo, 60 + i * 30, 100 + (i % 3) * 40, 50, 40);
      await runEdit(
        session,
        { prompt: `edit ${i}`, params, feather: 2, colorMatch: true, mask, references: [] },
        { api: fakeApi().api, transport: 'upload', mode: 'async' },
      );
    }
    await session.close();
    // Uncached, so the export applies every layer.
    await fs.rm(path.join(dir, 'cache'), { recursive: true, force: true });

    const manifest = JSON.parse(await fs.readFile(path.join(cliBundle(), 'manifest.json'), 'utf8')) as {
      chunks: Record<string, string[]>;
    };
    const worker = Object.entries(manifest.chunks).find(([, ids]) =>
      ids.includes('electron/core/imaging/flatten-worker.ts'),
    );
    expect(worker, 'the worker is a chunk of the bundle').toBeDefined();
    const starter = Object.entries(manifest.chunks).find(([, ids]) =>
      ids.includes('electron/core/imaging/flatten-stripes.ts'),
    )!;
    const code = await fs.readFile(path.join(cliBundle(), starter[0]), 'utf8');
    const rel = path.posix.relative(path.posix.dirname(starter[0]), worker![0]);
    // The CommonJS bundle's form of import.meta.url.
    expect(code).toContain(
      `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, require("url").pathToFileURL(__filename).href)`,
    );

    const out = path.join(path.dirname(dir), 'out.png');
    const run = await runCli(['export', '--project', dir, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const exported = await sharp(await fs.readFile(out))
      .raw()
      .toBuffer();

    const store = await ProjectStore.open(dir, { readOnly: true });
    const here = new ProjectSession(store, { persistInBackground: false, flattenWorkers: 0 });
    const img = await here.current();
    await here.close();
    expect(img.depth).toBe(8);
    expect(
      exported.equals(Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength)),
    ).toBe(true);
  });
});
