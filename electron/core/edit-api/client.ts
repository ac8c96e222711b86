/**
 * SegmindClient: the main process's client for gpt-image-1.5-edit (docs/edit-service.md).
 * Imports nothing from Electron. Flow of one edit: validate -> upload (or inline) -> submit ->
 * poll -> result -> download -> check the image decodes. Every step is bounded (read timeouts, a
 * deadline) and cancellable through the caller's AbortSignal.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Dispatcher } from 'undici';
import type { EditApiError } from './errors';
import { editErrors, redact, serviceReason, type Extra } from './errors';
import {
  BODY_CAPS,
  createDispatcher,
  httpCall,
  MAX_IMAGE_BYTES,
  rateLimitWaitMs,
  type Endpoint,
  type HttpCall,
  type HttpEnv,
  type HttpResponse,
  type ProxySettings,
} from './http';
import type { RateLimiter } from './limiter';
import { trace } from '../trace';
import { buildBody, sniffMime, validateInput, type ImageMime } from './params';
import {
  MODEL,
  type EditApi,
  type EditApiConfig,
  type EditCallOptions,
  type EditInput,
  type EditResult,
  type EditStage,
} from './types';

export const DEFAULTS = {
  pollIntervalMs: 1000,
  deadlineMs: 600_000,
  connectTimeoutMs: 15_000,
  readTimeoutMs: 60_000,
  maxRetries: 3,
  retryBaseMs: 500,
  retryMaxMs: 8000,
};

/** Test and embedding seams; none is needed in production. */
export interface ClientDeps {
  dispatcher?: Dispatcher;
  proxy?: ProxySettings;
  random?: () => number;
  /**
   * Called before downloading an output URL that an authenticated API answer named, with that URL; the
   * main process's network guard lets the host through and returns the function that revokes it again
   * (called when the download is over, whatever happened). The key is never sent to that host.
   */
  trustDownload?: (url: string) => () => void;
  /** One limiter shared by the clients of a batch: a 429 to any of them slows all (see limiter.ts). */
  limiter?: RateLimiter;
}

const MAX_CACHED_UPLOADS = 64;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The state of one edit() or resume() call. */
class Run {
  readonly started = performance.now();
  readonly signal: AbortSignal;
  readonly timings: Record<string, number> = {};
  requestId: string | null = null;
  credits: number | null = null;
  /** What the service said the edit cost (USD), from metrics.cost or x-cost. */
  cost: number | null = null;
  private readonly deadline = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly deadlineMs: number,
    readonly options: EditCallOptions,
  ) {
    this.timer = setTimeout(() => this.deadline.abort(new Error('deadline')), deadlineMs);
    this.signal = options.signal
      ? AbortSignal.any([options.signal, this.deadline.signal])
      : this.deadline.signal;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  remainingMs(): number {
    return Math.max(1, this.deadlineMs - this.elapsedMs());
  }

  progress(stage: EditStage): void {
    this.options.onProgress?.({
      stage,
      elapsedSeconds: Math.round(this.elapsedMs() / 100) / 10,
      ...(this.requestId ? { requestId: this.requestId } : {}),
    });
  }

  /** Times a stage; adds to it when the stage repeats. */
  async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + Math.round(performance.now() - t0);
    }
  }

  abortError = (): EditApiError => {
    if (this.options.signal?.aborted) return editErrors.cancelled();
    return editErrors.deadline(Math.round(this.deadlineMs / 1000), this.requestId);
  };

  onResponse = (res: HttpResponse): void => {
    const raw = res.headers['x-remaining-credits'];
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (raw !== undefined && Number.isFinite(value)) {
      this.credits = value;
      this.options.onCredits?.(value);
    }
  };

  /** Credits left as the body of an answer reported them (metrics.remaining_credits). */
  setCredits(value: unknown): void {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n)) {
      this.credits = n;
      this.options.onCredits?.(n);
    }
  }

  /** The extra every error carries: once the service has the request, its id (see EditApiError). */
  extra(res?: Pick<HttpResponse, 'status' | 'attempts'>): Extra {
    return {
      ...(res ? { status: res.status, attempts: res.attempts } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
    };
  }

  finish(): void {
    clearTimeout(this.timer);
  }
}

export class SegmindClient implements EditApi {
  private readonly cfg: Required<Omit<EditApiConfig, 'apiKey'>> & { apiKey: string | null };
  private readonly dispatcher: Dispatcher;
  private readonly random: () => number;
  /** sha256 of the bytes -> storage URL, for this session: the same bytes are uploaded once. */
  private readonly uploads = new Map<string, Promise<string>>();
  private readonly keyOrigins: Set<string>;
  private readonly trustDownload: ((url: string) => () => void) | undefined;
  private readonly limiter: RateLimiter | undefined;

  constructor(config: EditApiConfig, deps: ClientDeps = {}) {
    this.cfg = {
      ...DEFAULTS,
      ...stripUndefined(config),
      apiBase: config.apiBase.replace(/\/+$/, ''),
      storageBase: config.storageBase.replace(/\/+$/, ''),
      transport: config.transport ?? 'upload',
      mode: config.mode ?? 'async',
    } as SegmindClient['cfg'];
    this.dispatcher =
      deps.dispatcher ??
      createDispatcher({
        connectTimeoutMs: this.cfg.connectTimeoutMs,
        readTimeoutMs: this.cfg.readTimeoutMs,
        ...(deps.proxy ? { proxy: deps.proxy } : {}),
      });
    this.random = deps.random ?? Math.random;
    this.trustDownload = deps.trustDownload;
    this.limiter = deps.limiter;
    this.keyOrigins = new Set([originOf(this.cfg.apiBase), originOf(this.cfg.storageBase)]);
  }

  async edit(input: EditInput, options: EditCallOptions = {}): Promise<EditResult> {
    return this.guard(options, async (run) => {
      const params = await run.timed('validate', () => validateInput(input));
      const images = [input.image, ...(input.references ?? [])];
      let urls: string[];
      if (this.cfg.transport === 'inline') {
        urls = [...images, input.mask].map(dataUrl);
      } else {
        run.progress('uploading');
        trace('upload-sent');
        urls = await run.timed('upload', () => this.upload([...images, input.mask], run));
        trace('uploaded');
      }
      const maskUrl = urls.pop() as string;
      const body = JSON.stringify(buildBody(input.prompt, urls, maskUrl, params));
      return this.cfg.mode === 'sync' ? this.runSync(body, run) : this.runAsync(body, run);
    });
  }

  async resume(requestId: string, options: EditCallOptions = {}): Promise<EditResult> {
    return this.guard(options, async (run) => {
      if (!REQUEST_ID.test(requestId)) throw editErrors.invalidParam(`"${requestId}" is not a request id`);
      run.requestId = requestId;
      return this.pollAndFetch(this.statusUrl(requestId), this.responseUrl(requestId), run);
    });
  }

  /** Releases the connection pool (the client is unusable afterwards). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  // ---- flows -------------------------------------------------------------------------------------

  private async guard(
    options: EditCallOptions,
    work: (run: Run) => Promise<EditResult>,
  ): Promise<EditResult> {
    const key = this.cfg.apiKey;
    try {
      if (!key || key.trim() === '') throw editErrors.noApiKey();
      if (options.signal?.aborted) throw editErrors.cancelled();
      const run = new Run(this.cfg.deadlineMs, options);
      try {
        const result = await work(run);
        run.timings.total = Math.round(run.elapsedMs());
        run.progress('done');
        return result;
      } finally {
        run.finish();
      }
    } catch (err) {
      // The key never leaves in a message, whatever produced it (a service error body included).
      if (err instanceof Error) {
        err.message = redact(err.message, key);
        if (err.stack) err.stack = redact(err.stack, key);
      }
      throw err;
    }
  }

  private async runAsync(body: string, run: Run): Promise<EditResult> {
    trace('submit-sent');
    const res = await run.timed('submit', () =>
      this.send(
        {
          endpoint: 'submit',
          method: 'POST',
          url: `${this.cfg.apiBase}/v2/${MODEL}`,
          body,
          maxBytes: BODY_CAPS.json,
        },
        run,
      ),
    );
    const json = this.expectOk(res, 'submit', run) as Record<string, unknown>;
    const id = json.request_id;
    if (
      typeof id !== 'string' ||
      !id ||
      typeof json.status_url !== 'string' ||
      typeof json.response_url !== 'string'
    ) {
      throw editErrors.badResponse('the submit answer has no request_id, status_url or response_url', {
        status: res.status,
        attempts: res.attempts,
      });
    }
    run.requestId = id;
    trace('accepted');
    await run.options.onRequestId?.(id);
    trace('request-id-journaled');
    run.progress('queued');
    // Follow the service's URLs only on a host that may receive the key; otherwise use the known routes.
    const statusUrl = this.keyAllowed(json.status_url) ? json.status_url : this.statusUrl(id);
    const responseUrl = this.keyAllowed(json.response_url) ? json.response_url : this.responseUrl(id);
    return this.pollAndFetch(statusUrl, responseUrl, run);
  }

  private async pollAndFetch(statusUrl: string, responseUrl: string, run: Run): Promise<EditResult> {
    await run.timed('wait', async () => {
      for (;;) {
        const res = await this.send(
          { endpoint: 'status', method: 'GET', url: statusUrl, maxBytes: BODY_CAPS.json },
          run,
        );
        const json = this.expectOk(res, 'status', run) as Record<string, unknown>;
        const status = String(json.status ?? '').toUpperCase();
        trace(`status-${status.toLowerCase()}`);
        if (status === 'COMPLETED') return;
        if (status === 'FAILED') throw editErrors.blocked(this.reason(errorText(json)), run.extra(res));
        run.progress(status === 'QUEUED' ? 'queued' : 'processing');
        await this.pause(this.cfg.pollIntervalMs, run);
      }
    });
    const res = await run.timed('result', () =>
      // The result may carry the image inline (base64): its cap is the image's, plus base64's overhead.
      this.send({ endpoint: 'result', method: 'GET', url: responseUrl, maxBytes: BODY_CAPS.inlineJson }, run),
    );
    const json = this.expectOk(res, 'result', run) as Record<string, unknown>;
    if (String(json.status ?? 'COMPLETED').toUpperCase() === 'FAILED') {
      throw editErrors.blocked(this.reason(errorText(json)), run.extra(res));
    }
    const metrics = json.metrics;
    if (metrics && typeof metrics === 'object') {
      const m = metrics as Record<string, unknown>;
      if (typeof m.inference_time === 'number') run.timings.inference_time = m.inference_time;
      run.cost = numberOrNull(m.cost) ?? run.cost;
      run.setCredits(m.remaining_credits);
    }
    return this.output(json.output, res, run);
  }

  /**
   * The result's `output`, in any of the documented shapes: an image URL, an array of them (the first is
   * used), a data: URI, or bare base64 image bytes.
   */
  private async output(value: unknown, res: HttpResponse, run: Run): Promise<EditResult> {
    const first = Array.isArray(value) ? value.find((u) => typeof u === 'string' && u !== '') : value;
    if (typeof first !== 'string' || first.trim() === '') {
      throw editErrors.badResponse('the result has no output image', run.extra(res));
    }
    const out = first.trim();
    if (/^https?:/i.test(out)) return this.download(out, run);
    run.progress('downloading');
    let b64: string;
    if (/^data:/i.test(out)) {
      const comma = out.indexOf(',');
      if (comma < 0 || !/;base64$/i.test(out.slice(0, comma))) {
        throw editErrors.badResponse('the output data: URI is not base64', run.extra(res));
      }
      b64 = out.slice(comma + 1);
    } else if (/^[A-Za-z0-9+/_=\s-]+$/.test(out.slice(0, 4096))) {
      b64 = out;
    } else {
      throw editErrors.badResponse('the output is neither an image URL nor image data', run.extra(res));
    }
    // base64 decodes to 3/4 of its length: refuse before allocating an image past the cap.
    if (Math.floor((b64.length * 3) / 4) > MAX_IMAGE_BYTES + 2) {
      throw editErrors.tooLarge('download', MAX_IMAGE_BYTES, run.extra(res));
    }
    return this.finishImage(Buffer.from(b64, 'base64'), run);
  }

  private async runSync(body: string, run: Run): Promise<EditResult> {
    run.progress('processing');
    // v1 sends no header until the render is done (~45 s, sometimes more): tick the elapsed time meanwhile.
    const ticker = setInterval(() => run.progress('processing'), Math.max(250, this.cfg.pollIntervalMs));
    let res: HttpResponse;
    try {
      res = await run.timed('submit', () =>
        this.send(
          {
            endpoint: 'submit',
            method: 'POST',
            url: `${this.cfg.apiBase}/v1/${MODEL}`,
            body,
            headersTimeoutMs: run.remainingMs(),
            // The image itself, or a JSON answer that may carry it inline as base64.
            maxBytes: (h) =>
              headerString(h['content-type']).toLowerCase().includes('json')
                ? BODY_CAPS.inlineJson
                : BODY_CAPS.image,
          },
          run,
        ),
      );
    } finally {
      clearInterval(ticker);
    }
    const type = headerString(res.headers['content-type']).toLowerCase();
    run.cost = numberOrNull(headerString(res.headers['x-cost'])) ?? run.cost;
    if (res.status >= 200 && res.status < 300 && !type.includes('json')) {
      run.progress('downloading');
      return this.finishImage(res.body, run);
    }
    // Tolerate a JSON answer that points at the image, or carries it, instead of being it.
    const json = this.expectOk(res, 'submit', run) as Record<string, unknown>;
    const metrics = json.metrics;
    if (metrics && typeof metrics === 'object') {
      const m = metrics as Record<string, unknown>;
      run.cost = numberOrNull(m.cost) ?? run.cost;
      run.setCredits(m.remaining_credits);
    }
    return this.output(json.output ?? json.image, res, run);
  }

  /** Downloads an output URL named by an authenticated answer: https, or a configured origin; no key. */
  private async download(url: string, run: Run): Promise<EditResult> {
    run.progress('downloading');
    trace('download-started');
    const origin = originOf(url);
    if (!origin || (new URL(url).protocol !== 'https:' && !this.keyOrigins.has(origin))) {
      throw editErrors.untrustedOutput(url, run.extra());
    }
    const revoke = this.trustDownload?.(url);
    let res: HttpResponse;
    try {
      // The output host never receives the key, even when it is one of the configured origins.
      res = await run.timed('download', () =>
        this.send({ endpoint: 'download', method: 'GET', url, maxBytes: BODY_CAPS.image }, run, false),
      );
    } finally {
      revoke?.();
    }
    if (res.status === 404 || res.status === 410) {
      throw editErrors.expired(run.requestId ?? 'the output', run.extra(res), run.cost);
    }
    this.expectStatus(res, 'download', run);
    return this.finishImage(res.body, run);
  }

  private async finishImage(bytes: Buffer, run: Run): Promise<EditResult> {
    const mime = sniffMime(bytes);
    let ok = false;
    if (mime) {
      try {
        const m = await sharp(bytes).metadata();
        ok = (m.width ?? 0) > 0 && (m.height ?? 0) > 0;
      } catch {
        ok = false;
      }
    }
    if (!mime || !ok)
      throw editErrors.badResponse(`the output image does not decode (${bytes.length} bytes)`, run.extra());
    return {
      image: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      mime: mime as ImageMime,
      requestId: run.requestId,
      creditsLeft: run.credits,
      cost: run.cost,
      timings: run.timings,
    };
  }

  // ---- uploads -----------------------------------------------------------------------------------

  /** Uploads what this session has not uploaded yet, in one call; returns a URL per input, in order. */
  private async upload(items: Uint8Array[], run: Run): Promise<string[]> {
    const hashes = items.map((b) => createHash('sha256').update(b).digest('hex'));
    const missing: { hash: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < items.length; i++) {
      const hash = hashes[i] as string;
      if (!this.uploads.has(hash) && !missing.some((m) => m.hash === hash))
        missing.push({ hash, bytes: items[i] as Uint8Array });
    }
    if (missing.length > 0) {
      // Bounded: a long session forgets its oldest uploads (and uploads them again if ever needed).
      for (const k of this.uploads.keys()) {
        if (this.uploads.size + missing.length <= MAX_CACHED_UPLOADS) break;
        this.uploads.delete(k);
      }
      const batch = this.uploadBatch(
        missing.map((m) => m.bytes),
        run,
      );
      missing.forEach((m, i) => {
        const p = batch.then((urls) => urls[i] as string);
        p.catch(() => this.uploads.delete(m.hash)); // a failed upload is not remembered
        this.uploads.set(m.hash, p);
      });
    }
    return Promise.all(hashes.map((h) => this.uploads.get(h) as Promise<string>));
  }

  private async uploadBatch(items: Uint8Array[], run: Run): Promise<string[]> {
    const body = uploadBody(items);
    const res = await this.send(
      {
        endpoint: 'upload',
        method: 'POST',
        url: `${this.cfg.storageBase}/upload-asset`,
        body,
        maxBytes: BODY_CAPS.json,
      },
      run,
    );
    // The official SDK reads `file_urls`; the service's own docs show `urls`: either is accepted.
    const json = this.expectOk(res, 'upload', run) as { file_urls?: unknown; urls?: unknown };
    const urls = json.file_urls ?? json.urls;
    if (
      !Array.isArray(urls) ||
      urls.length !== items.length ||
      !urls.every((u) => typeof u === 'string' && /^https?:/.test(u))
    ) {
      throw editErrors.badResponse(
        `upload-asset returned no file URL for each of the ${items.length} images`,
        {
          status: res.status,
        },
      );
    }
    return urls as string[];
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  private send(call: Omit<HttpCall, 'headers'>, run: Run, withKey = true): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': 'Maskroom', accept: '*/*' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (withKey && this.keyAllowed(call.url)) headers['x-api-key'] = this.cfg.apiKey as string;
    const env: HttpEnv = {
      dispatcher: this.dispatcher,
      maxRetries: this.cfg.maxRetries,
      retryBaseMs: this.cfg.retryBaseMs,
      retryMaxMs: this.cfg.retryMaxMs,
      readTimeoutMs: this.cfg.readTimeoutMs,
      random: this.random,
      signal: run.signal,
      abortError: run.abortError,
      requestId: () => run.requestId,
      onResponse: run.onResponse,
      ...(this.limiter ? { limiter: this.limiter } : {}),
    };
    return httpCall({ ...call, headers }, env);
  }

  /** Maps a non-2xx answer to its error; returns the parsed JSON body of a 2xx one. */
  private expectOk(res: HttpResponse, endpoint: Endpoint, run: Run): unknown {
    this.expectStatus(res, endpoint, run);
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw editErrors.badResponse(`the ${endpoint} answer is not JSON`, run.extra(res));
    }
  }

  private expectStatus(res: HttpResponse, endpoint: Endpoint, run: Run): void {
    const { status } = res;
    if (status >= 200 && status < 300) return;
    // Errors of the submit itself come before acceptance; later ones carry the request id.
    const extra =
      endpoint === 'submit' || endpoint === 'upload' ? { status, attempts: res.attempts } : run.extra(res);
    const body = parseJson(res.body);
    // Redact before trimming: a cut through the key must not leave half of it in the message.
    const reason = this.reason(body ? errorText(body) : plainText(res.body));
    switch (status) {
      case 400:
        throw editErrors.badRequest(reason, extra);
      case 401:
        throw editErrors.badApiKey(extra);
      case 403:
        throw editErrors.forbidden(extra);
      case 404:
        if ((endpoint === 'status' || endpoint === 'result') && run.requestId)
          throw editErrors.expired(run.requestId, extra, run.cost);
        throw editErrors.notFound(endpoint === 'upload' ? 'upload-asset' : `the ${MODEL} model`, extra);
      case 406: {
        // One code, three causes: the body's text says which.
        const credits = numberOrNull(body?.remaining_credits) ?? run.credits;
        if (/content[-_ ]?type|media type|application\/json/i.test(reason))
          throw editErrors.contentType(reason, extra);
        if (/spend|limit|budget|team/i.test(reason)) throw editErrors.spendLimit(credits, extra);
        throw editErrors.noCredits(credits, extra);
      }
      case 410:
        // Gone after the service accepted the edit: that request (its result) is gone, not the model, and a
        // job that is gone cannot be collected (the pipeline drops its journal entry on 'expired').
        if ((endpoint === 'status' || endpoint === 'result') && run.requestId)
          throw editErrors.expired(run.requestId, extra, run.cost);
        if (endpoint !== 'download') throw editErrors.retired(MODEL, extra);
        break;
      case 422:
        if (body && String(body.status).toUpperCase() === 'FAILED') throw editErrors.blocked(reason, extra);
        throw editErrors.badRequest(reason, extra);
      case 429:
        throw editErrors.rateLimited(rateLimitWaitMs(res.headers), extra);
    }
    if (status === 504 && endpoint === 'submit') throw editErrors.gatewayTimeoutOnSubmit(extra);
    if (status >= 500) throw editErrors.serverError(status, extra);
    throw editErrors.unexpectedStatus(status, reason, extra);
  }

  /** Service text made safe for a message (see serviceReason). */
  private reason(text: string): string {
    return text ? serviceReason(text, this.cfg.apiKey) : '';
  }

  private pause(ms: number, run: Run): Promise<void> {
    return new Promise((resolve, reject) => {
      if (run.signal.aborted) return reject(run.abortError());
      const t = setTimeout(() => {
        run.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(run.abortError());
      };
      run.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private keyAllowed(url: string): boolean {
    return this.keyOrigins.has(originOf(url));
  }

  private statusUrl(id: string): string {
    return `${this.cfg.apiBase}/v2/requests/${encodeURIComponent(id)}/status`;
  }

  private responseUrl(id: string): string {
    return `${this.cfg.apiBase}/v2/requests/${encodeURIComponent(id)}`;
  }
}

export function createEditApi(config: EditApiConfig, deps?: ClientDeps): SegmindClient {
  return new SegmindClient(config, deps);
}

/**
 * The upload's JSON body, `{"data_urls":["data:<mime>;base64,…",…]}`, as bytes: each image's base64 is written
 * straight into one buffer, not joined into a string that JSON.stringify copies and the HTTP client encodes
 * again (a 1024 px PNG is megabytes of base64). Byte for byte what JSON.stringify gives: a data URL holds only
 * characters JSON leaves as they are.
 */
export function uploadBody(items: Uint8Array[]): Buffer {
  const heads = items.map(
    (b, i) => `${i > 0 ? ',' : ''}"data:${sniffMime(b) ?? 'application/octet-stream'};base64,`,
  );
  const open = '{"data_urls":[';
  const close = ']}';
  let length = open.length + close.length;
  items.forEach((b, i) => (length += heads[i]!.length + 4 * Math.ceil(b.byteLength / 3) + 1));
  const out = Buffer.allocUnsafe(length);
  let at = out.write(open, 0, 'latin1');
  items.forEach((b, i) => {
    at += out.write(heads[i]!, at, 'latin1');
    at += out.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'), at, 'latin1');
    out[at++] = 0x22; // "
  });
  at += out.write(close, at, 'latin1');
  return out.subarray(0, at);
}

function dataUrl(bytes: Uint8Array): string {
  return `data:${sniffMime(bytes) ?? 'application/octet-stream'};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function parseJson(body: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function errorText(body: Record<string, unknown>): string {
  for (const k of ['error', 'message', 'detail']) {
    const v = body[k];
    if (typeof v === 'string' && v) return v;
    if (v && typeof v === 'object') return JSON.stringify(v);
  }
  return '';
}

function plainText(body: Buffer): string {
  // Read more than is shown, so the key is redacted whole before the reason is trimmed to 300 characters.
  const s = body.toString('utf8', 0, Math.min(body.length, 4096));
  return /^\s*</.test(s) ? '' : s.replace(/[^\x20-\x7e]/g, '');
}

function numberOrNull(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function headerString(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
