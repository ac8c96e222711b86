/**
 * The web host: serves the built renderer and the same handler table as the Electron IPC binding, over
 * HTTP on loopback, for tests and for use without Electron.
 *
 * Security: binds 127.0.0.1 only; every request needs the session token (query on the first page load,
 * then an HttpOnly SameSite=Strict cookie or the x-maskroom-token header); a request whose Origin or Host is
 * not this server's own is refused, so another web page in the user's browser cannot drive it.
 */
import http from 'node:http';
import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppCore, type AppCore } from './app';
import { dispatch } from './dispatch';
import { JsonFilePrefsStore, MemorySecretStore, defaultLibraryDir } from './services/settings';
import { decodeWire, encodeWire, WIRE_CONTENT_TYPE } from '../shared/wire';
import type { WireResult } from '../shared/contract';
import { WEB_CSP } from '../shared/csp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_RENDERER_DIR = path.join(repoRoot, 'dist', 'renderer');
const MAX_BODY_BYTES = 1024 * 1024 * 1024;
const COOKIE = 'maskroom_token';

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
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  core: AppCore;
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
  '.map': 'application/json',
};

export async function startWebHost(o: WebHostOptions = {}): Promise<WebHost> {
  const env = { ...(o.env ?? process.env) };
  const libraryDir = path.resolve(o.libraryDir ?? defaultLibraryDir(env));
  env.MASKROOM_LIBRARY = libraryDir;
  const rendererDir = o.rendererDir ?? DEFAULT_RENDERER_DIR;
  const indexHtml = await loadIndex(rendererDir);
  await fs.mkdir(libraryDir, { recursive: true });
  const core =
    o.core ??
    createAppCore({
      host: 'web',
      prefs: new JsonFilePrefsStore(path.join(libraryDir, '.maskroom-web-preferences.json')),
      secrets: new MemorySecretStore(),
      env,
    });
  if (!o.core && o.libraryDir) await core.settings.update({ libraryDir });
  const token = o.token ?? randomBytes(24).toString('base64url');
  const streams = new Set<http.ServerResponse>();
  const unsubscribe = core.events.subscribe((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(frame);
  });

  let selfOrigins: string[] = [];
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
      const channel = decodeURIComponent(url.pathname.slice('/api/'.length));
      let result: WireResult<unknown>;
      try {
        const body = await readBody(req, MAX_BODY_BYTES);
        result = await dispatch(core.handlers, channel, decodeWire(body));
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
    if (!file) return refuse(res, 404, 'not found');
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      return refuse(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
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
    async close() {
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!o.core) await core.dispose();
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

function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('the request is larger than the web host accepts'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
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
