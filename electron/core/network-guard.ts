/**
 * The outbound network guard, shared by every host (Electron main, the web host, the CLI). The only hosts
 * Maskroom talks to are the configured edit service's: its API origin, its storage origin, https hosts of
 * the API host's own registrable domain, hosts the administrator lists in MASKROOM_ALLOWED_HOSTS, and, for
 * one download at a time, the exact result URL the authenticated API response named (DownloadGrants).
 * Every HTTP request made in the process (undici, fetch, node:http/https) is seen through Node's
 * diagnostics channels before a byte of it is sent; one to any other origin is failed with a clear error
 * and logged.
 *
 * Plain Node: no Electron import, so the tests install it and make real requests on loopback.
 */
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { getDomain } from 'tldts';
import { AppError } from '../../shared/errors';

export interface HostPolicy {
  /** True when a request with this method to this URL may be sent. May consume a one-shot grant. */
  allows(url: string, method?: string): boolean;
  /** The allowed origins and patterns, for logs and errors. */
  describe(): string[];
}

export interface EditServiceHosts {
  apiBase: string;
  storageBase: string;
}

export type Env = Record<string, string | undefined>;
export type Log = (msg: string) => void;

function origin(u: URL): string {
  return `${u.protocol}//${u.host}`;
}

function originOf(url: string): string {
  const u = parse(url);
  return u ? origin(u) : '';
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts reachable over plain http (tests, the fake service). */
export function isLoopbackHost(hostname: string): boolean {
  const h = bareHost(hostname);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/**
 * True for an address the edit service may live at: https, or http on a loopback host; no user name or
 * password in it. Anything else (http to another machine, file:, javascript:, data:) is refused.
 */
export function isServiceUrl(url: string): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (u.protocol === 'https:') return u.hostname !== '';
  return u.protocol === 'http:' && isLoopbackHost(u.hostname);
}

/**
 * The registrable domain of a host by the Public Suffix List (private suffixes included):
 * "a.b.example.com" -> "example.com", "api.example.co.uk" -> "example.co.uk", "x.github.io" -> null
 * (github.io is a public suffix: its subdomains belong to different people). Null for IPs and localhost.
 */
export function parentDomain(host: string): string | null {
  const h = bareHost(host);
  if (net.isIP(h) || !h.includes('.')) return null;
  const domain = getDomain(h, { allowPrivateDomains: true });
  // The registrable domain itself (segmind.com as the API host) is not widened to its subdomains.
  return domain && domain !== h ? domain : null;
}

/** A MASKROOM_ALLOWED_HOSTS entry: "host", "host:port" or "*.domain"; always https. */
interface AllowedEntry {
  text: string;
  matches(u: URL): boolean;
}

/**
 * Parses MASKROOM_ALLOWED_HOSTS. Entries are https only: one written with another scheme, a wildcard over
 * a public suffix ("*.com", "*.co.uk") or anything unreadable is refused and reported in `rejected`.
 */
export function parseAllowedHosts(value: string | undefined): {
  entries: AllowedEntry[];
  rejected: string[];
} {
  const entries: AllowedEntry[] = [];
  const rejected: string[] = [];
  for (const raw of (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    let text = raw;
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
      if (!text.startsWith('https://')) {
        rejected.push(raw);
        continue;
      }
      text = text.slice('https://'.length).replace(/\/+$/, '');
    }
    if (text.startsWith('*.')) {
      const domain = text.slice(2);
      const registrable = getDomain(domain, { allowPrivateDomains: true });
      if (!domain || /[/:@]/.test(domain) || registrable === null) {
        rejected.push(raw);
        continue;
      }
      entries.push({
        text: `https://${text}`,
        matches: (u) => u.hostname.toLowerCase().endsWith(`.${domain}`),
      });
      continue;
    }
    const probe = parse(`https://${text}`);
    if (!probe || probe.pathname !== '/' || probe.username || probe.password || probe.host !== text) {
      rejected.push(raw);
      continue;
    }
    const withPort = text.includes(':') && !text.endsWith(']');
    entries.push({
      text: `https://${text}`,
      matches: (u) =>
        withPort ? u.host.toLowerCase() === text : u.hostname.toLowerCase() === probe.hostname,
    });
  }
  return { entries, rejected };
}

/** Normalises a URL for exact comparison (no fragment); null when it does not parse. */
function exactUrl(url: string): string | null {
  const u = parse(url);
  if (!u) return null;
  u.hash = '';
  return u.href;
}

export interface DownloadGrantOptions {
  /** How long a grant lives if it is never revoked (default 5 minutes). */
  ttlMs?: number;
  /** How many requests one grant lets through: one download and its retries (default 4). */
  maxUses?: number;
  now?: () => number;
}

/**
 * Grants for result downloads. The edit client calls trust(url) with the output URL an authenticated API
 * response named, right before downloading it, and calls the returned function when the download is over.
 * A grant lets through GET requests to exactly that URL (https only: never plain http, never another
 * path or query on the same host), at most `maxUses` times, until it is revoked or expires.
 */
export class DownloadGrants {
  private readonly grants = new Map<number, { url: string; expires: number; uses: number }>();
  private next = 1;
  private readonly ttlMs: number;
  private readonly maxUses: number;
  private readonly now: () => number;

  constructor(o: DownloadGrantOptions = {}) {
    this.ttlMs = o.ttlMs ?? 5 * 60_000;
    this.maxUses = o.maxUses ?? 4;
    this.now = o.now ?? (() => Date.now());
  }

  /** Grants one download of `url`; returns the function that revokes it. Non-https URLs get no grant. */
  trust = (url: string): (() => void) => {
    const exact = exactUrl(url);
    if (!exact || !exact.startsWith('https://') || parse(exact)?.username || parse(exact)?.password)
      return () => undefined;
    const id = this.next++;
    this.grants.set(id, { url: exact, expires: this.now() + this.ttlMs, uses: 0 });
    return () => void this.grants.delete(id);
  };

  /** True (and one use spent) when a live grant covers this request. */
  allows(url: string, method = 'GET'): boolean {
    if (method.toUpperCase() !== 'GET') return false;
    const exact = exactUrl(url);
    if (!exact) return false;
    const now = this.now();
    for (const [id, g] of this.grants) {
      if (g.expires <= now) {
        this.grants.delete(id);
        continue;
      }
      if (g.url !== exact) continue;
      g.uses++;
      if (g.uses >= this.maxUses) this.grants.delete(id);
      return true;
    }
    return false;
  }

  /** The URLs currently granted, for logs and tests. */
  active(): string[] {
    const now = this.now();
    return [...this.grants.values()].filter((g) => g.expires > now).map((g) => g.url);
  }
}

/**
 * The edit service's hosts, read live (Settings can change them):
 * - exactly the API and storage origins (scheme, host and port), when they are https or loopback http;
 * - over https on the default port, any host in the API host's registrable domain (Public Suffix List);
 * - the https hosts in MASKROOM_ALLOWED_HOSTS ("host", "host:port" or "*.domain", comma-separated);
 * - the configured proxies (HTTPS_PROXY / HTTP_PROXY), which undici connects to for the above;
 * - GET of an exact result URL while a download grant for it is live.
 */
export function editServicePolicy(
  hosts: () => EditServiceHosts,
  env: Env = process.env,
  grants?: DownloadGrants,
): HostPolicy {
  const { entries: extra } = parseAllowedHosts(env.MASKROOM_ALLOWED_HOSTS);
  const proxies = [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy]
    .map((p) => (p ? parse(p) : null))
    .filter((u): u is URL => u !== null)
    .map(origin);
  const current = () => {
    const h = hosts();
    const bases = [h.apiBase, h.storageBase]
      .filter(isServiceUrl)
      .map(parse)
      .filter((u): u is URL => u !== null);
    const api = isServiceUrl(h.apiBase) ? parse(h.apiBase) : null;
    const domain = api && api.protocol === 'https:' ? parentDomain(api.hostname) : null;
    return { origins: [...bases.map(origin), ...proxies], domain };
  };
  return {
    allows(url, method = 'GET') {
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
      if (u.protocol === 'https:' && extra.some((e) => e.matches(u))) return true;
      return grants?.allows(url, method) ?? false;
    },
    describe() {
      const { origins, domain } = current();
      return [...origins, ...(domain ? [`https://*.${domain}`] : []), ...extra.map((e) => e.text)];
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
  method?: string;
  getHeader?(name: string): unknown;
  destroy(err?: Error): void;
}

export interface NetworkGuard {
  /** Every request seen, allowed or not, as "METHOD url". */
  readonly seen: string[];
  readonly blocked: string[];
  uninstall(): void;
}

interface InstalledGuard {
  policy: HostPolicy;
  log: Log;
  seen: string[];
  blocked: string[];
}

/**
 * Every guard installed in this process. One pair of channel subscriptions serves them all, and a request
 * passes when any installed policy allows it: two hosts in one process (a test running a web host and a CLI
 * run, two web hosts) each keep reaching their own service, and a request neither allows is refused by both.
 */
const installed = new Set<InstalledGuard>();

function remember(list: string[], entry: string): void {
  list.push(entry);
  if (list.length > 500) list.shift();
}

/** Records the request with every guard; true when one of them allows it (otherwise logged as blocked). */
function decide(url: string, method: string): boolean {
  const entry = `${method} ${url}`;
  let allowed = false;
  for (const g of installed) {
    remember(g.seen, entry);
    if (!allowed && g.policy.allows(url, method)) allowed = true;
  }
  if (allowed) return true;
  for (const g of installed) {
    remember(g.blocked, entry);
    g.log(`blocked ${entry}: not an edit service host (${g.policy.describe().join(', ')})`);
  }
  return false;
}

const onUndici = (message: unknown) => {
  const req = (message as { request?: UndiciRequestLike }).request;
  if (!req) return;
  const url = `${String(req.origin ?? '')}${String(req.path ?? '')}`;
  const method = String(req.method ?? 'GET');
  // CONNECT goes to a proxy, which the policy allows by origin like any other host.
  if (decide(url.startsWith('http') ? url : `https://${url}`, method)) return;
  // undici fails a request whose `error` is set before it writes anything on the connection.
  req.error = blockedError(url);
};

const onHttp = (message: unknown) => {
  const req = (message as { request?: HttpClientRequestLike }).request;
  if (!req) return;
  const host = String(req.getHeader?.('host') ?? req.host ?? '');
  const url = `${req.protocol ?? 'http:'}//${host}${req.path ?? '/'}`;
  if (decide(url, req.method ?? 'GET')) return;
  // The socket is assigned on a later tick: destroying now means no connection is made.
  req.destroy(blockedError(url));
};

/** Installs a guard over undici's and node:http's request channels; returns a handle to read the log and remove it. */
export function installNodeNetworkGuard(policy: HostPolicy, log: Log): NetworkGuard {
  const g: InstalledGuard = { policy, log, seen: [], blocked: [] };
  if (installed.size === 0) {
    diagnostics.subscribe('undici:request:create', onUndici);
    diagnostics.subscribe('http.client.request.start', onHttp);
  }
  installed.add(g);
  return {
    seen: g.seen,
    blocked: g.blocked,
    uninstall() {
      if (!installed.delete(g)) return;
      if (installed.size === 0) {
        diagnostics.unsubscribe('undici:request:create', onUndici);
        diagnostics.unsubscribe('http.client.request.start', onHttp);
      }
    },
  };
}

export interface HostGuard extends NetworkGuard {
  /** Give this to the edit client (ClientDeps.trustDownload): grants one result download. */
  trustDownload: (url: string) => () => void;
  grants: DownloadGrants;
}

/**
 * What every host installs at start: the edit-service policy over the live settings, download grants for
 * the edit client, and the guard itself. Entries of MASKROOM_ALLOWED_HOSTS that are refused are logged.
 * The CLI calls it with its settings; Electron main and the web host do the same.
 */
export function installHostGuard(
  hosts: () => EditServiceHosts,
  env: Env,
  log: Log,
  /** Origins this process serves itself (the web host's own address): its own requests to them pass. */
  ownOrigins: () => string[] = () => [],
): HostGuard {
  const { rejected } = parseAllowedHosts(env.MASKROOM_ALLOWED_HOSTS);
  for (const r of rejected)
    log(
      `ignored MASKROOM_ALLOWED_HOSTS entry "${r}": entries are https host names (host, host:port or *.domain)`,
    );
  const grants = new DownloadGrants();
  const service = editServicePolicy(hosts, env, grants);
  const policy: HostPolicy = {
    allows: (url, method) => ownOrigins().includes(originOf(url)) || service.allows(url, method),
    describe: () => [...service.describe(), ...ownOrigins()],
  };
  const guard = installNodeNetworkGuard(policy, log);
  return {
    seen: guard.seen,
    blocked: guard.blocked,
    uninstall: () => guard.uninstall(),
    trustDownload: grants.trust,
    grants,
  };
}
