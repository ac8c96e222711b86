/**
 * The web host's Save As and drag-out: the page asks for a download (WEB_DOWNLOAD_CALL), the host encodes
 * the export into a file of its own (streamed, as main's Save As does) and answers a link; fetching the link
 * gives the file as an attachment, byte for byte the in-memory export, once; the file is then gone. Errors
 * arrive as one sentence before any download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startWebHost, type WebHost } from '../../../../electron/hosts/web-host';
import { MAX_PENDING_DOWNLOADS, WebDownloads } from '../../../../electron/hosts/web-downloads';
import { WEB_DOWNLOAD_CALL } from '../../../../shared/ipc-channels';
import { decodeWire, encodeWire, WIRE_CONTENT_TYPE } from '../../../../shared/wire';
import type { ExportFormat, ProjectState, WireResult } from '../../../../shared/contract';
import { taggedPng } from '../../core/imaging/helpers';
import { rng } from '../../../support/prng';
import { tempDir } from '../../../support/temp';

let t: ReturnType<typeof tempDir>;
let host: WebHost;
let projectId: string;

function fakeRenderer(dir: string): string {
  const root = path.join(dir, 'renderer');
  mkdirSync(path.join(root, '.vite'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
  writeFileSync(
    path.join(root, '.vite', 'manifest.json'),
    JSON.stringify({ 'web-bridge.ts': { file: 'assets/web-bridge.js', isEntry: true, name: 'web-bridge' } }),
  );
  return root;
}

async function call<T>(name: string, request: unknown): Promise<WireResult<T>> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': WIRE_CONTENT_TYPE, 'x-maskroom-token': host.token },
    body: encodeWire(request) as Uint8Array<ArrayBuffer>,
  });
  return decodeWire(new Uint8Array(await res.arrayBuffer())) as WireResult<T>;
}

/** GET of a link the host answered (relative to the page), with the token as the page's cookie would carry it. */
function fetchLink(href: string, method = 'GET'): Promise<Response> {
  return fetch(new URL(href, `http://127.0.0.1:${host.port}/`), {
    method,
    headers: { 'x-maskroom-token': host.token },
  });
}

beforeAll(async () => {
  t = tempDir('maskroom-webdl-');
  const lib = path.join(t.dir, 'lib');
  host = await startWebHost({
    libraryDir: lib,
    rendererDir: fakeRenderer(t.dir),
    guard: false,
    env: { MASKROOM_LIBRARY: lib },
    log: () => undefined,
  });
  const r = rng(11);
  const [w, h] = [640, 480];
  const pixels = new Uint8Array(w * h * 3).map(() => Math.floor(r() * 256));
  const photo = new Uint8Array(
    taggedPng({ width: w, height: h, channels: 3, depth: 8, pixels, format: 'png', icc: null, exif: null }),
  );
  const created = await call<ProjectState>('project:create', { name: 'Café night.png', photo });
  if (!created.ok) throw new Error(created.error.message);
  projectId = created.value.id;
}, 60_000);

afterAll(async () => {
  await host?.close();
  t?.cleanup();
});

describe('web host downloads', () => {
  it('answers a link whose download is the export, as an attachment, once', async () => {
    for (const format of ['png', 'tiff', 'psd', 'jpeg', 'webp'] as ExportFormat[]) {
      const mem = await call<{ fileName: string; data: Uint8Array }>('export:image', { projectId, format });
      if (!mem.ok) throw new Error(mem.error.message);
      const prepared = await call<{ href: string; fileName: string }>(WEB_DOWNLOAD_CALL, {
        projectId,
        format,
      });
      expect(prepared.ok, format).toBe(true);
      if (!prepared.ok) return;
      expect(prepared.value.fileName).toBe(mem.value.fileName);
      expect(prepared.value.href).toMatch(/^\.\/download\/[0-9a-f]{32}$/);
      const res = await fetchLink(prepared.value.href);
      expect(res.status, format).toBe(200);
      expect(res.headers.get('content-disposition')).toContain(`filename="${mem.value.fileName}"`);
      const body = new Uint8Array(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(Buffer.compare(Buffer.from(body), Buffer.from(mem.value.data)), format).toBe(0);
      // A link works once.
      expect((await fetchLink(prepared.value.href)).status).toBe(404);
    }
  }, 60_000);

  it('refuses links it never made, and needs the token', async () => {
    expect((await fetchLink('./download/' + '0'.repeat(32))).status).toBe(404);
    expect((await fetchLink('./download/not-an-id')).status).toBe(404);
    expect((await fetchLink('./download/%2e%2e%2findex.html')).status).toBe(404);
    const prepared = await call<{ href: string }>(WEB_DOWNLOAD_CALL, { projectId, format: 'png' });
    if (!prepared.ok) throw new Error(prepared.error.message);
    const anonymous = await fetch(new URL(prepared.value.href, `http://127.0.0.1:${host.port}/`));
    expect(anonymous.status).toBe(401);
    expect((await fetchLink(prepared.value.href)).status).toBe(200);
  });

  it('answers errors in one sentence before any download', async () => {
    const bad = await call(WEB_DOWNLOAD_CALL, { projectId, format: 'bmp' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const closed = await call(WEB_DOWNLOAD_CALL, { projectId: 'p-not-open', format: 'png' });
    expect(closed).toMatchObject({ ok: false, error: { code: 'not-found' } });
    if (!closed.ok) expect(closed.error.message).toMatch(/^[^.]*;[^.]*\.$/);
  });
});

describe('WebDownloads', () => {
  it('keeps a file only until it is fetched, or the host closes', async () => {
    const tt = tempDir();
    try {
      const workspace = {
        exportImageToFile: async (_req: unknown, target: string | ((n: string) => string)) => {
          const file = typeof target === 'string' ? target : target('x-edited.png');
          writeFileSync(file, 'the file');
          return { file, bytes: 8 };
        },
      };
      const d = await WebDownloads.create(workspace, tt.dir);
      const a = await d.prepare({ projectId: 'p1', format: 'png' });
      const b = await d.prepare({ projectId: 'p1', format: 'png' });
      if (!a.ok || !b.ok) throw new Error('not prepared');
      expect(readdirSync(d.dir)).toHaveLength(2);
      const chunks: Buffer[] = [];
      const { Writable } = await import('node:stream');
      const res = Object.assign(
        new Writable({
          write(c: Buffer, _e, cb) {
            chunks.push(c);
            cb();
          },
        }),
        { writeHead: () => res },
      );
      const id = a.value.href.split('/').pop()!;
      expect(await d.serve(id, res as never)).toBe(true);
      expect(Buffer.concat(chunks).toString()).toBe('the file');
      expect(readdirSync(d.dir)).toHaveLength(1);
      expect(await d.serve(id, res as never)).toBe(false);
      await d.close();
      expect(existsSync(d.dir)).toBe(false);
    } finally {
      tt.cleanup();
    }
  });

  it('keeps at most a few links never followed (the oldest go), and keeps nothing once closing', async () => {
    const tt = tempDir();
    try {
      let release: (() => void) | null = null;
      let hold = false;
      const workspace = {
        exportImageToFile: async (_req: unknown, target: string | ((n: string) => string)) => {
          const file = typeof target === 'string' ? target : target('x-edited.png');
          writeFileSync(file, 'the file');
          if (hold) await new Promise<void>((r) => (release = r));
          return { file, bytes: 8 };
        },
      };
      const d = await WebDownloads.create(workspace, tt.dir);
      const ids: string[] = [];
      for (let i = 0; i < MAX_PENDING_DOWNLOADS + 3; i++) {
        const r = await d.prepare({ projectId: 'p1', format: 'png' });
        if (!r.ok) throw new Error(r.error.message);
        ids.push(r.value.href.split('/').pop()!);
      }
      expect(readdirSync(d.dir).sort()).toEqual(ids.slice(-MAX_PENDING_DOWNLOADS).sort());
      const res = { writeHead: () => res, end: () => undefined };
      expect(await d.serve(ids[0]!, res as never, true)).toBe(false);

      // An export still encoding when the host closes leaves no file behind and answers why.
      hold = true;
      const late = d.prepare({ projectId: 'p1', format: 'png' });
      for (let i = 0; i < 100 && !release; i++) await new Promise((r) => setTimeout(r, 10));
      await d.close();
      release!();
      const answer = await late;
      expect(answer.ok).toBe(false);
      if (!answer.ok) expect(answer.error.message).toMatch(/^Maskroom is closing, .*; export again/);
      expect(existsSync(d.dir)).toBe(false);
    } finally {
      tt.cleanup();
    }
  });
});
