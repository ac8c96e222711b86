/**
 * One HTTP exchange with retries (undici). Decides what is safe to retry:
 * - 429 (honouring Retry-After or x-rate-limit-reset-at-utc), 500/502/503/504 and connection failures are
 *   retried with exponential backoff and equal jitter, up to maxRetries times; no other 4xx ever is.
 * - Every body is streamed under a hard byte cap (BODY_CAPS): a declared Content-Length over the cap is
 *   refused before a byte is read, and a body that grows past it is aborted mid-transfer ('too-large').
 * - A submit (a charged POST) is retried only when it certainly never left (refused connection, DNS
 *   failure, connect timeout) or the service answered an error. A reset, a silent socket after sending,
 *   or a 504 from a gateway leave the outcome unknown: 'outcome-unknown', never retried.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { RateLimiter } from './limiter';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { isAppError, type AppError } from '../../../shared/errors';
import { EditApiError, editErrors } from './errors';

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
  /** JSON text, or its bytes (sent as they are, without a copy; re-sent whole on a retry). */
  body?: string | Uint8Array;
  /** Overrides the dispatcher's headers timeout (v1 waits for the whole render before the headers). */
  headersTimeoutMs?: number;
  /**
   * Most bytes a successful (2xx) body may have, chosen from its headers (an image and a JSON answer
   * differ). Error bodies are read only up to ERROR_BODY_BYTES, the rest dropped: only the reason matters.
   */
  maxBytes: number | ((headers: HttpHeaders) => number);
}

export type HttpHeaders = Record<string, string | string[] | undefined>;

const MB = 1024 * 1024;
/** The largest image Maskroom accepts from the service (the model's outputs are a few MB at most). */
export const MAX_IMAGE_BYTES = 64 * MB;
/**
 * Byte caps per kind of body. JSON that may carry the image inline (the v2 result, a v1 JSON answer) may
 * be the base64 of a 64 MB image (4/3 of it) plus 1 MB of fields; every other JSON answer (upload, submit,
 * status, errors) is small: 1 MB is a thousand times what the service sends.
 */
export const BODY_CAPS = {
  image: MAX_IMAGE_BYTES,
  json: 1 * MB,
  inlineJson: Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 1 * MB,
} as const;
const ERROR_BODY_BYTES = 64 * 1024;

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
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
  /** The service's request id once it accepted the edit: errors after that never say "try again". */
  requestId: () => string | null;
  onResponse: (res: HttpResponse) => void;
  /** Shared by several clients (a batch): a 429 holds every request of every client, not just this one. */
  limiter?: RateLimiter;
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

/**
 * How long a 429 asks to wait, in ms: Retry-After (delta-seconds or an HTTP date) or, failing that,
 * x-rate-limit-reset-at-utc (an ISO time); null when neither is present and readable.
 */
export function rateLimitWaitMs(headers: HttpHeaders, now = Date.now()): number | null {
  const after = parseRetryAfter(headers['retry-after'], now);
  if (after !== null) return after;
  const raw = headers['x-rate-limit-reset-at-utc'];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!v) return null;
  // An ISO time without a zone is UTC, as the header's name says.
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(v) || !/T\d/.test(v) ? v : `${v}Z`;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
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
    if (env.limiter) {
      try {
        await env.limiter.ready(env.signal);
      } catch {
        throw env.abortError();
      }
    }
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
      const ok = r.statusCode >= 200 && r.statusCode < 300;
      const cap = !ok
        ? ERROR_BODY_BYTES
        : typeof call.maxBytes === 'function'
          ? call.maxBytes(r.headers)
          : call.maxBytes;
      const body = await readCapped(r.body, r.headers, cap, !ok);
      if (body === null) {
        throw editErrors.tooLarge(call.endpoint, cap, {
          status: r.statusCode,
          attempts: attempt,
          requestId: env.requestId(),
        });
      }
      res = { status: r.statusCode, headers: r.headers, body, attempts: attempt };
    } catch (err) {
      if (env.signal.aborted) throw env.abortError();
      if (err instanceof EditApiError) throw err;
      // The host guard refused the connection before a byte was sent: final, and its sentence says why.
      const refused = guardRefusal(err);
      if (refused) {
        throw new EditApiError('forbidden', refused.message, {
          attempts: attempt,
          cause: err,
          requestId: env.requestId(),
        });
      }
      const code = errorCode(err);
      const extra = { attempts: attempt, cause: err, requestId: env.requestId() };
      const seconds = Math.max(1, Math.round(env.readTimeoutMs / 1000));
      if (call.endpoint === 'submit' && !NOT_SENT.has(code)) {
        throw editErrors.outcomeUnknown(
          READ_TIMEOUTS.has(code)
            ? `${host} stopped answering for ${seconds} s`
            : `The connection to ${host} dropped (${code})`,
          extra,
        );
      }
      if (attempt > env.maxRetries) {
        if (READ_TIMEOUTS.has(code)) throw editErrors.readTimeout(host, seconds, extra);
        // Reached but cut off is not the same as unreachable: say which.
        if (NOT_SENT.has(code)) throw editErrors.offline(host, code, extra);
        throw editErrors.dropped(host, code, extra);
      }
      await pause(backoffMs(attempt, env), env);
      continue;
    }
    env.onResponse(res);
    // A 504 on a submit means a gateway gave up waiting: the service may have taken (and charged) it.
    const ambiguous = call.endpoint === 'submit' && res.status === 504;
    if (RETRY_STATUSES.has(res.status) && !ambiguous && attempt <= env.maxRetries) {
      const hinted = res.status === 429 ? rateLimitWaitMs(res.headers) : null;
      const wait = hinted ?? backoffMs(attempt, env);
      // Every client sharing the limiter slows down, not only this one (the next pass waits in ready()).
      if (res.status === 429) env.limiter?.hold(wait);
      // A hinted wait longer than we are prepared to wait ends the retries now.
      if (hinted !== null && hinted > MAX_RETRY_AFTER_MS) return res;
      if (res.status !== 429 || !env.limiter) await pause(wait, env);
      continue;
    }
    return res;
  }
}

/** The host guard's own error (an AppError 'forbidden'), wherever undici wrapped it; null otherwise. */
function guardRefusal(err: unknown): AppError | null {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    if (isAppError(e) && e.code === 'forbidden') return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Reads a body into memory under a hard cap. A Content-Length over the cap is refused before reading and
 * a body that grows past it is aborted (the socket is destroyed, so the rest is never transferred).
 * Returns null when the cap was hit, unless `truncate`: then the first `cap` bytes are returned.
 */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  headers: HttpHeaders,
  cap: number,
  truncate: boolean,
): Promise<Buffer | null> {
  const declared = Number(
    Array.isArray(headers['content-length']) ? headers['content-length'][0] : headers['content-length'],
  );
  if (!truncate && Number.isFinite(declared) && declared > cap) {
    body.destroy();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size + chunk.length > cap) {
        if (!truncate) return null;
        chunks.push(chunk.subarray(0, cap - size));
        size = cap;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    // Leaving the loop early (cap reached) must end the transfer, not drain it.
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(chunks, size);
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the edit service';
  }
}
