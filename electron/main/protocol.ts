/**
 * The app's own scheme. The renderer is loaded from maskroom://app/ (never file://). Every path is
 * confined: a request can only reach a file of the renderer bundle, symlinks included. Nothing else is
 * served: photos and layers reach the page as bytes through the handler table, never as URLs of the
 * library folder. No Electron import: main.ts passes this handler to protocol.handle.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { ELECTRON_CSP } from '../../shared/csp';

export const APP_SCHEME = 'maskroom';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Privileges for protocol.registerSchemesAsPrivileged: a standard, secure origin that fetch() may read. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  stream: true,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
} as const;

/** True for a URL of the app itself (maskroom://app/...). URL.origin is "null" for custom schemes. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

const rendererTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/**
 * Resolves a URL path (still percent-encoded) under root, or null when it would leave root, names a
 * hidden file or folder, or is malformed. Lexical only: realpath confinement is checked on access.
 */
export function confinePath(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/').filter((p) => p !== '');
  if (parts.length === 0) return null;
  if (parts.some((p) => p === '..' || p.startsWith('.') || /^[a-zA-Z]:$/.test(p))) return null;
  const full = path.resolve(root, ...parts);
  return isInside(root, full) ? full : null;
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(candidate));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export interface ProtocolRoots {
  rendererDir: string;
}

export type Resolved =
  | { kind: 'file'; file: string; root: string; contentType: string; html: boolean }
  | { kind: 'refuse'; status: 400 | 403 | 404 | 405; reason: string };

/** Maps one request to a file, or says why not. Pure: no file system access. */
export function resolveAppRequest(method: string, url: string, roots: ProtocolRoots): Resolved {
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'refuse', status: 405, reason: 'GET only' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: 'refuse', status: 400, reason: 'malformed URL' };
  }
  if (!isAppUrl(url)) return { kind: 'refuse', status: 403, reason: 'not the app origin' };
  const p = u.pathname === '/' ? '/index.html' : u.pathname;
  const file = confinePath(roots.rendererDir, p);
  if (!file) return { kind: 'refuse', status: 404, reason: 'not found' };
  const ext = path.extname(file).toLowerCase();
  const type = rendererTypes[ext];
  if (!type) return { kind: 'refuse', status: 404, reason: 'not found' };
  return { kind: 'file', file, root: roots.rendererDir, contentType: type, html: ext === '.html' };
}

export interface ProtocolFs {
  realpath(p: string): Promise<string>;
  readFile(p: string): Promise<Uint8Array>;
}

const nodeFs: ProtocolFs = {
  realpath: (p) => fsp.realpath(p),
  readFile: (p) => fsp.readFile(p),
};

/** Headers sent with every response of the app scheme. */
export function responseHeaders(contentType: string, html: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': contentType,
    'x-content-type-options': 'nosniff',
    'cache-control': html ? 'no-store' : 'no-cache',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (html) {
    h['content-security-policy'] = ELECTRON_CSP;
    h['referrer-policy'] = 'no-referrer';
  }
  return h;
}

/** The handler for protocol.handle(APP_SCHEME, ...): a fetch-style Request in, a Response out. */
export function createAppProtocolHandler(
  roots: ProtocolRoots,
  fs: ProtocolFs = nodeFs,
  log: (msg: string) => void = () => undefined,
): (req: { method: string; url: string }) => Promise<Response> {
  return async (req) => {
    const r = resolveAppRequest(req.method, req.url, roots);
    if (r.kind === 'refuse') {
      log(`refused ${req.method} ${req.url}: ${r.reason}`);
      return new Response(null, { status: r.status });
    }
    try {
      // Symlinks inside the root must not lead outside it.
      const [realRoot, realFile] = await Promise.all([fs.realpath(r.root), fs.realpath(r.file)]);
      if (!isInside(realRoot, realFile)) {
        log(`refused ${req.url}: resolves outside its folder`);
        return new Response(null, { status: 403 });
      }
      const body = await fs.readFile(realFile);
      return new Response(req.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
        status: 200,
        headers: responseHeaders(r.contentType, r.html),
      });
    } catch {
      return new Response(null, { status: 404 });
    }
  };
}
