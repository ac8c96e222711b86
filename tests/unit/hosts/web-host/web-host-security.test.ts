/**
 * The web host's own defences, proven on loopback: its outbound network guard (a result URL pointing at
 * another local port is never fetched), the library folder the page may choose, the request body limits,
 * and the files it serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as undiciRequest } from 'undici';
import sharp from 'sharp';
import { startWebHost, type WebHost } from '../../../../electron/hosts/web-host';
import { decodeWire, encodeWire, WIRE_CONTENT_TYPE } from '../../../../shared/wire';
import type { JobStatus, ProjectState, WireResult } from '../../../../shared/contract';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { tempDir } from '../../../support/temp';
import { recordingServer, type RecordingServer } from '../../../support/recording-server';

/** A minimal built renderer: the index, the bridge entry, an asset, its source map and a second page. */
function fakeRenderer(dir: string): string {
  const root = path.join(dir, 'renderer');
  mkdirSync(path.join(root, '.vite'), { recursive: true });
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  mkdirSync(path.join(root, 'canvas', 'dev'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
  writeFileSync(
    path.join(root, '.vite', 'manifest.json'),
    JSON.stringify({ 'web-bridge.ts': { file: 'assets/web-bridge.js', isEntry: true, name: 'web-bridge' } }),
  );
  writeFileSync(path.join(root, 'assets', 'web-bridge.js'), 'export {};');
  writeFileSync(path.join(root, 'assets', 'web-bridge.js.map'), '{"sources":["../../secret/src.ts"]}');
  writeFileSync(path.join(root, 'canvas', 'dev', 'bench.html'), '<!doctype html><p>bench</p>');
  return root;
}

/** A loopback server that must never be reached: it records every request and answers with an image. */
async function internalAdmin(): Promise<RecordingServer> {
  const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#f00' } })
    .png()
    .toBuffer();
  return recordingServer((res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
}

/**
 * A "service" that answers like the fake but names its result on another local port: it forwards every
 * request to the fake and rewrites the output URLs in its JSON answers.
 */
async function rewritingService(
  fake: FakeSegmind,
  target: string,
): Promise<{ base: string; close(): Promise<void> }> {
  const fakeOrigin = new URL(fake.apiBase).origin;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = http.request(
        `${fakeOrigin}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(fakeOrigin).host } },
        (r) => {
          const body: Buffer[] = [];
          r.on('data', (c: Buffer) => body.push(c));
          r.on('end', () => {
            let out = Buffer.concat(body);
            const headers = { ...r.headers };
            if (String(r.headers['content-type']).includes('json')) {
              out = Buffer.from(
                out.toString('utf8').replaceAll(`${fake.outputBase}/`, `${target}/internal-admin/`),
              );
              headers['content-length'] = String(out.length);
            }
            res.writeHead(r.statusCode ?? 500, headers).end(out);
          });
        },
      );
      up.on('error', () => res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * One HTTP exchange over a plain socket. The host's guard watches every HTTP client of this process (it
 * would refuse the test's own requests to the host, which is not an edit service), not raw sockets.
 */
function exchange(
  port: number,
  head: string,
  body: Uint8Array | null,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no answer within 10 s'))), 10_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error('the host closed the connection without an answer'));
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let rest = all.subarray(split + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = [];
        for (let guard = 0; guard < 10_000 && rest.length > 0; guard++) {
          const eol = rest.indexOf('\r\n');
          const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
          if (!size) break;
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          rest = rest.subarray(eol + 2 + size + 2);
        }
        rest = Buffer.concat(parts);
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body: rest });
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}

async function call<T>(
  host: WebHost,
  name: string,
  request: unknown,
): Promise<{ status: number; result: WireResult<T> }> {
  const body = encodeWire(request);
  const res = await exchange(
    host.port,
    apiHead(host, name, { 'Content-Length': String(body.length), Connection: 'close' }),
    body,
  );
  return { status: res.status, result: decodeWire(new Uint8Array(res.body)) as WireResult<T> };
}

async function get(host: WebHost, p: string) {
  return exchange(
    host.port,
    `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nX-Maskroom-Token: ${host.token}\r\nConnection: close\r\n\r\n`,
    null,
  );
}

/** Waits (at most 20 s) for a job of the host to end; returns its last status. */
function jobEnd(host: WebHost): Promise<JobStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('the edit did not end within 20 s'))), 20_000);
    const off = host.core.events.subscribe((name, payload) => {
      const s = payload as JobStatus;
      if (name === 'job:progress' && ['done', 'failed', 'cancelled'].includes(s.state)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

async function editThrough(host: WebHost): Promise<{ job: JobStatus; state: ProjectState }> {
  const photo = new Uint8Array(
    await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#3a6' } })
      .jpeg()
      .toBuffer(),
  );
  const created = await call<ProjectState>(host, 'project:create', { name: 'p.jpg', photo });
  if (!created.result.ok) throw new Error(created.result.error.message);
  const project = created.result.value;
  const mask = new Uint8Array(1024 * 1024);
  mask.fill(255, 300 * 1024, 700 * 1024);
  const ended = jobEnd(host);
  const run = await call(host, 'edit:run', {
    projectId: project.id,
    prompt: 'make it blue',
    params: {},
    mask: { kind: 'raw', width: 1024, height: 1024, data: mask },
  });
  if (!run.result.ok) throw new Error(run.result.error.message);
  const job = await ended;
  const open = await call<ProjectState>(host, 'project:open', { projectId: project.id });
  return { job, state: open.result.ok ? open.result.value : project };
}

let fake: FakeSegmind;
let admin: Awaited<ReturnType<typeof internalAdmin>>;
let service: Awaited<ReturnType<typeof rewritingService>>;
const dirs: { cleanup(): void }[] = [];

beforeAll(async () => {
  fake = await startFakeSegmind();
  admin = await internalAdmin();
  service = await rewritingService(fake, admin.base);
});
afterAll(async () => {
  await service?.close();
  await admin?.close();
  await fake?.close();
  for (const d of dirs) d.cleanup();
});

async function host(
  o: {
    guard?: boolean;
    bodyLimits?: Parameters<typeof startWebHost>[0] extends infer T
      ? T extends { bodyLimits?: infer B }
        ? B
        : never
      : never;
  } = {},
) {
  const t = tempDir();
  dirs.push(t);
  const lib = path.join(t.dir, 'lib');
  const logs: string[] = [];
  const h = await startWebHost({
    libraryDir: lib,
    rendererDir: fakeRenderer(t.dir),
    env: {
      MASKROOM_LIBRARY: lib,
      SEGMIND_API_BASE: `${service.base}/api`,
      SEGMIND_STORAGE_BASE: `${service.base}/storage`,
      SEGMIND_API_KEY: fake.apiKey,
    },
    log: (m) => void logs.push(m),
    ...o,
  });
  return { h, logs, dir: t.dir };
}

describe('the web host installs the network guard', () => {
  it(
    'a result URL on another local port is never fetched and the edit fails with one clear sentence',
    { timeout: 40_000 },
    async () => {
      const { h } = await host();
      try {
        expect(h.guard).not.toBeNull();
        const before = admin.hits.length;
        const { job, state } = await editThrough(h);
        expect(admin.hits.slice(before)).toEqual([]);
        expect(job.state).toBe('failed');
        expect(state.layers).toEqual([]);
        const message = job.error?.message ?? '';
        expect(message).toMatch(/\S/);
        expect(message.trim().split(/(?<=[.!?])\s+/)).toHaveLength(1);
        expect(message).not.toMatch(/internal error|stack|undefined/i);
        // Any request of the process to that port is refused before it is sent.
        await expect(undiciRequest(`${admin.base}/internal-admin/x`)).rejects.toThrow(/blocked a connection/);
        expect(admin.hits.slice(before)).toEqual([]);
        expect(h.guard?.blocked.some((b) => b.includes(admin.base))).toBe(true);
      } finally {
        await h.close();
      }
      // Closing the host removes its guard.
      const res = await undiciRequest(`${admin.base}/after-close`);
      await res.body.dump();
      expect(admin.hits).toContain('GET /after-close');
    },
  );
});

describe('the library folder from the page', () => {
  it('refuses a root, relative paths and shares, and never creates a folder the page names', async () => {
    const { h, dir } = await host();
    try {
      for (const libraryDir of [
        '/',
        '.',
        'relative/lib',
        '../../..',
        '//server/share',
        '\\\\server\\share\\x',
        path.join(dir, 'missing'),
      ]) {
        const r = await call(h, 'settings:update', { libraryDir });
        expect(r.result.ok, libraryDir).toBe(false);
      }
      expect(existsSync(path.join(dir, 'missing'))).toBe(false);
      expect(h.core.settings.get().libraryDir).toBe(path.join(dir, 'lib'));
      const other = path.join(dir, 'other-lib');
      mkdirSync(other);
      expect((await call(h, 'settings:update', { libraryDir: other })).result.ok).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('refuses to start on a root folder', async () => {
    await expect(
      startWebHost({ libraryDir: '/', rendererDir: '/nonexistent', guard: false }),
    ).rejects.toThrow(/library folder/);
  });
});

/** Sends raw bytes and returns the status line's code (or 'closed' if the host hung up without one). */
function raw(port: number, head: string, body: Buffer | null, waitMs = 5000): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => (socket.destroy(), resolve('closed')), waitMs);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}

function apiHead(h: WebHost, name: string, headers: Record<string, string>): string {
  const lines = [
    `POST /api/${name} HTTP/1.1`,
    `Host: 127.0.0.1:${h.port}`,
    `Content-Type: ${WIRE_CONTENT_TYPE}`,
    `X-Maskroom-Token: ${h.token}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('request bodies are bounded', () => {
  it('answers an oversized Content-Length with 413 at once, for every call, without reading the body', async () => {
    const { h } = await host();
    try {
      for (const [name, over] of [
        ['settings:update', 1024 * 1024 + 1],
        ['project:create', 2 * 1024 ** 3],
        ['edit:run', 2 * 1024 ** 3],
        ['app:info', 10 * 1024 ** 3],
        ['no:such-call', 5 * 1024 * 1024],
      ] as const)
        expect(await raw(h.port, apiHead(h, name, { 'Content-Length': String(over) }), null), name).toBe(413);
      const r = await call(h, 'app:info', {});
      expect(r.result.ok).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('stops a chunked body at the call budget, with a sentence the page can show', async () => {
    const { h } = await host({ bodyLimits: { perCall: { 'settings:update': 64 * 1024 } } });
    try {
      const chunk = Buffer.alloc(4096, 1);
      const chunked = Buffer.concat(
        Array.from({ length: 64 }, () =>
          Buffer.concat([Buffer.from('1000\r\n'), chunk, Buffer.from('\r\n')]),
        ),
      );
      const res = await exchange(
        h.port,
        apiHead(h, 'settings:update', { 'Transfer-Encoding': 'chunked', Connection: 'close' }),
        Buffer.concat([chunked, Buffer.from('0\r\n\r\n')]),
      );
      expect(res.status).toBe(413);
      const out = decodeWire(new Uint8Array(res.body)) as WireResult<unknown>;
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.error).toMatchObject({ code: 'too-large' });
        expect(out.error.message).toMatch(/smaller photo or fewer reference images\.$/);
      }
    } finally {
      await h.close();
    }
  });

  it('takes a bounded number of bodies at once and drops one that stalls', async () => {
    // The idle limit is far longer than the host takes to see the two held bodies on a loaded machine, so the
    // third call always meets both slots taken; the wait for their 408s is bounded well past it.
    const { h } = await host({ bodyLimits: { concurrent: 2, idleMs: 2000 } });
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = net.connect(h.port, '127.0.0.1');
        held.push(s);
        s.on('error', () => undefined);
        s.write(apiHead(h, 'settings:update', { 'Content-Length': '1000' }));
        s.write('x');
      }
      // Until the host has read both heads a call may still get a slot (and is answered): wait for the refusal.
      const third = () => raw(h.port, apiHead(h, 'app:info', { 'Content-Length': '10' }), Buffer.alloc(10));
      let status = await third();
      for (let i = 0; i < 50 && status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = await third();
      }
      expect(status).toBe(503);
      // The held bodies send nothing more: each is answered 408 within its idle limit.
      const answers = await Promise.all(
        held.map(
          (s) =>
            new Promise<string>((resolve) => {
              let text = '';
              const t = setTimeout(() => resolve(text), 15_000);
              s.on('data', (d) => {
                text += d.toString('latin1');
                if (/^HTTP\/1\.1 \d{3}/.test(text)) {
                  clearTimeout(t);
                  resolve(text);
                }
              });
              s.on('close', () => (clearTimeout(t), resolve(text)));
            }),
        ),
      );
      for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 408/);
      // With the slots free again, calls go through.
      expect((await call(h, 'app:info', {})).result.ok).toBe(true);
    } finally {
      for (const s of held) s.destroy();
      await h.close();
    }
  });

  it('answers a malformed call name with 400, not 500', async () => {
    const { h } = await host();
    try {
      for (const bad of ['%E0%A4%A', '%', '%ZZ', 'settings%3'])
        expect(await raw(h.port, apiHead(h, bad, { 'Content-Length': '0' }), null), bad).toBe(400);
    } finally {
      await h.close();
    }
  });
});

describe('what the web host serves', () => {
  it('never serves source maps or the build manifest, and sends the CSP with every page', async () => {
    const { h } = await host();
    try {
      for (const p of ['/assets/web-bridge.js.map', '/.vite/manifest.json', '/%2evite/manifest.json']) {
        expect((await get(h, p)).status, p).toBe(404);
      }
      expect((await get(h, '/assets/web-bridge.js')).status).toBe(200);
      for (const p of ['/', '/canvas/dev/bench.html']) {
        const r = await get(h, p);
        expect(r.status, p).toBe(200);
        expect(r.headers['content-security-policy'], p).toContain("script-src 'self'");
      }
    } finally {
      await h.close();
    }
  });
});
