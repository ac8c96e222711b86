/**
 * The web host: serves the built renderer and the same handler table as the Electron IPC binding, over
 * HTTP on loopback, for tests and for use without Electron.
 *
 * Security: binds 127.0.0.1 only; every request needs the session token (query on the first page load,
 * then an HttpOnly SameSite=Strict cookie or the x-maskroom-token header); a request whose Origin or Host is
 * not this server's own is refused, so another web page in the user's browser cannot drive it. Request
 * bodies are bounded (per call, in total, in number and in time); outbound requests go through the same
 * network guard as Electron main (electron/core/network-guard.ts). See docs/security.md.
 */
import http from 'node:http';
import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppCore, type AppCore } from '../core/app';
import { dispatch } from '../core/dispatch';
import { JsonFilePrefsStore, MemorySecretStore, checkLibraryDir, defaultLibraryDir } from '../core/settings';
import { installHostGuard, type HostGuard } from '../core/network-guard';
import { DEFAULT_LIMITS } from '../core/imaging/types';
import { MAX_REFERENCES } from '../core/edit-api/params';
import { decodeWire, encodeWire, WIRE_CONTENT_TYPE } from '../../shared/wire';
import { calls, type CallName, type WireResult } from '../../shared/contract';
import type { ErrorCode } from '../../shared/errors';
import { WEB_CSP } from '../../shared/csp';
import { WEB_DOWNLOAD_CALL } from '../../shared/ipc-channels';
import { WebDownloads } from './web-downloads';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_RENDERER_DIR = path.join(repoRoot, 'dist', 'renderer');
const COOKIE = 'maskroom_token';
const MB = 1024 * 1024;

/**
 * The largest body each call can need, from what shared/contract.ts lets it carry (the wire framing and
 * JSON fields fit in the extra megabyte). Every other call carries a few fields: 1 MB.
 * - project:create: one photo, at most the imaging limit on a photo file.
 * - edit:run: a raw mask of the largest photo imaging accepts (one byte per pixel) and MAX_REFERENCES
 *   reference images of up to 50 MB each (the service's limit), plus the prompt.
 */
export const BODY_BUDGET: Readonly<Record<CallName, number>> = Object.fromEntries(
  (Object.keys(calls) as CallName[]).map((name) => [name, MB]),
) as Record<CallName, number>;
Object.assign(BODY_BUDGET, {
  'project:create': DEFAULT_LIMITS.maxFileBytes + MB,
  'edit:run': DEFAULT_LIMITS.maxPixels + MAX_REFERENCES * 50 * MB + MB,
  // The photos of a batch travel in one call (with a raw mask): up to 1 GiB, within the total budget.
  'batch:start': 1024 * MB,
} satisfies Partial<Record<CallName, number>>);

export interface BodyLimits {
  /** Bodies being received at once; more get 503 (default 4). */
  concurrent: number;
  /** Bytes all bodies in progress may hold together; more get 503 (default 1.5 GiB). */
  totalBytes: number;
  /** A body that sends nothing for this long is dropped with 408 (default 60 s). */
  idleMs: number;
  /** Per-call caps (default BODY_BUDGET). */
  perCall: Readonly<Record<string, number>>;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  concurrent: 4,
  totalBytes: 1536 * MB,
  idleMs: 60_000,
  perCall: BODY_BUDGET,
};

// The policy lives in shared/csp.ts so the Electron shell sends the same one (or a stricter one).
export { WEB_CSP };

export interface WebHostOptions {
  port?: number;
  libraryDir?: string;
  rendererDir?: string;
  token?: string;
  /** Supply a ready core (tests); otherwise one is made with JSON preferences in the library folder. */
  core?: AppCore;
  env?: Record<string, string | undefined>;
  /** Install the outbound network guard in this process (default true). */
  guard?: boolean;
  /** Request body limits (tests shrink them). */
  bodyLimits?: Partial<BodyLimits>;
  log?: (msg: string) => void;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  core: AppCore;
  /** The outbound guard this host installed (null with guard: false). */
  guard: HostGuard | null;
  close(): Promise<void>;
}

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.json': 'application/json',
};

export async function startWebHost(o: WebHostOptions = {}): Promise<WebHost> {
  const env = { ...(o.env ?? process.env) };
  const log = o.log ?? ((msg: string) => void process.stderr.write(`[maskroom] ${msg}\n`));
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...o.bodyLimits };
  // The folder named on the command line (or by the environment) is the user's own choice: created here.
  // The page can later choose only a folder that already exists (the settings service has no hook to ask).
  const libraryDir = checkLibraryDir(path.resolve(o.libraryDir ?? defaultLibraryDir(env)));
  env.MASKROOM_LIBRARY = libraryDir;
  const rendererDir = o.rendererDir ?? DEFAULT_RENDERER_DIR;
  const indexHtml = await loadIndex(rendererDir);
  await fs.mkdir(libraryDir, { recursive: true });
  let coreRef: AppCore | null = o.core ?? null;
  /** This host's own origins, known once it listens: the Host/Origin checks and the guard use them. */
  let selfOrigins: string[] = [];
  const guard =
    o.guard === false
      ? null
      : installHostGuard(
          () => {
            const s = coreRef?.settings.get();
            return { apiBase: s?.apiBase ?? '', storageBase: s?.storageBase ?? '' };
          },
          env,
          log,
          () => selfOrigins,
        );
  let core: AppCore;
  try {
    core =
      o.core ??
      createAppCore({
        host: 'web',
        prefs: new JsonFilePrefsStore(path.join(libraryDir, '.maskroom-web-preferences.json')),
        secrets: new MemorySecretStore(),
        env,
        ...(guard ? { trustDownload: guard.trustDownload } : {}),
      });
    coreRef = core;
    if (!o.core && o.libraryDir) await core.settings.update({ libraryDir });
  } catch (e) {
    guard?.uninstall();
    throw e;
  }
  // Save As and drag-out: the export encoded into a file of the host's, then downloaded from it.
  let downloads: WebDownloads;
  try {
    downloads = await WebDownloads.create(core.workspace);
  } catch (e) {
    if (!o.core) await core.dispose();
    guard?.uninstall();
    throw e;
  }
  let bodiesInFlight = 0;
  let bytesInFlight = 0;
  const token = o.token ?? randomBytes(24).toString('base64url');
  const streams = new Set<http.ServerResponse>();
  const unsubscribe = core.events.subscribe((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(frame);
  });

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // DNS rebinding and cross-site requests: only our own host name and origin are served.
    const hostHeader = req.headers.host ?? '';
    if (!selfOrigins.includes(`http://${hostHeader}`)) return refuse(res, 403, 'unknown host');
    const origin = req.headers.origin;
    if (origin !== undefined && !selfOrigins.includes(origin)) return refuse(res, 403, 'foreign origin');
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site') return refuse(res, 403, 'cross-site request');

    const presented =
      url.searchParams.get('token') ?? header(req, 'x-maskroom-token') ?? readCookie(req, COOKIE);
    if (!presented || !sameToken(presented, token)) return refuse(res, 401, 'missing or wrong token');

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'POST only');
      if (req.headers['content-type'] !== WIRE_CONTENT_TYPE) return refuse(res, 415, 'wrong content type');
      let channel: string;
      try {
        channel = decodeURIComponent(url.pathname.slice('/api/'.length));
      } catch {
        return answerError(res, 400, 'invalid-input', 'The request named no valid call; reload the page.');
      }
      const budget = Object.hasOwn(limits.perCall, channel) ? (limits.perCall[channel] ?? MB) : MB;
      const declared = req.headers['content-length'];
      const length = declared === undefined ? null : Number(declared);
      if (length !== null && !(Number.isSafeInteger(length) && length >= 0))
        return answerError(
          res,
          400,
          'invalid-input',
          'The request had an unreadable length; reload the page.',
        );
      if (length !== null && length > budget) return answerError(res, 413, 'too-large', tooLarge(budget));
      // Reserve the declared size (or the call's budget for a body of unknown length) before reading.
      const reserve = length ?? budget;
      if (bodiesInFlight >= limits.concurrent || bytesInFlight + reserve > limits.totalBytes)
        return answerError(
          res,
          503,
          'rate-limited',
          'Maskroom is still receiving other uploads; wait a moment and try again.',
        );
      bodiesInFlight++;
      bytesInFlight += reserve;
      let body: Uint8Array;
      try {
        body = await readBody(req, budget, limits.idleMs);
      } catch (e) {
        if (e instanceof BodyError)
          return answerError(
            res,
            e.status,
            e.status === 413 ? 'too-large' : 'timeout',
            e.status === 413 ? tooLarge(budget) : e.message,
          );
        return answerError(
          res,
          400,
          'invalid-input',
          'The request could not be read; reload the page and try again.',
        );
      } finally {
        bodiesInFlight--;
        bytesInFlight -= reserve;
      }
      let result: WireResult<unknown>;
      try {
        result =
          channel === WEB_DOWNLOAD_CALL
            ? await downloads.prepare(decodeWire(body))
            : await dispatch(core.handlers, channel, decodeWire(body));
      } catch (e) {
        result = {
          ok: false,
          error: {
            code: 'invalid-input',
            message: `The request could not be read (${(e as Error).message}).`,
          },
        };
      }
      const out = encodeWire(result);
      res.writeHead(200, {
        'content-type': WIRE_CONTENT_TYPE,
        'content-length': out.length,
        'cache-control': 'no-store',
      });
      res.end(out);
      return;
    }
    if (url.pathname === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      streams.add(res);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(ping);
        streams.delete(res);
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'GET only');
    if (url.pathname.startsWith('/download/')) {
      const id = url.pathname.slice('/download/'.length);
      if (!(await downloads.serve(id, res, req.method === 'HEAD'))) refuse(res, 404, 'no such download');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, {
        'content-type': mimeTypes['.html'],
        'content-security-policy': WEB_CSP,
        'cache-control': 'no-store',
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(indexHtml);
      return;
    }
    const file = confine(rendererDir, url.pathname);
    // Only what the page loads: no source maps, no build manifest, nothing of an unknown type.
    if (!file || !Object.hasOwn(mimeTypes, path.extname(file)) || path.extname(file) === '.json')
      return refuse(res, 404, 'not found');
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      return refuse(res, 404, 'not found');
    }
    const html = path.extname(file) === '.html';
    res.writeHead(200, {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
      // Any other page of the build (the canvas test page) runs under the app's policy too.
      ...(html ? { 'content-security-policy': WEB_CSP, 'referrer-policy': 'no-referrer' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  selfOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    core,
    guard,
    async close() {
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await downloads.close();
      if (!o.core) await core.dispose();
      guard?.uninstall();
    },
  };
}

async function loadIndex(rendererDir: string): Promise<string> {
  let html: string;
  let manifest: Record<string, { file: string; isEntry?: boolean; name?: string }>;
  try {
    html = await fs.readFile(path.join(rendererDir, 'index.html'), 'utf8');
    manifest = JSON.parse(await fs.readFile(path.join(rendererDir, '.vite', 'manifest.json'), 'utf8'));
  } catch {
    throw new Error(`The renderer is not built (${rendererDir} is missing); run npm run build first.`);
  }
  const bridge = Object.values(manifest).find((m) => m.isEntry && m.name === 'web-bridge');
  if (!bridge) throw new Error('The renderer build has no web-bridge entry; run npm run build again.');
  // The bridge must define window.maskroom before the app's module runs: module scripts run in order.
  return html.replace('<head>', `<head>\n    <script type="module" src="./${bridge.file}"></script>`);
}

function confine(root: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const full = path.resolve(root, `.${path.posix.normalize(rel)}`);
  const relative = path.relative(root, full);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  if (relative.split(path.sep).some((part) => part.startsWith('.'))) return null;
  return full;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refuse(res: http.ServerResponse, status: number, why: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`Maskroom web host: ${why}\n`);
}

class BodyError extends Error {
  constructor(
    readonly status: 408 | 413,
    message: string,
  ) {
    super(message);
  }
}

function tooLarge(budget: number): string {
  return `The request is larger than Maskroom accepts for this action (${Math.round(budget / MB)} MB); use a smaller photo or fewer reference images.`;
}

/** An API refusal the page can read: the status, and a wire-encoded error with one sentence. */
function answerError(res: http.ServerResponse, status: number, code: ErrorCode, message: string): void {
  const out = encodeWire({ ok: false, error: { code, message } });
  res.writeHead(status, {
    'content-type': WIRE_CONTENT_TYPE,
    'content-length': out.length,
    'cache-control': 'no-store',
    // The rest of a refused body is not read: the connection is closed after the answer.
    connection: 'close',
    ...(status === 503 ? { 'retry-after': '2' } : {}),
  });
  res.end(out);
}

/** Reads a body of at most `limit` bytes that never stalls for `idleMs`; otherwise fails with BodyError. */
function readBody(req: http.IncomingMessage, limit: number, idleMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | null = null;
    const stop = (err: Error | null) => {
      if (timer) clearTimeout(timer);
      timer = null;
      req.off('data', onData);
      if (err) {
        req.pause();
        reject(err);
      }
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () =>
          stop(
            new BodyError(
              408,
              `The upload stalled for ${Math.round(idleMs / 1000)} seconds; check that Maskroom is still running and try again.`,
            ),
          ),
        idleMs,
      );
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return stop(new BodyError(413, 'too large'));
      chunks.push(c);
      arm();
    };
    arm();
    req.on('data', onData);
    req.on('end', () => {
      stop(null);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('error', (e) => {
      stop(null);
      reject(e);
    });
    req.on('close', () => {
      if (timer) stop(new Error('the connection closed'));
    });
  });
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, library: { type: 'string' } },
    strict: true,
  });
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`maskroom web: --port must be a number from 0 to 65535, not "${values.port}".\n`);
    process.exit(1);
  }
  const libraryDir = values.library
    ? path.resolve(values.library.replace(/^~(?=$|\/)/, os.homedir()))
    : undefined;
  try {
    const host = await startWebHost({ port, libraryDir });
    process.stdout.write(`Maskroom web host: ${host.url}\n`);
    const stop = () => void host.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    process.stderr.write(`maskroom web: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void cli();
