/**
 * A fake Segmind, faithful to the service as docs/edit-service.md describes it, in plain Node (http + sharp).
 *
 * One loopback port serves three "hosts" under different paths:
 *   {apiBase}     = http://127.0.0.1:PORT/api      v1 + v2 gpt-image-1.5-edit, v2 status/result (key required)
 *   {storageBase} = http://127.0.0.1:PORT/storage  upload-asset (key required), uploaded assets (public)
 *   outputs       = http://127.0.0.1:PORT/outputs  result images (public: the key is neither needed nor wanted)
 * Two more ports serve only /outputs, as a separate output host would: one over http, one over https with
 * the test certificate in ./tls (trust it with NODE_EXTRA_CA_CERTS, or a dispatcher given its `ca`).
 *
 * Its "model" re-renders the WHOLE frame deterministically (shift + tint + a drawn disc, and every channel
 * forced at least 40 levels away from the input), as the real model may: later tests use it to prove that
 * Maskroom confines changes to the mask. Faults can be injected per endpoint (setFault / queueFaults).
 *
 * Two tools make a test independent of the machine's speed: hold(endpoint) keeps requests in flight until
 * the test lets them go (a kill or an abort lands exactly "during the upload"), and advance(ms) ages the
 * model's jobs at once (QUEUED, PROCESSING, COMPLETED and expiry at the test's pace, not the clock's).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';

export const MODEL = 'gpt-image-1.5-edit';
export const FAKE_API_KEY = 'test-key';

export const faultNames = [
  '401',
  '406',
  '406-spend-limit',
  '406-content-type',
  '410',
  '422',
  '429-then-ok',
  '429-reset-at',
  '500-then-ok',
  '502-then-ok',
  '504-then-ok',
  'always-500',
  'garbage',
  'reset',
  'hang',
  'slow',
  'huge',
] as const;
export type FaultName = (typeof faultNames)[number];
export type FakeEndpoint = 'submit' | 'status' | 'result' | 'upload' | 'download';

export interface Fault {
  name: FaultName;
  /** Only requests to this endpoint are affected (default: every endpoint). */
  endpoint?: FakeEndpoint;
  /**
   * For a sticky fault set with setFault: how many requests it hits ('*-then-ok' and '429-reset-at'
   * default 1, others forever).
   */
  times?: number;
  /** '429-then-ok': the Retry-After header (default '1'). */
  retryAfter?: string;
  /** 'slow': delay before answering normally (default options.slowMs). */
  delayMs?: number;
  /** '422', '406*': the service's reason. */
  reason?: string;
  /** '429-reset-at': x-rate-limit-reset-at-utc this far in the future (default 1000 ms), no Retry-After. */
  resetInMs?: number;
  /** 'huge': how many bytes to stream (default 1.5 GB; generated as sent, never held in memory). */
  bytes?: number;
  /** 'huge': send a Content-Length (default false: chunked, so only the running count can stop it). */
  declareLength?: boolean;
}

/** The shapes the documentation allows for a result's `output`. */
export type OutputShape = 'url' | 'array' | 'data-uri' | 'base64';
/** Where output URLs point: this port, or a separate output host over http or https. */
export type OutputHost = 'same' | 'other-http' | 'other-https';

/** The test certificate (CA and leaf at once, for 127.0.0.1 and localhost) of the https output host. */
export const TEST_TLS_CERT_PATH = path.join(import.meta.dirname, 'tls', 'cert.pem');
const TEST_TLS_KEY_PATH = path.join(import.meta.dirname, 'tls', 'key.pem');

export interface FakeSegmindOptions {
  port?: number;
  apiKey?: string;
  /** Model latency: QUEUED for the first quarter, PROCESSING until it ends, then COMPLETED. Default 0. */
  latencyMs?: number;
  credits?: number;
  costPerEdit?: number;
  /** How long results are kept (default 1 h). */
  retentionMs?: number;
  /** Delay of the 'slow' fault (default 1500 ms). */
  slowMs?: number;
  /** Result `output` as an array of URLs instead of one URL (same as outputShape 'array'). */
  outputAsArray?: boolean;
  /** Result `output` shape (default 'url'; outputAsArray wins when set). */
  outputShape?: OutputShape;
  /** Which host output URLs name (default 'same'). */
  outputHost?: OutputHost;
  /** The upload answer's list key: the SDK's `file_urls` (default) or the docs' `urls`. */
  uploadKey?: 'file_urls' | 'urls';
  /** v1 answers JSON `{output, metrics}` (in outputShape) instead of the image bytes. */
  v1AsJson?: boolean;
  /** USD reported per edit in metrics.cost and x-cost (default 0.24, as documented). */
  costUsd?: number;
  fault?: Fault | FaultName | null;
}

export interface LoggedRequest {
  method: string;
  path: string;
  endpoint: FakeEndpoint | 'asset' | 'other';
  hasKey: boolean;
  /** Status sent, or null when the fault reset the connection or let it hang. */
  status: number | null;
  fault?: FaultName;
  /** Which listener took it: the main port or a separate output host. */
  server: 'main' | 'other-http' | 'other-https';
  /** 'huge': body bytes written, and whether the client closed the connection before the end. */
  bytesSent?: number;
  aborted?: boolean;
  /** Whether a hold kept it waiting (until its release). */
  held?: boolean;
}

/** Requests to one endpoint kept in flight until the test releases them (FakeSegmind.hold). */
export interface Hold {
  /** How many requests this hold has caught so far (released or not). */
  readonly count: number;
  /**
   * Resolves once `n` requests (default 1) have been caught; rejects after `timeoutMs` (default 30 s)
   * with how many arrived, so a wait on it is always bounded.
   */
  reached(n?: number, timeoutMs?: number): Promise<void>;
  /** Lets every caught request go on (faults and answers as usual) and stops holding the endpoint. */
  release(): void;
}

export interface SubmittedEdit {
  version: 'v1' | 'v2';
  body: Record<string, unknown>;
  requestId: string | null;
}

export interface FakeSegmind {
  readonly apiBase: string;
  readonly storageBase: string;
  readonly outputBase: string;
  /** The separate output hosts (outputHost 'other-http' / 'other-https'). */
  readonly otherHttpOutputBase: string;
  readonly otherHttpsOutputBase: string;
  readonly apiKey: string;
  readonly port: number;
  readonly requests: LoggedRequest[];
  /** Every accepted edit body, in order. */
  readonly submitted: SubmittedEdit[];
  credits: number;
  /** A sticky fault (null clears it). */
  setFault(fault: Fault | FaultName | null): void;
  /** Faults applied once each, in order, to the next matching requests (before any sticky fault). */
  queueFaults(...faults: (Fault | FaultName)[]): void;
  /** Changes latency, retention, output shape... at run time. */
  configure(opts: Partial<Omit<FakeSegmindOptions, 'port' | 'apiKey' | 'fault'>>): void;
  /** Ages a request past the retention, so it answers 404 from now on. */
  expire(requestId: string): void;
  /**
   * Ages every job submitted so far by `ms` at once, as if that much time had passed for the model: with a
   * latency far longer than any test, a job moves QUEUED -> PROCESSING -> COMPLETED (and past the retention)
   * only when the test says so.
   */
  advance(ms: number): void;
  /**
   * Holds every request to `endpoint`, once its body has arrived and before any fault or answer, until the
   * returned hold is released (or the fake closed). One hold per endpoint at a time.
   */
  hold(endpoint: FakeEndpoint): Hold;
  count(endpoint: LoggedRequest['endpoint']): number;
  clearLog(): void;
  close(): Promise<void>;
}

const SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;
const ENUMS: Record<string, readonly string[]> = {
  size: [...SIZES, 'auto'],
  quality: ['low', 'medium', 'high', 'auto'],
  background: ['opaque', 'transparent'],
  output_format: ['png', 'jpeg', 'webp'],
  moderation: ['auto', 'low'],
};
const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

interface Job {
  id: string;
  createdAt: number;
  render: Promise<{ bytes: Buffer; format: string }>;
  inferenceSeconds: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function normalise(f: Fault | FaultName): Fault {
  return typeof f === 'string' ? { name: f } : { ...f };
}

export async function startFakeSegmind(options: FakeSegmindOptions = {}): Promise<FakeSegmind> {
  const opts = {
    latencyMs: 0,
    credits: 1000,
    costPerEdit: 1,
    retentionMs: 3_600_000,
    slowMs: 1500,
    outputAsArray: false,
    outputShape: 'url' as OutputShape,
    outputHost: 'same' as OutputHost,
    uploadKey: 'file_urls' as 'file_urls' | 'urls',
    v1AsJson: false,
    costUsd: 0.24,
    ...options,
  };
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  let credits = opts.credits;
  let sticky: Fault | null = options.fault ? normalise(options.fault) : null;
  const queue: Fault[] = [];
  const requests: LoggedRequest[] = [];
  const submitted: SubmittedEdit[] = [];
  const assets = new Map<string, { bytes: Buffer; mime: string }>();
  const jobs = new Map<string, Job>();
  const outputs = new Map<string, { bytes: Buffer; mime: string; jobId: string }>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const holds = new Map<FakeEndpoint, { enter(log: LoggedRequest): Promise<void>; release(): void }>();
  let base = '';
  const otherBase = { 'other-http': '', 'other-https': '' };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function takeFault(endpoint: FakeEndpoint): Fault | null {
    const qi = queue.findIndex((f) => !f.endpoint || f.endpoint === endpoint);
    if (qi >= 0) return queue.splice(qi, 1)[0] ?? null;
    if (!sticky || (sticky.endpoint && sticky.endpoint !== endpoint)) return null;
    const f = sticky;
    const times = f.times ?? (f.name.endsWith('-then-ok') || f.name === '429-reset-at' ? 1 : Infinity);
    if (times <= 1) sticky = null;
    else sticky = { ...f, times: times - 1 };
    return f;
  }

  function expired(job: Job): boolean {
    return Date.now() - (job.createdAt + opts.latencyMs) > opts.retentionMs;
  }

  /** Resolves an image URL the way the service would fetch it: data URIs and this storage's assets. */
  function resolveImage(url: unknown, field: string): Buffer {
    if (typeof url !== 'string') throw new HttpError(400, `${field} must be a URL string`);
    const data = /^data:image\/(png|jpeg|webp);base64,(.*)$/s.exec(url);
    if (data) return Buffer.from(data[2] ?? '', 'base64');
    const prefix = `${base}/storage/assets/`;
    if (url.startsWith(prefix)) {
      const a = assets.get(url.slice(prefix.length));
      if (a) return a.bytes;
    }
    throw new HttpError(400, `Could not fetch ${field}: ${url.slice(0, 80)}`);
  }

  async function validateEdit(body: Record<string, unknown>) {
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '')
      throw new HttpError(400, 'prompt is required');
    const urls = body.image_urls;
    if (!Array.isArray(urls) || urls.length === 0)
      throw new HttpError(400, 'image_urls is required (a non-empty array)');
    if (urls.length > 16) throw new HttpError(400, 'image_urls accepts at most 16 images');
    for (const [field, allowed] of Object.entries(ENUMS)) {
      const v = body[field];
      if (v !== undefined && !allowed.includes(String(v))) {
        throw new HttpError(400, `${field} must be one of ${allowed.join(', ')}`);
      }
    }
    const oc = body.output_compression;
    if (oc !== undefined && (!Number.isInteger(oc) || (oc as number) < 0 || (oc as number) > 100)) {
      throw new HttpError(400, 'output_compression must be an integer from 0 to 100');
    }
    const images = urls.map((u, i) => resolveImage(u, `image_urls[${i}]`));
    const metas = await Promise.all(
      images.map((b, i) =>
        sharp(b)
          .metadata()
          .catch(() => {
            throw new HttpError(400, `image_urls[${i}] is not a readable image`);
          }),
      ),
    );
    const first = metas[0] as sharp.Metadata;
    if (body.mask !== undefined && body.mask !== null) {
      const mask = resolveImage(body.mask, 'mask');
      const m = await sharp(mask)
        .metadata()
        .catch(() => {
          throw new HttpError(400, 'mask is not a readable image');
        });
      if (m.format !== 'png') throw new HttpError(400, `mask must be a PNG, got ${m.format}`);
      if (m.channels !== 4)
        throw new HttpError(400, `mask must be an RGBA PNG (4 channels), got ${m.channels}`);
      if (m.width !== first.width || m.height !== first.height) {
        throw new HttpError(
          400,
          `mask is ${m.width}x${m.height} but the image is ${first.width}x${first.height}: they must be the same size`,
        );
      }
    }
    return { image: images[0] as Buffer, width: first.width ?? 0, height: first.height ?? 0 };
  }

  function debit(): void {
    if (credits < opts.costPerEdit) throw new HttpError(406, 'Insufficient credits');
    credits -= opts.costPerEdit;
  }

  function startJob(body: Record<string, unknown>, image: Buffer): Job {
    const job: Job = {
      id: randomUUID(),
      createdAt: Date.now(),
      render: renderEdit(image, body),
      inferenceSeconds: opts.latencyMs / 1000,
    };
    job.render.catch(() => undefined);
    jobs.set(job.id, job);
    return job;
  }

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    log: LoggedRequest,
    raw: Buffer,
  ) {
    const url = new URL(req.url ?? '/', base);
    const p = url.pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log.status = status;
      const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      res.writeHead(status, {
        'content-type': Buffer.isBuffer(body)
          ? (headers['content-type'] ?? 'application/octet-stream')
          : 'application/json',
        'content-length': String(payload.length),
        'x-remaining-credits': String(credits),
        ...headers,
      });
      res.end(payload);
    };

    // A separate output host serves outputs only.
    if (log.server !== 'main' && !(req.method === 'GET' && p.startsWith('/outputs/'))) {
      return send(404, { error: 'Not found' });
    }
    let endpoint: LoggedRequest['endpoint'] = 'other';
    let version: 'v1' | 'v2' | null = null;
    const route = /^\/api\/(v1|v2)\/([^/]+)$/.exec(p);
    if (req.method === 'POST' && route) {
      endpoint = 'submit';
      version = route[1] as 'v1' | 'v2';
      if (route[2] !== MODEL) return send(404, { error: `Model ${route[2]} not found` });
    } else if (req.method === 'POST' && p === '/storage/upload-asset') endpoint = 'upload';
    else if (req.method === 'GET' && /^\/api\/v2\/requests\/[^/]+\/status$/.test(p)) endpoint = 'status';
    else if (req.method === 'GET' && /^\/api\/v2\/requests\/[^/]+$/.test(p)) endpoint = 'result';
    else if (req.method === 'GET' && p.startsWith('/outputs/')) endpoint = 'download';
    else if (req.method === 'GET' && p.startsWith('/storage/assets/')) endpoint = 'asset';
    log.endpoint = endpoint;
    if (endpoint === 'other') return send(404, { error: 'Not found' });
    const gate = endpoint === 'asset' ? undefined : holds.get(endpoint);
    if (gate) await gate.enter(log);

    if (endpoint !== 'asset') {
      const fault = takeFault(endpoint);
      if (fault) {
        log.fault = fault.name;
        switch (fault.name) {
          case '401':
            return send(401, { error: 'Invalid API key' });
          case '406':
            return send(406, { error: fault.reason ?? 'Insufficient credits' });
          case '406-spend-limit':
            return send(406, { error: fault.reason ?? 'Team spend limit reached for this billing period' });
          case '406-content-type':
            return send(406, {
              error: fault.reason ?? 'Not Acceptable: Content-Type must be application/json',
            });
          case '410':
            return send(410, { error: `Model ${MODEL} has been retired` });
          case '422':
            return send(422, {
              status: 'FAILED',
              error: fault.reason ?? 'Your request was rejected by the safety system (moderation_blocked)',
            });
          case '429-then-ok':
            return send(429, { error: 'Too many requests' }, { 'retry-after': fault.retryAfter ?? '1' });
          case '429-reset-at':
            return send(
              429,
              { error: 'Too many requests' },
              {
                'x-rate-limit-reset-at-utc': new Date(Date.now() + (fault.resetInMs ?? 1000)).toISOString(),
              },
            );
          case 'huge':
            return streamHuge(req, res, log, endpoint, fault);
          case '500-then-ok':
          case 'always-500':
            return send(500, { error: 'Internal server error' });
          case '504-then-ok':
            return send(504, { error: 'Gateway timeout' });
          case '502-then-ok':
            return send(502, Buffer.from('<html><body>502 Bad Gateway</body></html>'), {
              'content-type': 'text/html',
            });
          case 'garbage':
            return send(200, Buffer.from('\u0000\u00ff{"garbage":'.repeat(20), 'latin1'), {
              'content-type': endpoint === 'download' ? 'image/png' : 'application/json',
            });
          case 'reset':
            log.status = null;
            return (
              (req.socket as Socket & { resetAndDestroy?: () => void }).resetAndDestroy?.() ??
              req.socket.destroy()
            );
          case 'hang':
            log.status = null;
            return; // never answers; close() ends the socket
          case 'slow':
            await wait(fault.delayMs ?? opts.slowMs);
            break;
        }
      }
    }

    // The output and asset hosts are public; the API and storage hosts need the key.
    if (endpoint !== 'asset' && endpoint !== 'download' && req.headers['x-api-key'] !== apiKey) {
      return send(401, { error: 'Invalid or missing API key' });
    }

    switch (endpoint) {
      case 'upload': {
        const body = parseBody(raw);
        const list = body.data_urls;
        if (!Array.isArray(list) || list.length === 0)
          throw new HttpError(400, 'data_urls is required (a non-empty array)');
        const fileUrls = list.map((d, i) => {
          const m = typeof d === 'string' ? /^data:(image\/(?:png|jpeg|webp));base64,(.+)$/s.exec(d) : null;
          if (!m) throw new HttpError(400, `data_urls[${i}] is not a base64 image data URL`);
          const bytes = Buffer.from(m[2] ?? '', 'base64');
          const mime = m[1] ?? 'image/png';
          const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${mime.split('/')[1]}`;
          assets.set(name, { bytes, mime });
          return `${base}/storage/assets/${name}`;
        });
        return send(200, { [opts.uploadKey]: fileUrls, message: 'Files uploaded successfully' });
      }
      case 'asset': {
        const a = assets.get(p.slice('/storage/assets/'.length));
        return a ? send(200, a.bytes, { 'content-type': a.mime }) : send(404, { error: 'Not found' });
      }
      case 'submit': {
        const body = parseBody(raw);
        const { image } = await validateEdit(body);
        debit();
        if (version === 'v1') {
          submitted.push({ version: 'v1', body, requestId: null });
          const render = renderEdit(image, body);
          await wait(opts.latencyMs);
          const out = await render;
          const v1Headers = {
            'x-cost': String(opts.costUsd),
            'x-generation-time': String(opts.latencyMs / 1000),
            'x-request-id': randomUUID(),
          };
          if (opts.v1AsJson) {
            const mime = MIME[out.format] ?? 'image/png';
            const name = `v1-${randomUUID()}.${out.format === 'jpeg' ? 'jpg' : out.format}`;
            const job = startJob(body, image);
            outputs.set(name, { bytes: out.bytes, mime, jobId: job.id });
            return send(
              200,
              { status: 'COMPLETED', output: outputValue(name, out.bytes, mime), metrics: metricsFor(job) },
              v1Headers,
            );
          }
          return send(200, out.bytes, { 'content-type': MIME[out.format] ?? 'image/png', ...v1Headers });
        }
        const job = startJob(body, image);
        submitted.push({ version: 'v2', body, requestId: job.id });
        const r = `${base}/api/v2/requests/${job.id}`;
        return send(200, {
          request_id: job.id,
          status: 'QUEUED',
          status_url: `${r}/status`,
          response_url: r,
          poll_url: `${r}/status`,
        });
      }
      case 'status':
      case 'result': {
        const id = decodeURIComponent(p.split('/')[4] ?? '');
        const job = jobs.get(id);
        if (!job || expired(job)) return send(404, { error: 'Request not found or expired' });
        const elapsed = Date.now() - job.createdAt;
        if (elapsed < opts.latencyMs) {
          const status = elapsed < opts.latencyMs / 4 ? 'QUEUED' : 'PROCESSING';
          return send(200, endpoint === 'status' ? { status } : { status, output: null, error: null });
        }
        let out: { bytes: Buffer; format: string };
        try {
          out = await job.render;
        } catch (err) {
          return send(422, { status: 'FAILED', error: `Model error: ${(err as Error).message}` });
        }
        if (endpoint === 'status') return send(200, { status: 'COMPLETED' });
        const name = `${job.id}.${out.format === 'jpeg' ? 'jpg' : out.format}`;
        const mime = MIME[out.format] ?? 'image/png';
        outputs.set(name, { bytes: out.bytes, mime, jobId: job.id });
        return send(200, {
          status: 'COMPLETED',
          output: outputValue(name, out.bytes, mime),
          metrics: metricsFor(job),
          error: null,
        });
      }
      case 'download': {
        const o = outputs.get(p.slice('/outputs/'.length));
        const job = o && jobs.get(o.jobId);
        if (!o || !job || expired(job)) return send(404, { error: 'Not found' });
        return send(200, o.bytes, { 'content-type': o.mime });
      }
    }
  }

  /** `output` in the configured shape, naming the configured host. */
  function outputValue(name: string, bytes: Buffer, mime: string): string | string[] {
    const host = opts.outputHost === 'same' ? base : otherBase[opts.outputHost];
    const url = `${host}/outputs/${name}`;
    const shape: OutputShape = opts.outputAsArray ? 'array' : opts.outputShape;
    switch (shape) {
      case 'array':
        return [url];
      case 'data-uri':
        return `data:${mime};base64,${bytes.toString('base64')}`;
      case 'base64':
        return bytes.toString('base64');
      default:
        return url;
    }
  }

  function metricsFor(job: Job): Record<string, number> {
    return {
      inference_time: job.inferenceSeconds,
      queue_time: 0,
      total_time: job.inferenceSeconds,
      cost: opts.costUsd,
      remaining_credits: credits,
    };
  }

  /** 'huge': streams `bytes` of body, generated as it goes and written only as fast as the client reads. */
  function streamHuge(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    log: LoggedRequest,
    endpoint: FakeEndpoint,
    fault: Fault,
  ): Promise<void> {
    const total = fault.bytes ?? 1.5 * 1024 ** 3;
    const image = endpoint === 'download';
    const head = image
      ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      : Buffer.from('{"status":"COMPLETED","output":"data:image/png;base64,');
    const filler = Buffer.alloc(256 * 1024, image ? 0 : 0x41);
    log.status = 200;
    log.bytesSent = 0;
    log.aborted = false;
    res.writeHead(200, {
      'content-type': image ? 'image/png' : 'application/json',
      'x-remaining-credits': String(credits),
      ...(fault.declareLength ? { 'content-length': String(total) } : {}),
    });
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        log.aborted = (log.bytesSent ?? 0) < total || !res.writableFinished;
        resolve();
      };
      res.on('close', finish);
      req.socket.on('close', finish);
      const pump = () => {
        while (!done && !res.destroyed && (log.bytesSent ?? 0) < total) {
          const sent = log.bytesSent ?? 0;
          const chunk = sent === 0 ? head : filler.subarray(0, Math.min(filler.length, total - sent));
          log.bytesSent = sent + chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!done && !res.destroyed) res.end();
      };
      pump();
    });
  }

  const listener =
    (server: LoggedRequest['server']) => (req: http.IncomingMessage, res: http.ServerResponse) => {
      const log: LoggedRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        endpoint: 'other',
        hasKey: typeof req.headers['x-api-key'] === 'string' && req.headers['x-api-key'] !== '',
        status: null,
        server,
      };
      requests.push(log);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined);
      req.on('end', () => {
        handle(req, res, log, Buffer.concat(chunks)).catch((err: unknown) => {
          if (res.headersSent || res.destroyed) return;
          const status = err instanceof HttpError ? err.status : 500;
          const message = err instanceof Error ? err.message : String(err);
          log.status = status;
          const body = Buffer.from(JSON.stringify({ error: message }));
          res.writeHead(status, {
            'content-type': 'application/json',
            'content-length': String(body.length),
            'x-remaining-credits': String(credits),
          });
          res.end(body);
        });
      });
    };
  const server = http.createServer(listener('main'));
  const otherHttp = http.createServer(listener('other-http'));
  const otherHttps = https.createServer(
    { cert: readFileSync(TEST_TLS_CERT_PATH), key: readFileSync(TEST_TLS_KEY_PATH) },
    listener('other-https'),
  );
  const servers = [server, otherHttp, otherHttps];
  for (const srv of servers) {
    srv.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv.on('clientError', (_err: unknown, socket: Socket) => socket.destroy());
  }
  const listen = (srv: http.Server, p: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(p, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
    });
  const port = await listen(server, options.port ?? 0);
  base = `http://127.0.0.1:${port}`;
  otherBase['other-http'] = `http://127.0.0.1:${await listen(otherHttp, 0)}`;
  otherBase['other-https'] = `https://127.0.0.1:${await listen(otherHttps, 0)}`;

  return {
    apiBase: `${base}/api`,
    storageBase: `${base}/storage`,
    outputBase: `${base}/outputs`,
    otherHttpOutputBase: `${otherBase['other-http']}/outputs`,
    otherHttpsOutputBase: `${otherBase['other-https']}/outputs`,
    apiKey,
    port,
    requests,
    submitted,
    get credits() {
      return credits;
    },
    set credits(n: number) {
      credits = n;
    },
    setFault(f) {
      sticky = f ? normalise(f) : null;
    },
    queueFaults(...faults) {
      queue.push(...faults.map(normalise));
    },
    configure(o) {
      Object.assign(opts, Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    },
    expire(requestId) {
      const job = jobs.get(requestId);
      if (job) job.createdAt = Date.now() - opts.latencyMs - opts.retentionMs - 1000;
    },
    advance(ms) {
      for (const job of jobs.values()) job.createdAt -= ms;
    },
    hold(endpoint) {
      if (holds.has(endpoint)) throw new Error(`The fake already holds ${endpoint} requests.`);
      let count = 0;
      let released = false;
      const waiting: Array<() => void> = [];
      const arrivals: Array<{ n: number; resolve: () => void }> = [];
      const state = {
        enter(log: LoggedRequest): Promise<void> {
          if (released) return Promise.resolve();
          count++;
          log.held = true;
          for (const a of arrivals.filter((x) => count >= x.n)) {
            arrivals.splice(arrivals.indexOf(a), 1);
            a.resolve();
          }
          return new Promise<void>((resolve) => waiting.push(resolve));
        },
        release() {
          if (released) return;
          released = true;
          if (holds.get(endpoint) === state) holds.delete(endpoint);
          for (const go of waiting.splice(0)) go();
        },
      };
      holds.set(endpoint, state);
      return {
        get count() {
          return count;
        },
        reached(n = 1, timeoutMs = 30_000) {
          if (count >= n) return Promise.resolve();
          return new Promise<void>((resolve, reject) => {
            const entry = {
              n,
              resolve: () => {
                clearTimeout(t);
                resolve();
              },
            };
            const t = setTimeout(() => {
              arrivals.splice(arrivals.indexOf(entry), 1);
              reject(
                new Error(`The fake held ${count} ${endpoint} request(s) within ${timeoutMs} ms, not ${n}.`),
              );
            }, timeoutMs);
            arrivals.push(entry);
          });
        },
        release: () => state.release(),
      };
    },
    count(endpoint) {
      return requests.filter((r) => r.endpoint === endpoint).length;
    },
    clearLog() {
      requests.length = 0;
    },
    async close() {
      for (const h of [...holds.values()]) h.release();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}

function parseBody(raw: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'The request body must be a JSON object');
}

/** Output size: the requested API size, or for 'auto' the one closest to the input's aspect. */
export function outputSize(size: unknown, width: number, height: number): { width: number; height: number } {
  let s = typeof size === 'string' && (SIZES as readonly string[]).includes(size) ? size : null;
  if (!s) {
    const aspect = width / Math.max(1, height);
    s = aspect > 1.25 ? '1536x1024' : aspect < 0.8 ? '1024x1536' : '1024x1024';
  }
  const [w, h] = s.split('x').map(Number);
  return { width: w ?? 1024, height: h ?? 1024 };
}

/** Rows the fake model renders between two turns of the event loop (about 5 ms of work at 1536 px). */
const RENDER_BAND_ROWS = 32;

/**
 * The fake model. Deterministic in (image, prompt, parameters). Changes every pixel: the frame is shifted,
 * tinted, a disc is drawn, and any channel that ended up within 40 levels of the input is pushed 96 away.
 */
export async function renderEdit(
  image: Buffer,
  body: Record<string, unknown>,
): Promise<{ bytes: Buffer; format: string }> {
  const meta = await sharp(image).metadata();
  const { width: w, height: h } = outputSize(body.size, meta.width ?? 1024, meta.height ?? 1024);
  const src = await sharp(image)
    .rotate()
    .resize(w, h, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const seed = createHash('sha256')
    .update(String(body.prompt ?? ''))
    .digest();
  const tint = [40 + ((seed[0] ?? 0) % 80), 20 + ((seed[1] ?? 0) % 80), 30 + ((seed[2] ?? 0) % 80)];
  const disc = [seed[3] ?? 200, seed[4] ?? 40, seed[5] ?? 120];
  const dx = 5 + ((seed[6] ?? 0) % 20);
  const dy = 3 + ((seed[7] ?? 0) % 20);
  const cx = Math.round(w * (0.25 + ((seed[8] ?? 0) / 255) * 0.5));
  const cy = Math.round(h * (0.25 + ((seed[9] ?? 0) / 255) * 0.5));
  const r2 = Math.round(Math.min(w, h) / 6) ** 2;
  const out = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    // The render runs in the process that serves the fake (a test's, a bench's): it lets the event loop
    // answer between bands of rows, so a status poll during the render is answered at once, not after it.
    if (y > 0 && y % RENDER_BAND_ROWS === 0) await new Promise((r) => setImmediate(r));
    const sy = (y - dy + h) % h;
    for (let x = 0; x < w; x++) {
      const sx = (x - dx + w) % w;
      const i = (y * w + x) * 3;
      const j = (sy * w + sx) * 3;
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 <= r2;
      for (let c = 0; c < 3; c++) {
        const orig = src[i + c] as number;
        let v = inDisc
          ? (disc[c] as number)
          : Math.min(255, Math.round((src[j + c] as number) * 0.6 + (tint[c] as number)));
        if (Math.abs(v - orig) < 40) v = orig >= 128 ? orig - 96 : orig + 96;
        out[i + c] = v;
      }
    }
  }
  const format =
    typeof body.output_format === 'string' && MIME[body.output_format] ? body.output_format : 'png';
  const quality = Number.isInteger(body.output_compression)
    ? Math.max(1, body.output_compression as number)
    : 95;
  let pipe = sharp(out, { raw: { width: w, height: h, channels: 3 } });
  if (body.background === 'transparent' && format !== 'jpeg') pipe = pipe.ensureAlpha();
  const bytes =
    format === 'jpeg'
      ? await pipe.jpeg({ quality }).toBuffer()
      : format === 'webp'
        ? await pipe.webp({ quality }).toBuffer()
        : await pipe.png().toBuffer();
  return { bytes, format };
}
