/**
 * The main process's network guard. The only host Maskroom talks to is the configured edit service: its
 * API host, its storage host, and the host it serves results from. Every HTTP request made in main (undici,
 * fetch, node:http/https) is seen through Node's diagnostics channels before a byte of it is sent; one to
 * any other origin is failed with a clear error and logged. (The renderer's session has its own guard in
 * window.ts: it may load nothing but the app's own scheme.)
 *
 * Plain Node: no Electron import, so the tests install it and make real requests on loopback.
 */
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { AppError } from '../../shared/errors';

export interface HostPolicy {
  allows(url: string): boolean;
  /** The allowed origins and patterns, for logs and errors. */
  describe(): string[];
}

export interface EditServiceHosts {
  apiBase: string;
  storageBase: string;
}

function origin(u: URL): string {
  return `${u.protocol}//${u.host}`;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** "a.b.example.com" -> "example.com"; null for IPs, localhost and two-label names. */
export function parentDomain(host: string): string | null {
  if (net.isIP(host.replace(/^\[|\]$/g, '')) || !host.includes('.')) return null;
  const labels = host.split('.');
  return labels.length >= 3 ? labels.slice(-2).join('.') : null;
}

/**
 * The edit service's hosts, read live (Settings can change them):
 * - exactly the API and storage origins (scheme, host and port);
 * - over https on the default port, any host in the API host's own domain (results on its subdomains);
 * - the hosts in MASKROOM_ALLOWED_HOSTS ("host", "host:port" or "*.domain", comma-separated), for a
 *   service whose results live on another host;
 * - the configured proxies (HTTPS_PROXY / HTTP_PROXY), which undici connects to for the above.
 */
export function editServicePolicy(
  hosts: () => EditServiceHosts,
  env: Record<string, string | undefined> = process.env,
): HostPolicy {
  const extra = (env.MASKROOM_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const proxies = [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy]
    .map((p) => (p ? parse(p) : null))
    .filter((u): u is URL => u !== null)
    .map(origin);
  const current = () => {
    const h = hosts();
    const bases = [h.apiBase, h.storageBase].map(parse).filter((u): u is URL => u !== null);
    const api = parse(h.apiBase);
    const domain = api ? parentDomain(api.hostname) : null;
    return { origins: [...bases.map(origin), ...proxies], domain };
  };
  return {
    allows(url) {
      const u = parse(url);
      if (!u || !/^(https?|wss?):$/.test(u.protocol)) return false;
      const { origins, domain } = current();
      if (origins.includes(origin(u))) return true;
      const host = u.hostname.toLowerCase();
      if (
        domain &&
        u.protocol === 'https:' &&
        u.port === '' &&
        (host === domain || host.endsWith(`.${domain}`))
      )
        return true;
      return extra.some((e) => {
        if (e.startsWith('*.')) return host.endsWith(e.slice(1));
        return e === host || e === u.host.toLowerCase();
      });
    },
    describe() {
      const { origins, domain } = current();
      return [...origins, ...(domain ? [`https://*.${domain}`] : []), ...extra];
    },
  };
}

export function blockedError(url: string): AppError {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the raw text
  }
  return new AppError(
    'forbidden',
    `Maskroom blocked a connection to ${host} because it is not the configured edit service; check the API address in Settings, or add the host to MASKROOM_ALLOWED_HOSTS if your service serves results from it.`,
  );
}

interface UndiciRequestLike {
  origin?: unknown;
  path?: unknown;
  method?: unknown;
  error?: unknown;
}

interface HttpClientRequestLike {
  protocol?: string;
  host?: string;
  path?: string;
  getHeader?(name: string): unknown;
  destroy(err?: Error): void;
}

export interface NetworkGuard {
  /** Every request seen, allowed or not, as "METHOD url". */
  readonly seen: string[];
  readonly blocked: string[];
  uninstall(): void;
}

/** Subscribes to undici's and node:http's request channels; returns a handle to read the log and remove it. */
export function installNodeNetworkGuard(policy: HostPolicy, log: (msg: string) => void): NetworkGuard {
  const seen: string[] = [];
  const blocked: string[] = [];
  const remember = (list: string[], entry: string) => {
    list.push(entry);
    if (list.length > 500) list.shift();
  };

  const onUndici = (message: unknown) => {
    const req = (message as { request?: UndiciRequestLike }).request;
    if (!req) return;
    const url = `${String(req.origin ?? '')}${String(req.path ?? '')}`;
    const method = String(req.method ?? 'GET');
    remember(seen, `${method} ${url}`);
    // CONNECT goes to a proxy, which the policy allows by origin like any other host.
    if (policy.allows(url.startsWith('http') ? url : `https://${url}`)) return;
    remember(blocked, `${method} ${url}`);
    log(`blocked ${method} ${url}: not an edit service host (${policy.describe().join(', ')})`);
    // undici fails a request whose `error` is set before it writes anything on the connection.
    req.error = blockedError(url);
  };

  const onHttp = (message: unknown) => {
    const req = (message as { request?: HttpClientRequestLike }).request;
    if (!req) return;
    const host = String(req.getHeader?.('host') ?? req.host ?? '');
    const url = `${req.protocol ?? 'http:'}//${host}${req.path ?? '/'}`;
    remember(seen, `http ${url}`);
    if (policy.allows(url)) return;
    remember(blocked, `http ${url}`);
    log(`blocked ${url}: not an edit service host`);
    // The socket is assigned on a later tick: destroying now means no connection is made.
    req.destroy(blockedError(url));
  };

  diagnostics.subscribe('undici:request:create', onUndici);
  diagnostics.subscribe('http.client.request.start', onHttp);
  return {
    seen,
    blocked,
    uninstall() {
      diagnostics.unsubscribe('undici:request:create', onUndici);
      diagnostics.unsubscribe('http.client.request.start', onHttp);
    },
  };
}
