/**
 * The export request's quality (Export's slider, sent with JPEG and WebP) follows the CLI's --quality rule:
 * honoured by the JPEG and WebP encoders (in memory, Save As into a file, the web host's download all write
 * the same bytes for the same quality, and a lower quality writes a smaller file), refused in one sentence
 * for PNG, TIFF and PSD, which are written losslessly; and a lossless extension the user types in the Save
 * As dialog writes that format without the quality the slider gave the requested one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { ExportFormat } from '../../../shared/contract';
import type { HandlerTable } from '../../../electron/core/handlers';
import { dispatch } from '../../../electron/core/dispatch';
import type { WorkspaceApi } from '../../../electron/core/workspace-types';
import type { Photo } from '../../../electron/core/imaging';
import { saveAs } from '../../../electron/main/export';
import { WebDownloads } from '../../../electron/hosts/web-downloads';
import { taggedPng } from '../core/imaging/helpers';
import { rng } from '../../support/prng';
import { saveAsWorkspace, type SaveAsWorkspace } from './save-as-workspace';

const W = 160;
const H = 120;

let root: string;
let ws: WorkspaceApi;
let table: HandlerTable;
let deps: SaveAsWorkspace['deps'];
let projectId: string;

function noisePhoto(seed: number): Photo {
  const r = rng(seed);
  const pixels = new Uint8Array(W * H * 3);
  // Smooth ramps with noise: a lossy encoder's quality shows in the size.
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++)
        pixels[(y * W + x) * 3 + c] = Math.min(
          255,
          Math.floor((x + y * (c + 1)) % 200) + Math.floor(r() * 50),
        );
  return { width: W, height: H, channels: 3, depth: 8, pixels, format: 'png', icc: null, exif: null };
}

beforeAll(async () => {
  ({ root, ws, table, deps } = await saveAsWorkspace('maskroom-saveas-quality-', false));
  projectId = (await ws.createProject({ name: 'Noise.png', photo: new Uint8Array(taggedPng(noisePhoto(3))) }))
    .id;
}, 60_000);

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

async function inMemory(format: ExportFormat, quality?: number): Promise<Uint8Array> {
  const r = await dispatch(table, 'export:image', { projectId, format, ...(quality ? { quality } : {}) });
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { data: Uint8Array }).data;
}

describe('the export quality', () => {
  for (const format of ['jpeg', 'webp'] as const) {
    it(`${format}: honoured in memory, by Save As and by the web download (the same bytes per quality)`, async () => {
      const low = await inMemory(format, 20);
      const high = await inMemory(format, 95);
      expect(low.length).toBeLessThan(high.length);
      for (const [q, want] of [
        [20, low],
        [95, high],
      ] as const) {
        const file = path.join(root, `q${q}.${format === 'jpeg' ? 'jpg' : 'webp'}`);
        const r = await saveAs(deps(file), { projectId, format, quality: q });
        expect(r).toEqual({ ok: true, value: { saved: true } });
        expect(Buffer.from(await fs.readFile(file)).equals(Buffer.from(want))).toBe(true);
        const downloads = await WebDownloads.create(ws, root);
        try {
          const d = await downloads.prepare({ projectId, format, quality: q });
          expect(d.ok).toBe(true);
        } finally {
          await downloads.close();
        }
      }
    });
  }

  for (const format of ['png', 'tiff', 'psd'] as const) {
    it(`${format}: a quality is refused in one sentence, in memory, by Save As and by the web download`, async () => {
      const said =
        /^A quality applies to JPEG and WebP exports only; export the \S+ without one \(it is written losslessly\)\.$/;
      const r = await dispatch(table, 'export:image', { projectId, format, quality: 80 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(said);
      const file = path.join(root, `refused.${format === 'tiff' ? 'tif' : format}`);
      const s = await saveAs(deps(file), { projectId, format, quality: 80 });
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.error.message).toMatch(said);
      await expect(fs.stat(file)).rejects.toThrow();
      const downloads = await WebDownloads.create(ws, root);
      try {
        const d = await downloads.prepare({ projectId, format, quality: 80 });
        expect(d.ok).toBe(false);
        if (!d.ok) expect(d.error.message).toMatch(said);
      } finally {
        await downloads.close();
      }
      // Without one it is written.
      expect((await inMemory(format)).length).toBeGreaterThan(0);
    });
  }

  it('Save As: a lossless extension typed in the dialog writes that format without the quality', async () => {
    for (const [name, format] of [
      ['typed.png', 'png'],
      ['typed.tif', 'tiff'],
      ['typed.psd', 'psd'],
    ] as const) {
      const file = path.join(root, name);
      const r = await saveAs(deps(file), { projectId, format: 'jpeg', quality: 30 });
      expect(r, name).toEqual({ ok: true, value: { saved: true } });
      expect(Buffer.from(await fs.readFile(file)).equals(Buffer.from(await inMemory(format)))).toBe(true);
    }
    // A lossy one keeps it.
    const webp = path.join(root, 'typed.webp');
    expect(await saveAs(deps(webp), { projectId, format: 'jpeg', quality: 30 })).toEqual({
      ok: true,
      value: { saved: true },
    });
    expect(Buffer.from(await fs.readFile(webp)).equals(Buffer.from(await inMemory('webp', 30)))).toBe(true);
  });
});
