/**
 * The edit client against the fake Segmind: happy paths, every fault, attempts counted, nothing hangs
 * (every test has its own bound, well under the file's timeout).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createEditApi, EditApiError } from '../../../../electron/core/edit-api';
import type { EditProgress } from '../../../../electron/core/edit-api/types';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { baseInput, clientSuite, failure, recorder, startProxy, testImage, testMask } from './helpers';

let fake: FakeSegmind;

const client = clientSuite((f) => (fake = f), { latencyMs: 0, outputAsArray: false, retentionMs: 3_600_000 });

/** A model wait no test outlasts: the job moves on only when the test ages it (fake.advance). */
const LONG_MS = 600_000;

/**
 * An onProgress that moves the fake's job on from what the client reports: QUEUED for two polls, then
 * PROCESSING for two, then COMPLETED. Each poll sees the status meant for it however slow the machine.
 */
function stepper(): (p: EditProgress) => void {
  let queued = 0;
  let processing = 0;
  return (p) => {
    // The client's first "queued" comes with the request id, before any poll.
    if (p.stage === 'queued' && fake.count('status') > 0 && ++queued === 2) fake.advance(LONG_MS / 4);
    if (p.stage === 'processing' && ++processing === 2) fake.advance(LONG_MS);
  };
}

async function pixelsDiffer(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([
    sharp(a).removeAlpha().raw().toBuffer(),
    sharp(b).removeAlpha().raw().toBuffer(),
  ]);
  let same = 0;
  for (let i = 0; i < x.length; i += 3)
    if (x[i] === y[i] && x[i + 1] === y[i + 1] && x[i + 2] === y[i + 2]) same++;
  return 1 - same / (x.length / 3);
}

describe('happy paths', () => {
  it(
    'v2 with uploads: progress, request id, credits, a decodable image of the requested size',
    { timeout: 10_000 },
    async () => {
      const rec = recorder();
      const input = await baseInput();
      const before = fake.credits;
      const res = await client(fake).edit(input, rec.options);

      expect(res.mime).toBe('image/png');
      const meta = await sharp(res.image).metadata();
      expect([meta.width, meta.height]).toEqual([1024, 1024]);
      expect(await pixelsDiffer(res.image, input.image)).toBe(1); // the fake model changes every pixel
      expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(rec.ids).toEqual([res.requestId]);
      expect(res.creditsLeft).toBe(before - 1);
      expect(rec.credits.at(-1)).toBe(before - 1);
      expect(res.timings.total).toBeGreaterThan(0);
      expect(res.timings.inference_time).toBe(0);

      const stages = rec.stages();
      expect(stages[0]).toBe('uploading');
      expect(stages).toContain('queued');
      expect(stages.slice(-2)).toEqual(['downloading', 'done']);
      const elapsed = rec.events.map((e) => e.elapsedSeconds);
      expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
      expect(rec.events.at(-1)?.requestId).toBe(res.requestId);

      // The body, with the documented fields and the uploaded URLs.
      const sent = fake.submitted.at(-1);
      expect(sent?.version).toBe('v2');
      expect(sent?.body).toMatchObject({
        prompt: input.prompt,
        size: '1024x1024',
        quality: 'high',
        background: 'opaque',
        output_compression: 95,
        output_format: 'png',
        moderation: 'auto',
      });
      expect((sent?.body.image_urls as string[])[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/storage\/assets\//);
      expect(sent?.body.mask as string).toMatch(/\/storage\/assets\//);

      // The key goes to the API and storage hosts only, never to the output download.
      const byEndpoint = (e: string) => fake.requests.filter((r) => r.endpoint === e);
      for (const e of ['upload', 'submit', 'status', 'result']) {
        expect(byEndpoint(e).length).toBeGreaterThan(0);
        expect(byEndpoint(e).every((r) => r.hasKey)).toBe(true);
      }
      expect(byEndpoint('download')).toHaveLength(1);
      expect(byEndpoint('download')[0]?.hasKey).toBe(false);
    },
  );

  it(
    'reuses upload URLs for the same bytes within a session, and uploads a reference once',
    { timeout: 10_000 },
    async () => {
      const c = client(fake);
      const input = await baseInput();
      const ref = await testImage(512, 512, 'jpeg');
      await c.edit({ ...input, references: [ref, ref] });
      expect(fake.count('upload')).toBe(1);
      const first = fake.submitted.at(-1)?.body.image_urls as string[];
      expect(first).toHaveLength(3);
      expect(first[1]).toBe(first[2]);

      await c.edit({ ...input, prompt: 'another change', references: [ref] });
      expect(fake.count('upload')).toBe(1); // nothing new to upload
      expect((fake.submitted.at(-1)?.body.image_urls as string[])[0]).toBe(first[0]);

      await client(fake).edit(input); // a new session uploads again
      expect(fake.count('upload')).toBe(2);
    },
  );

  it('inline transport sends data URIs and never calls upload-asset', { timeout: 10_000 }, async () => {
    const rec = recorder();
    const res = await client(fake, { transport: 'inline' }).edit(await baseInput(), rec.options);
    expect(res.image.length).toBeGreaterThan(0);
    expect(fake.count('upload')).toBe(0);
    expect(rec.stages()).not.toContain('uploading');
    const body = fake.submitted.at(-1)?.body;
    expect((body?.image_urls as string[])[0]).toMatch(/^data:image\/png;base64,/);
    expect(body?.mask as string).toMatch(/^data:image\/png;base64,/);
  });

  it('v1 sync: the response body is the image', { timeout: 10_000 }, async () => {
    const rec = recorder();
    const input = await baseInput();
    const res = await client(fake, { mode: 'sync' }).edit(
      {
        ...input,
        params: { ...input.params, size: '1024x1024', outputFormat: 'webp', outputCompression: 80 },
      },
      rec.options,
    );
    expect(res.mime).toBe('image/webp');
    expect(res.requestId).toBeNull();
    expect(fake.count('status')).toBe(0);
    expect(fake.submitted.at(-1)?.version).toBe('v1');
    expect(rec.stages()).toEqual(['uploading', 'processing', 'downloading', 'done']);
    expect(res.creditsLeft).toBe(fake.credits);
  });

  it(
    'follows QUEUED -> PROCESSING -> COMPLETED and accepts output as an array of URLs',
    { timeout: 10_000 },
    async () => {
      fake.configure({ latencyMs: LONG_MS, outputAsArray: true });
      const rec = recorder();
      const step = stepper();
      const input = await baseInput();
      const res = await client(fake).edit(
        { ...input, params: { ...input.params, outputFormat: 'jpeg', outputCompression: 70 } },
        { ...rec.options, onProgress: (p) => (rec.options.onProgress(p), step(p)) },
      );
      expect(res.mime).toBe('image/jpeg');
      expect(rec.stages()).toEqual(['uploading', 'queued', 'processing', 'downloading', 'done']);
      // Two QUEUED polls, two PROCESSING, one COMPLETED: it polls on while the job runs, and stops at the end.
      expect(fake.count('status')).toBe(5);
      expect(res.timings.inference_time).toBe(LONG_MS / 1000);
    },
  );

  it('createEditApi returns a working client', { timeout: 10_000 }, async () => {
    const api = createEditApi({
      apiKey: fake.apiKey,
      apiBase: fake.apiBase,
      storageBase: fake.storageBase,
      transport: 'inline',
      mode: 'async',
      pollIntervalMs: 20,
    });
    client.track(api);
    const res = await api.edit(await baseInput());
    expect(res.mime).toBe('image/png');
  });
});

describe('resume', () => {
  it('continues a saved request id and fetches the result', { timeout: 10_000 }, async () => {
    fake.configure({ latencyMs: LONG_MS });
    const ac = new AbortController();
    const rec = recorder();
    const first = client(fake);
    // Interrupt right after the id is known, as a crash would.
    const err = await failure(
      first.edit(await baseInput(), {
        ...rec.options,
        signal: ac.signal,
        onRequestId: (id) => {
          rec.ids.push(id);
          ac.abort();
        },
      }),
    );
    expect(err.code).toBe('cancelled');
    const id = rec.ids[0] as string;
    const again = recorder();
    const step = stepper();
    const res = await client(fake).resume(id, {
      ...again.options,
      onProgress: (p) => (again.options.onProgress(p), step(p)),
    });
    expect(res.requestId).toBe(id);
    expect(again.stages()).toContain('processing');
    expect(again.stages().at(-1)).toBe('done');
    expect(fake.submitted.filter((s) => s.requestId === id)).toHaveLength(1); // never re-submitted
  });

  it('says the request expired when the service no longer has it (404)', { timeout: 10_000 }, async () => {
    const ids: string[] = [];
    await client(fake).edit(await baseInput(), { onRequestId: (id) => void ids.push(id) });
    fake.expire(ids[0] as string);
    const err = await failure(client(fake).resume(ids[0] as string));
    expect(err).toBeInstanceOf(EditApiError);
    expect(err.code).toBe('expired');
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/kept for one hour/);
    const unknown = await failure(client(fake).resume('no-such-request'));
    expect(unknown.code).toBe('expired');
    const bad = await failure(client(fake).resume('../../etc'));
    expect(bad.code).toBe('invalid-input');
  });
});

describe('validation before any network call', () => {
  const cases: [string, (i: Awaited<ReturnType<typeof baseInput>>) => unknown, RegExp][] = [
    [
      'compression above 100',
      (i) => ({ ...i, params: { ...i.params, outputCompression: 101 } }),
      /outputCompression/,
    ],
    [
      'compression not an integer',
      (i) => ({ ...i, params: { ...i.params, outputCompression: 50.5 } }),
      /outputCompression/,
    ],
    ['unknown quality', (i) => ({ ...i, params: { ...i.params, quality: 'ultra' } }), /quality/],
    ['unknown size', (i) => ({ ...i, params: { ...i.params, size: '2048x2048' } }), /size/],
    [
      'transparent jpeg',
      (i) => ({ ...i, params: { ...i.params, background: 'transparent', outputFormat: 'jpeg' } }),
      /transparent/,
    ],
    ['empty prompt', (i) => ({ ...i, prompt: '   ' }), /prompt/],
    [
      'image not at the API size',
      (i) => ({ ...i, params: { ...i.params, size: '1536x1024' } }),
      /1024x1024 but size is 1536x1024/,
    ],
    ['mask not an image', (i) => ({ ...i, mask: new Uint8Array([1, 2, 3]) }), /mask must be a PNG/],
    ['too many references', (i) => ({ ...i, references: Array(16).fill(i.image) }), /at most 15/],
  ];
  for (const [name, make, message] of cases) {
    it(`rejects ${name}`, { timeout: 5000 }, async () => {
      const err = await failure(client(fake).edit(make(await baseInput()) as never));
      expect(err.code).toBe('invalid-input');
      expect(err.message).toMatch(message);
      expect(fake.requests).toHaveLength(0);
    });
  }

  it('rejects a mask without alpha, or of another size', { timeout: 5000 }, async () => {
    const rgb = await failure(client(fake).edit(await baseInput({ mask: await testMask(1024, 1024, 3) })));
    expect(rgb.message).toMatch(/RGBA/);
    const small = await failure(client(fake).edit(await baseInput({ mask: await testMask(512, 512) })));
    expect(small.message).toMatch(/mask is 512x512/);
    expect(fake.requests).toHaveLength(0);
  });

  it('fails fast without a key, and when already cancelled', { timeout: 5000 }, async () => {
    const err = await failure(client(fake, { apiKey: null }).edit(await baseInput()));
    expect(err.code).toBe('no-api-key');
    expect(err.message).toMatch(/Settings/);
    const ac = new AbortController();
    ac.abort();
    expect((await failure(client(fake).edit(await baseInput(), { signal: ac.signal }))).code).toBe(
      'cancelled',
    );
    expect(fake.requests).toHaveLength(0);
  });
});

describe('service errors', () => {
  it('401: asks for a valid key, one attempt', { timeout: 5000 }, async () => {
    fake.setFault({ name: '401', endpoint: 'submit' });
    const err = await failure(client(fake).edit(await baseInput()));
    expect(err.code).toBe('bad-api-key');
    expect(err.message).toBe(
      'The edit service did not accept the API key (HTTP 401); set a valid Segmind API key in Settings.',
    );
    expect(err.attempts).toBe(1);
    expect(fake.count('submit')).toBe(1);
  });

  it('a wrong key is a 401 from the real check too (on upload)', { timeout: 5000 }, async () => {
    const err = await failure(client(fake, { apiKey: 'wrong-key' }).edit(await baseInput()));
    expect(err.code).toBe('bad-api-key');
    expect(fake.count('upload')).toBe(1);
    expect(fake.count('submit')).toBe(0);
  });

  it('406: no credits, with the number left', { timeout: 5000 }, async () => {
    fake.setFault({ name: '406', endpoint: 'submit' });
    const err = await failure(client(fake).edit(await baseInput()));
    expect(err.code).toBe('no-credits');
    expect(err.message).toContain(`(${fake.credits} left)`);
    expect(err.attempts).toBe(1);
  });

  it('406 for real when the account runs dry', { timeout: 5000 }, async () => {
    const saved = fake.credits;
    fake.credits = 0;
    try {
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('no-credits');
      expect(err.message).toContain('(0 left)');
    } finally {
      fake.credits = saved;
    }
  });

  it(
    '422 FAILED on submit and on a status poll: the service reason is shown',
    { timeout: 5000 },
    async () => {
      fake.setFault({ name: '422', endpoint: 'submit', reason: 'Content blocked by the safety system' });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('blocked');
      expect(err.message).toBe(
        'The edit service refused this edit (Content blocked by the safety system); change the prompt or the masked area and try again.',
      );
      expect(err.attempts).toBe(1);
      fake.setFault({ name: '422', endpoint: 'status' });
      const poll = await failure(client(fake).edit(await baseInput()));
      expect(poll.code).toBe('blocked');
      expect(poll.message).toMatch(/moderation_blocked/);
    },
  );

  it(
    'the key is redacted from every message, even when the service echoes it',
    { timeout: 5000 },
    async () => {
      fake.setFault({
        name: '422',
        endpoint: 'submit',
        reason: `key ${fake.apiKey} is blocked; x-api-key: ${fake.apiKey}`,
      });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('blocked');
      expect(err.message).not.toContain(fake.apiKey);
      expect(err.stack ?? '').not.toContain(fake.apiKey);
      expect(err.message).toContain('[redacted]');
    },
  );
});

describe('retries', () => {
  it(
    '429 then OK: honours Retry-After (1 s) and succeeds on the second attempt',
    { timeout: 8000 },
    async () => {
      fake.setFault({ name: '429-then-ok', endpoint: 'submit', retryAfter: '1' });
      const t0 = Date.now();
      const res = await client(fake).edit(await baseInput());
      expect(res.mime).toBe('image/png');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      expect(fake.requests.filter((r) => r.endpoint === 'submit').map((r) => r.status)).toEqual([429, 200]);
    },
  );

  it('429 every time: rate-limited after maxRetries + 1 attempts', { timeout: 5000 }, async () => {
    fake.setFault({ name: '429-then-ok', endpoint: 'status', times: 100, retryAfter: '0' });
    const err = await failure(client(fake, { maxRetries: 2 }).edit(await baseInput()));
    expect(err.code).toBe('rate-limited');
    expect(err.attempts).toBe(3);
    // Polls come after the service accepted the edit: the message leads to collecting it, not paying twice.
    expect(err.message).toMatch(/HTTP 429, 3 attempts.*the edit was accepted \(request [0-9a-f-]+\)/);
    expect(err.message).not.toMatch(/try again|run the edit again\b(?! )/);
    expect(fake.count('status')).toBe(3);
  });

  for (const [fault, endpoint] of [
    ['500-then-ok', 'submit'],
    ['502-then-ok', 'submit'],
    ['500-then-ok', 'status'],
    ['502-then-ok', 'result'],
    ['500-then-ok', 'upload'],
    ['502-then-ok', 'download'],
  ] as const) {
    it(`${fault} on ${endpoint}: retried once, then OK`, { timeout: 5000 }, async () => {
      fake.setFault({ name: fault, endpoint });
      const res = await client(fake).edit(await baseInput());
      expect(res.image.length).toBeGreaterThan(0);
      const hits = fake.requests.filter((r) => r.endpoint === endpoint);
      expect(hits[0]?.status).toBe(fault.startsWith('500') ? 500 : 502);
      expect(hits[1]?.status).toBe(200);
      expect(fake.submitted.filter((s) => s.requestId === res.requestId)).toHaveLength(1);
    });
  }

  it(
    '504 on a poll is retried; 504 on a submit is outcome-unknown, never re-submitted',
    { timeout: 5000 },
    async () => {
      fake.setFault({ name: '504-then-ok', endpoint: 'status' });
      expect((await client(fake).edit(await baseInput())).image.length).toBeGreaterThan(0);
      fake.clearLog();
      fake.setFault({ name: '504-then-ok', endpoint: 'submit' });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code).toBe('outcome-unknown');
      expect(err.status).toBe(504);
      expect(fake.count('submit')).toBe(1);
    },
  );

  it('always 500: server-error after 4 attempts (3 retries), with backoff', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'always-500', endpoint: 'submit' });
    const err = await failure(client(fake, { retryBaseMs: 40, retryMaxMs: 1000 }).edit(await baseInput()));
    expect(err.code).toBe('server-error');
    expect(err.attempts).toBe(4);
    expect(err.status).toBe(500);
    expect(err.message).toBe(
      'The edit service had a server error (HTTP 500, 4 attempts); try again in a few minutes.',
    );
    expect(fake.count('submit')).toBe(4);
  });

  it(
    'connection refused: offline after retries (nothing was sent, so even a submit may retry)',
    { timeout: 5000 },
    async () => {
      const dead = await startFakeSegmind();
      const { apiBase } = dead;
      await dead.close();
      const err = await failure(
        client(fake, { apiBase, transport: 'inline', maxRetries: 2 }).edit(await baseInput()),
      );
      expect(err.code).toBe('offline');
      expect(err.attempts).toBe(3);
      expect(err.message).toMatch(
        /^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\); check your network connection and proxy settings/,
      );
    },
  );

  it('DNS failure: offline', { timeout: 8000 }, async () => {
    const err = await failure(
      client(fake, { apiBase: 'http://no-such-host.invalid', transport: 'inline', maxRetries: 0 }).edit(
        await baseInput(),
      ),
    );
    expect(err.code).toBe('offline');
    expect(err.message).toMatch(/no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)/);
  });
});

describe('broken connections and bodies', () => {
  it('garbage answers are bad-response, not retried', { timeout: 5000 }, async () => {
    for (const endpoint of ['submit', 'status', 'result', 'upload', 'download'] as const) {
      fake.clearLog();
      fake.setFault({ name: 'garbage', endpoint });
      const err = await failure(client(fake).edit(await baseInput()));
      expect(err.code, endpoint).toBe('bad-response');
      expect(err.message).toMatch(/cannot read .*report it if it keeps happening\.$/);
      expect(fake.count(endpoint)).toBe(1);
    }
  });

  it('reset during submit: outcome unknown, never re-submitted', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'reset', endpoint: 'submit' });
    const err = await failure(client(fake).edit(await baseInput()));
    expect(err.code).toBe('outcome-unknown');
    expect(err.attempts).toBe(1);
    expect(err.message).toMatch(/may have accepted and charged it; check your Segmind dashboard/);
    expect(fake.count('submit')).toBe(1);
  });

  it('reset during v1 submit: outcome unknown too', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'reset', endpoint: 'submit' });
    const err = await failure(client(fake, { mode: 'sync' }).edit(await baseInput()));
    expect(err.code).toBe('outcome-unknown');
    expect(fake.count('submit')).toBe(1);
  });

  it('a reset poll is retried; reset uploads end offline after retries', { timeout: 5000 }, async () => {
    fake.queueFaults({ name: 'reset', endpoint: 'status' });
    const res = await client(fake).edit(await baseInput());
    expect(res.image.length).toBeGreaterThan(0);
    fake.clearLog();
    fake.setFault({ name: 'reset', endpoint: 'upload' });
    const err = await failure(client(fake, { maxRetries: 2 }).edit(await baseInput()));
    expect(err.code).toBe('offline');
    expect(err.attempts).toBe(3);
    expect(fake.count('upload')).toBe(3);
    expect(fake.count('submit')).toBe(0);
  });

  it(
    'hang on submit: the read timeout ends it as outcome-unknown, no re-submit',
    { timeout: 15_000 },
    async () => {
      fake.setFault({ name: 'hang', endpoint: 'submit' });
      // The deadline would end it as 'timeout'; only the read timeout gives 'outcome-unknown'.
      const err = await failure(
        client(fake, { readTimeoutMs: 500, deadlineMs: 60_000 }).edit(await baseInput()),
      );
      expect(err.code).toBe('outcome-unknown');
      expect(fake.count('submit')).toBe(1);
    },
  );

  it('hang on every poll: read timeouts, retried, then timeout', { timeout: 15_000 }, async () => {
    fake.setFault({ name: 'hang', endpoint: 'status' });
    const err = await failure(client(fake, { readTimeoutMs: 300, maxRetries: 2 }).edit(await baseInput()));
    expect(err.code).toBe('timeout');
    expect(err.attempts).toBe(3);
    expect(err.message).toMatch(/stopped answering/);
    expect(fake.count('status')).toBe(3);
  });

  it(
    'hang on download: the deadline ends it, naming the request to resume',
    { timeout: 15_000 },
    async () => {
      fake.setFault({ name: 'hang', endpoint: 'download' });
      // A deadline the upload, submit and polls fit in on a loaded machine, and far shorter than the read
      // timeout: only the deadline can end the hang, and only its message says "did not finish within 3 s".
      const input = await baseInput();
      const err = await failure(client(fake, { readTimeoutMs: 60_000, deadlineMs: 3000 }).edit(input));
      expect(err.code).toBe('timeout');
      expect(err.message).toMatch(
        /did not finish within 3 s \(request [0-9a-f-]+ may still finish within the hour: resume it\)/,
      );
      expect(fake.count('download')).toBe(1);
    },
  );

  it('slow answers are waited for', { timeout: 5000 }, async () => {
    fake.setFault({ name: 'slow', endpoint: 'status', delayMs: 300, times: 2 });
    const res = await client(fake).edit(await baseInput());
    expect(res.image.length).toBeGreaterThan(0);
  });
});

describe('cancel and deadline', () => {
  it('cancels while polling, promptly', { timeout: 15_000 }, async () => {
    // Aborted in the pause after a poll answered QUEUED: the pause lasts a minute and the job far longer,
    // so only a cancel that cuts the pause short ends the edit within the test's bound.
    fake.configure({ latencyMs: LONG_MS });
    const ac = new AbortController();
    let polled = 0;
    const p = client(fake, { pollIntervalMs: 60_000 }).edit(await baseInput(), {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.stage === 'queued' && fake.count('status') > 0 && !polled) {
          polled = fake.count('status');
          ac.abort();
        }
      },
    });
    const err = await failure(p);
    expect(polled).toBe(1);
    expect(err.code).toBe('cancelled');
    expect(err.message).toBe('The edit was cancelled.');
    expect(fake.count('status')).toBe(1);
  });

  it('cancels during a hanging upload', { timeout: 15_000 }, async () => {
    // The upload reaches the service and is never answered until the test lets it go.
    const upload = fake.hold('upload');
    try {
      const ac = new AbortController();
      const p = failure(
        client(fake, { readTimeoutMs: 30_000 }).edit(await baseInput(), { signal: ac.signal }),
      );
      await upload.reached(1);
      ac.abort();
      const err = await p;
      expect(err.code).toBe('cancelled');
      expect(fake.count('submit')).toBe(0);
    } finally {
      upload.release();
    }
  });

  it('cancels a v1 request waiting for its image', { timeout: 15_000 }, async () => {
    fake.configure({ latencyMs: LONG_MS });
    const ac = new AbortController();
    const before = fake.submitted.length;
    const p = failure(client(fake, { mode: 'sync' }).edit(await baseInput(), { signal: ac.signal }));
    // Aborted once the service has taken the request and is working on it (bounded: 10 s).
    for (let i = 0; i < 500 && fake.submitted.length === before; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(fake.submitted.slice(before).map((x) => x.version)).toEqual(['v1']);
    ac.abort();
    const err = await p;
    expect(err.code).toBe('cancelled');
  });

  it('a deadline ends a long job with a clear error', { timeout: 5000 }, async () => {
    fake.configure({ latencyMs: 5000 });
    const err = await failure(client(fake, { deadlineMs: 400 }).edit(await baseInput()));
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/raise the timeout in Settings\.$/);
  });
});

describe('proxy', () => {
  it('goes through HTTP_PROXY, and not for hosts in NO_PROXY', { timeout: 10_000 }, async () => {
    const proxy = await startProxy();
    try {
      const res = await client(fake, {}, { proxy: { httpProxy: proxy.url, noProxy: '' } }).edit(
        await baseInput(),
      );
      expect(res.image.length).toBeGreaterThan(0);
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(proxy.seen.join('\n')).toContain(`127.0.0.1:${fake.port}`);
      proxy.seen.length = 0;
      await client(fake, {}, { proxy: { httpProxy: proxy.url, noProxy: '127.0.0.1' } }).edit(
        await baseInput(),
      );
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
