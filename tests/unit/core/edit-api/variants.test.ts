/**
 * The documented variants of the service (SEGMIND_API.md) against the fake: upload answer keys, the four
 * output shapes, bounded bodies, rate-limit hints, 406/410, cost, output hosts, and what errors say once
 * the service has accepted the edit. Every test has its own time bound.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS } from '../../../../electron/core/edit-api/http';
import {
  startFakeSegmind,
  TEST_TLS_CERT_PATH,
  type FakeSegmind,
  type OutputShape,
} from '../../../fake-segmind/server';
import { baseInput, clientSuite, failure, recorder } from './helpers';

let fake: FakeSegmind;
/** A dispatcher that trusts the fake's https output host (as NODE_EXTRA_CA_CERTS would). */
const tlsAgent = () => new Agent({ connect: { ca: readFileSync(TEST_TLS_CERT_PATH) } });

const client = clientSuite((f) => (fake = f), {
  latencyMs: 0,
  outputAsArray: false,
  outputShape: 'url',
  outputHost: 'same',
  uploadKey: 'file_urls',
  v1AsJson: false,
  costUsd: 0.24,
});

const NO_RETRY_ADVICE = /try again|run the edit again/i;

describe('upload answer', () => {
  it('accepts the list under `urls` as well as `file_urls`', { timeout: 10_000 }, async () => {
    for (const key of ['urls', 'file_urls'] as const) {
      fake.configure({ uploadKey: key });
      const c = client(fake); // a new session: nothing remembered, so it uploads
      const res = await c.edit(await baseInput());
      expect(res.mime, key).toBe('image/png');
      expect((fake.submitted.at(-1)?.body.image_urls as string[])[0]).toMatch(/\/storage\/assets\//);
    }
    expect(fake.count('upload')).toBe(2);
  });
});

describe('output shapes', () => {
  const shapes: OutputShape[] = ['url', 'array', 'data-uri', 'base64'];
  for (const shape of shapes) {
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      it(`v2 output as ${shape} (${format})`, { timeout: 10_000 }, async () => {
        fake.configure({ outputShape: shape });
        const input = await baseInput();
        const rec = recorder();
        const res = await client(fake).edit(
          { ...input, params: { ...input.params, outputFormat: format } },
          rec.options,
        );
        expect(res.mime).toBe(`image/${format}`);
        const meta = await sharp(res.image).metadata();
        expect([meta.width, meta.height]).toEqual([1024, 1024]);
        const downloads = fake.requests.filter((r) => r.endpoint === 'download');
        expect(downloads).toHaveLength(shape === 'url' || shape === 'array' ? 1 : 0);
        expect(downloads.every((r) => !r.hasKey)).toBe(true);
        expect(rec.stages().slice(-2)).toEqual(['downloading', 'done']);
      });
    }
  }

  for (const shape of shapes) {
    it(`v1 JSON answer with output as ${shape}`, { timeout: 10_000 }, async () => {
      fake.configure({ v1AsJson: true, outputShape: shape });
      const res = await client(fake, { mode: 'sync' }).edit(await baseInput());
      expect(res.mime).toBe('image/png');
      expect((await sharp(res.image).metadata()).width).toBe(1024);
      expect(res.cost).toBeCloseTo(0.24);
    });
  }
});

describe('bounded bodies', () => {
  /** Runs `work` while sampling rss; returns the largest growth seen (bounded: one sample per 10 ms). */
  async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const result = await work();
      peak = Math.max(peak, process.memoryUsage().rss);
      return { result, growth: peak - before };
    } finally {
      clearInterval(timer);
    }
  }
  const MB = 1024 * 1024;
  const GB15 = 1.5 * 1024 ** 3;

  for (const declareLength of [false, true]) {
    it(
      `a 1.5 GB download (${declareLength ? 'declared' : 'chunked'}) is aborted at the cap, memory stays bounded`,
      { timeout: 30_000 },
      async () => {
        fake.setFault({ name: 'huge', endpoint: 'download', bytes: GB15, declareLength });
        const input = await baseInput();
        const { result: err, growth } = await peakRssGrowth(() =>
          failure(client(fake, { readTimeoutMs: 10_000 }).edit(input)),
        );
        expect(err.code).toBe('too-large');
        expect(err.message).toMatch(
          /^The edit service sent a result of more than 64 MB, which is not an image/,
        );
        // After acceptance: lead to collecting the result, never to paying again.
        expect(err.message).toMatch(/the edit was accepted \(request [0-9a-f-]+\)/);
        expect(err.message).not.toMatch(NO_RETRY_ADVICE);
        expect((err as unknown as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(growth).toBeLessThan(200 * MB);
        const dl = fake.requests.filter((r) => r.endpoint === 'download');
        expect(dl).toHaveLength(1); // not retried
        // The fake saw the socket close early: far less than the body was transferred.
        await waitFor(() => dl[0]?.aborted === true, 5000);
        expect(dl[0]?.aborted).toBe(true);
        expect(dl[0]?.bytesSent ?? 0).toBeLessThan(declareLength ? 32 * MB : 200 * MB);
      },
    );
  }

  it(
    'a result JSON may carry a large inline image, but not 1.5 GB; a status answer is capped at 1 MB',
    { timeout: 30_000 },
    async () => {
      fake.setFault({ name: 'huge', endpoint: 'result', bytes: GB15 });
      const input = await baseInput();
      const { result: err, growth } = await peakRssGrowth(() =>
        failure(client(fake, { readTimeoutMs: 10_000 }).edit(input)),
      );
      expect(err.code).toBe('too-large');
      expect(err.message).toMatch(/more than 64 MB/);
      expect(growth).toBeLessThan(200 * MB);
      const res = fake.requests.filter((r) => r.endpoint === 'result');
      await waitFor(() => res[0]?.aborted === true, 5000);
      expect(res[0]?.aborted).toBe(true);

      fake.clearLog();
      fake.setFault({ name: 'huge', endpoint: 'status', bytes: 8 * MB, declareLength: true });
      const small = await failure(client(fake).edit(await baseInput()));
      expect(small.code).toBe('too-large');
      expect(small.message).toMatch(/an answer of more than 1 MB to the status call/);
      expect(small.message).not.toMatch(NO_RETRY_ADVICE);

      fake.clearLog();
      fake.setFault({ name: 'huge', endpoint: 'upload', bytes: 8 * MB });
      const up = await failure(client(fake).edit(await baseInput()));
      expect(up.code).toBe('too-large');
      expect(up.message).toMatch(/more than 1 MB to the upload call.*; try again, and report it/);
      expect(fake.count('submit')).toBe(0);
    },
  );

  it('a v1 image body past 64 MB is refused too', { timeout: 30_000 }, async () => {
    fake.setFault({ name: 'huge', endpoint: 'submit', bytes: GB15 });
    const err = await failure(client(fake, { mode: 'sync', readTimeoutMs: 10_000 }).edit(await baseInput()));
    expect(err.code).toBe('too-large');
    expect(fake.count('submit')).toBe(1);
  });
});

describe('rate limits', () => {
  it('honours x-rate-limit-reset-at-utc when there is no Retry-After', { timeout: 8000 }, async () => {
    fake.setFault({ name: '429-reset-at', endpoint: 'submit', resetInMs: 900 });
    const t0 = Date.now();
    const res = await client(fake).edit(await baseInput());
    expect(res.mime).toBe('image/png');
    // The backoff alone would be ~10 ms: only the hint explains waiting most of a second.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(fake.requests.filter((r) => r.endpoint === 'submit').map((r) => r.status)).toEqual([429, 200]);
  });

  for (const [name, fault] of [
    ['Retry-After 3600', { name: '429-then-ok', retryAfter: '3600' }],
    ['reset-at in an hour', { name: '429-reset-at', resetInMs: 3_600_000 }],
  ] as const) {
    it(`a hint past the limit (${name}) ends retries and says how long`, { timeout: 5000 }, async () => {
      fake.setFault({ ...fault, endpoint: 'submit' });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('rate-limited');
      expect(err.attempts).toBe(1);
      expect(err.message).toMatch(/the service asks to wait 60 minutes\); wait 60 minutes and try again\.$/);
      expect(err.message).not.toMatch(/a minute/);
      expect(3_600_000).toBeGreaterThan(MAX_RETRY_AFTER_MS);
    });
  }
});

describe('406 and 410', () => {
  it('406: credits, team spend limit or Content-Type, said apart', { timeout: 8000 }, async () => {
    fake.setFault({ name: '406', endpoint: 'submit' });
    const credits = await failure(client(fake).edit(await baseInput()));
    expect(credits.code).toBe('no-credits');
    expect(credits.message).toContain(`not have enough credits for this edit (${fake.credits} left)`);

    fake.setFault({ name: '406-spend-limit', endpoint: 'submit' });
    const spend = await failure(client(fake).edit(await baseInput()));
    expect(spend.code).toBe('no-credits');
    expect(spend.message).toMatch(/team has reached its spend limit \(HTTP 406, \d+ left\)/);
    expect(spend.message).not.toMatch(/top up/);

    fake.setFault({ name: '406-content-type', endpoint: 'submit' });
    const ct = await failure(client(fake).edit(await baseInput()));
    expect(ct.code).toBe('bad-response');
    expect(ct.message).toMatch(/refused the request's Content-Type \(HTTP 406: .*application\/json\)/);
    expect(ct.message).not.toMatch(/credits/);
    expect(fake.count('submit')).toBe(3);
  });

  it('410: the model was retired, not retried', { timeout: 5000 }, async () => {
    fake.setFault({ name: '410', endpoint: 'submit' });
    const err = await failure(client(fake).edit(await baseInput()));
    expect(err.code).toBe('retired');
    expect(err.status).toBe(410);
    expect(err.message).toMatch(/^Segmind has retired the gpt-image-1\.5-edit model \(HTTP 410\)/);
    expect(fake.count('submit')).toBe(1);
  });
});

describe('cost', () => {
  it('v2: metrics.cost and metrics.remaining_credits', { timeout: 5000 }, async () => {
    fake.configure({ costUsd: 0.31 });
    const rec = recorder();
    const res = await client(fake).edit(await baseInput(), rec.options);
    expect(res.cost).toBeCloseTo(0.31);
    expect(res.creditsLeft).toBe(fake.credits);
  });

  it('v1: the x-cost header', { timeout: 5000 }, async () => {
    fake.configure({ costUsd: 0.27 });
    const res = await client(fake, { mode: 'sync' }).edit(await baseInput());
    expect(res.cost).toBeCloseTo(0.27);
  });
});

describe('mislabels', () => {
  it(
    'a 504 on submit says the gateway timed out, not that the connection dropped',
    { timeout: 5000 },
    async () => {
      fake.setFault({ name: '504-then-ok', endpoint: 'submit' });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('outcome-unknown');
      expect(err.message).toMatch(
        /^The gateway timed out \(HTTP 504\) after the edit was sent, so the service may/,
      );
      expect(err.message).not.toMatch(/connection dropped/);
    },
  );

  it(
    'a poll that keeps resetting says the connection dropped, not that the host is unreachable',
    { timeout: 5000 },
    async () => {
      fake.setFault({ name: 'reset', endpoint: 'status' });
      const err = await failure(client(fake, { maxRetries: 1 }).edit(await baseInput()));
      expect(err.code).toBe('offline');
      expect(err.message).toMatch(/^The connection to 127\.0\.0\.1:\d+ dropped \(/);
      expect(err.message).not.toMatch(/Could not reach/);
    },
  );

  it('a submit that hangs says the service stopped answering', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'hang', endpoint: 'submit' });
    const err = await failure(client(fake, { readTimeoutMs: 400 }).edit(await baseInput()));
    expect(err.code).toBe('outcome-unknown');
    expect(err.message).toMatch(/^127\.0\.0\.1:\d+ stopped answering for 1 s after the edit was sent, so/);
  });
});

describe('output hosts', () => {
  it('an http output on another host is refused before any request to it', { timeout: 5000 }, async () => {
    fake.configure({ outputHost: 'other-http' });
    const trusted: string[] = [];
    const err = await failure(
      client(fake, {}, { trustDownload: (u) => (trusted.push(u), () => undefined) }).edit(await baseInput()),
    );
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(
      /^The edit service named its result at http:\/\/127\.0\.0\.1:\d+, which is neither https/,
    );
    expect(err.message).toMatch(/the edit was accepted|report it/);
    expect(trusted).toEqual([]);
    expect(fake.requests.filter((r) => r.server !== 'main')).toEqual([]);
  });

  it(
    'an https output on another host: trusted for the download, then revoked; no key sent',
    { timeout: 10_000 },
    async () => {
      fake.configure({ outputHost: 'other-https' });
      const events: string[] = [];
      const c = client(
        fake,
        {},
        {
          dispatcher: tlsAgent(),
          trustDownload: (u) => {
            events.push(`trust ${new URL(u).origin}`);
            return () => events.push('revoke');
          },
        },
      );
      const res = await c.edit(await baseInput());
      expect(res.mime).toBe('image/png');
      const other = fake.requests.filter((r) => r.server === 'other-https');
      expect(other).toHaveLength(1);
      expect(other[0]?.endpoint).toBe('download');
      expect(other[0]?.hasKey).toBe(false);
      expect(events).toEqual([`trust ${new URL(fake.otherHttpsOutputBase).origin}`, 'revoke']);

      // Revoked even when the download fails, and still size-capped on that host.
      events.length = 0;
      fake.setFault({ name: 'huge', endpoint: 'download', bytes: 1.5 * 1024 ** 3 });
      const err = await failure(c.edit(await baseInput({ prompt: 'another' })));
      expect(err.code).toBe('too-large');
      expect(events).toHaveLength(2);
      expect(events[1]).toBe('revoke');
    },
  );
});

describe('after the service accepted the edit', () => {
  for (const [label, fault, code] of [
    ['always 500 on status', { name: 'always-500', endpoint: 'status' }, 'server-error'],
    ['504 on result', { name: '504-then-ok', endpoint: 'result', times: 10 }, 'server-error'],
    [
      '429 on status',
      { name: '429-then-ok', endpoint: 'status', times: 10, retryAfter: '0' },
      'rate-limited',
    ],
    ['reset on download', { name: 'reset', endpoint: 'download' }, 'offline'],
    ['hang on status', { name: 'hang', endpoint: 'status' }, 'timeout'],
    ['garbage result', { name: 'garbage', endpoint: 'result' }, 'bad-response'],
  ] as const) {
    it(`${label}: ${code}, carrying the request id, never "try again"`, { timeout: 8000 }, async () => {
      fake.setFault(fault);
      const ids: string[] = [];
      const err = await failure(
        client(fake, { maxRetries: 1, readTimeoutMs: 300 }).edit(await baseInput(), {
          onRequestId: (id) => void ids.push(id),
        }),
      );
      expect(err.code).toBe(code);
      expect((err as unknown as { requestId: string | null }).requestId).toBe(ids[0]);
      expect(err.message).toContain(`the edit was accepted (request ${ids[0]})`);
      expect(err.message).not.toMatch(NO_RETRY_ADVICE);
      expect(err.attempts).toBeGreaterThanOrEqual(1);
      expect(fake.submitted.filter((s) => s.requestId === ids[0])).toHaveLength(1);
    });
  }

  it('before acceptance, errors carry no request id', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'always-500', endpoint: 'submit' });
    const err = await failure(client(fake, { maxRetries: 1 }).edit(await baseInput()));
    expect((err as unknown as { requestId: string | null }).requestId).toBeNull();
    expect(err.message).toMatch(/try again in a few minutes\.$/);
  });
});

describe('redaction of echoed keys', () => {
  it(
    'a key the cut at 300 characters would split never leaks its first half',
    { timeout: 20_000 },
    async () => {
      const key = 'sk-Zq9x/Kk2+Lm7Pw4Rt8&Vb3';
      const own = await startFakeSegmind({ apiKey: key });
      try {
        for (const offset of [280, 290, 296, 299, 300]) {
          for (const form of [key, encodeURIComponent(key), Buffer.from(key).toString('base64')]) {
            own.setFault({ name: '422', endpoint: 'submit', reason: `${'x'.repeat(offset)}${form} tail` });
            const c = new (await import('../../../../electron/core/edit-api')).SegmindClient(
              {
                apiKey: key,
                apiBase: own.apiBase,
                storageBase: own.storageBase,
                transport: 'inline',
                mode: 'async',
                maxRetries: 0,
              },
              {},
            );
            const err = await failure(c.edit(await baseInput()));
            await c.close();
            expect(err.code).toBe('blocked');
            expect(err.message, `${offset} ${form}`).not.toContain(form.slice(0, 6));
          }
        }
      } finally {
        await own.close();
      }
    },
  );
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
