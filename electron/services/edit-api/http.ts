/**
 * One HTTP exchange with retries (undici). Decides what is safe to retry:
 * - 429 (honouring Retry-After), 500/502/503/504 and connection failures are retried with exponential
 *   backoff and full jitter, up to maxRetries times; no other 4xx ever is.
 * - A submit (a charged POST) is retried only when it certainly never left (refused connection, DNS
 *   failure, connect timeout) or the service answered an error. A reset, a silent socket after sending,
 *   or a 504 from a gateway leave the outcome unknown: 'outcome-unknown', never retried.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { EditApiError } from './errors';
import { editErrors } from './errors';

export type Endpoint = 'upload' | 'submit' | 'status' | 'result' | 'download';

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** A dispatcher honouring HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or explicit settings), with timeouts. */
export function createDispatcher(opts: {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  proxy?: ProxySettings;
}): Dispatcher {
  return new EnvHttpProxyAgent({
    ...opts.proxy,
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.readTimeoutMs,
    bodyTimeout: opts.readTimeoutMs,
  });
}

export interface HttpCall {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Overrides the dispatcher's headers timeout (v1 waits for the whole render before the headers). */
  headersTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  attempts: number;
}

export interface HttpEnv {
  dispatcher: Dispatcher;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  readTimeoutMs: number;
  random: () => number;
  signal: AbortSignal;
  /** Converts an abort (user or deadline) into the right error. */
  abortError: () => EditApiError;
  onResponse: (res: HttpResponse) => void;
}

/** A Retry-After beyond this ends the retries at once: the user is better told to come back later. */
export const MAX_RETRY_AFTER_MS = 60_000;
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Failures that happen before a byte of the request is sent: a POST can be retried safely. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const READ_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.name : 'network error';
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function backoffMs(
  attempt: number,
  env: Pick<HttpEnv, 'retryBaseMs' | 'retryMaxMs' | 'random'>,
): number {
  const ceiling = Math.min(env.retryMaxMs, env.retryBaseMs * 2 ** (attempt - 1));
  // "Equal jitter": never less than half the ceiling, so retries stay spaced out.
  return Math.round(ceiling / 2 + (env.random() * ceiling) / 2);
}

async function pause(ms: number, env: HttpEnv): Promise<void> {
  try {
    await sleepTimer(ms, undefined, { signal: env.signal });
  } catch {
    throw env.abortError();
  }
}

export async function httpCall(call: HttpCall, env: HttpEnv): Promise<HttpResponse> {
  const host = hostOf(call.url);
  for (let attempt = 1; ; attempt++) {
    if (env.signal.aborted) throw env.abortError();
    let res: HttpResponse;
    try {
      const r = await request(call.url, {
        dispatcher: env.dispatcher,
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: env.signal,
        ...(call.headersTimeoutMs ? { headersTimeout: call.headersTimeoutMs } : {}),
      });
      const body = Buffer.from(await r.body.arrayBuffer());
      res = { status: r.statusCode, headers: r.headers, body, attempts: attempt };
    } catch (err) {
      if (env.signal.aborted) throw env.abortError();
      const code = errorCode(err);
      const extra = { attempts: attempt, cause: err };
      if (call.endpoint === 'submit' && !NOT_SENT.has(code)) throw editErrors.outcomeUnknown(code, extra);
      if (attempt > env.maxRetries) {
        if (READ_TIMEOUTS.has(code))
          throw editErrors.readTimeout(host, Math.round(env.readTimeoutMs / 1000), extra);
        throw editErrors.offline(host, code, extra);
      }
      await pause(backoffMs(attempt, env), env);
      continue;
    }
    env.onResponse(res);
    // A 504 on a submit means a gateway gave up waiting: the service may have taken (and charged) it.
    const ambiguous = call.endpoint === 'submit' && res.status === 504;
    if (RETRY_STATUSES.has(res.status) && !ambiguous && attempt <= env.maxRetries) {
      const hinted = res.status === 429 ? parseRetryAfter(res.headers['retry-after']) : null;
      // A Retry-After longer than we are prepared to wait ends the retries now.
      if (hinted !== null && hinted > MAX_RETRY_AFTER_MS) return res;
      await pause(hinted ?? backoffMs(attempt, env), env);
      continue;
    }
    return res;
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the edit service';
  }
}
