/** The fake Segmind itself: faithful to SEGMIND_API.md, so other suites can trust it. */
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outputSize, renderEdit, startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { testImage, testMask } from './helpers';

let fake: FakeSegmind;
let image: Buffer;
let mask: Buffer;
const dataUrl = (b: Uint8Array) => `data:image/png;base64,${Buffer.from(b).toString('base64')}`;

beforeAll(async () => {
  fake = await startFakeSegmind({ credits: 10 });
  image = Buffer.from(await testImage(1024, 1024));
  mask = Buffer.from(await testMask(1024, 1024));
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.setFault(null);
  fake.clearLog();
  fake.configure({ latencyMs: 0, retentionMs: 3_600_000 });
});

async function call(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key !== null) headers['x-api-key'] = init.key ?? fake.apiKey;
  const res = await fetch(path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers,
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json: Record<string, unknown> | null;
  try {
    json = JSON.parse(buf.toString()) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, buf };
}

const submit = (body: Record<string, unknown>, v = 'v2', key?: string | null) =>
  call(`${fake.apiBase}/${v}/gpt-image-1.5-edit`, { body, key: key ?? fake.apiKey });

describe('fake Segmind', () => {
  it(
    'v2: request_id, status/response/poll URLs, status, result with an output URL that needs no key',
    { timeout: 10_000 },
    async () => {
      // A latency no test outlasts: the job moves on only when the test ages it (advance), so each status
      // below is the one asked for however slow the machine (the render's CPU work shares this event loop).
      fake.configure({ latencyMs: 400_000 });
      const before = fake.credits;
      const s = await submit({
        prompt: 'x',
        image_urls: [dataUrl(image)],
        mask: dataUrl(mask),
        size: '1536x1024',
      });
      expect(s.status).toBe(200);
      expect(s.json).toMatchObject({ status: 'QUEUED' });
      for (const k of ['request_id', 'status_url', 'response_url', 'poll_url'])
        expect(typeof s.json?.[k]).toBe('string');
      expect(s.headers.get('x-remaining-credits')).toBe(String(before - 1));
      const statuses: string[] = [];
      const status = async () =>
        statuses.push((await call(s.json?.status_url as string)).json?.status as string);
      // QUEUED for the first quarter of the latency, PROCESSING until it ends, then COMPLETED.
      await status();
      await status();
      expect((await call(s.json?.response_url as string)).json).toMatchObject({
        status: 'QUEUED',
        output: null,
      });
      fake.advance(100_000);
      await status();
      await status();
      fake.advance(300_000);
      await status();
      expect(statuses).toEqual(['QUEUED', 'QUEUED', 'PROCESSING', 'PROCESSING', 'COMPLETED']);
      const r = await call(s.json?.response_url as string);
      expect(r.json).toMatchObject({ status: 'COMPLETED', error: null, metrics: { inference_time: 400 } });
      const out = await call(r.json?.output as string, { key: null });
      expect(out.status).toBe(200);
      expect(out.headers.get('content-type')).toBe('image/png');
      const m = await sharp(out.buf).metadata();
      expect([m.width, m.height, m.format]).toEqual([1536, 1024, 'png']);
      expect(fake.requests.find((q) => q.endpoint === 'download')?.hasKey).toBe(false);
    },
  );

  it('v1 returns the image bytes in the requested format', { timeout: 10_000 }, async () => {
    const r = await submit(
      { prompt: 'x', image_urls: [dataUrl(image)], output_format: 'jpeg', output_compression: 50 },
      'v1',
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(r.buf).metadata()).format).toBe('jpeg');
  });

  it('upload-asset returns file URLs usable in image_urls', { timeout: 10_000 }, async () => {
    const up = await call(`${fake.storageBase}/upload-asset`, {
      body: { data_urls: [dataUrl(image), dataUrl(mask)] },
    });
    expect(up.status).toBe(200);
    const urls = up.json?.file_urls as string[];
    expect(urls).toHaveLength(2);
    expect(typeof up.json?.message).toBe('string');
    const s = await submit({ prompt: 'x', image_urls: [urls[0]], mask: urls[1] });
    expect(s.status).toBe(200);
    const bad = await call(`${fake.storageBase}/upload-asset`, { body: { data_urls: ['not a data url'] } });
    expect(bad.status).toBe(400);
  });

  it(
    'validates the body: required fields, enums, compression, mask = RGBA PNG of the image size',
    { timeout: 10_000 },
    async () => {
      const base = { prompt: 'x', image_urls: [dataUrl(image)] };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ image_urls: [dataUrl(image)] }, /prompt is required/],
        [{ prompt: 'x' }, /image_urls is required/],
        [{ ...base, size: '2048x2048' }, /size must be one of/],
        [{ ...base, quality: 'ultra' }, /quality/],
        [{ ...base, background: 'green' }, /background/],
        [{ ...base, output_format: 'gif' }, /output_format/],
        [{ ...base, moderation: 'none' }, /moderation/],
        [{ ...base, output_compression: 101 }, /output_compression/],
        [{ ...base, image_urls: ['https://elsewhere.example/x.png'] }, /Could not fetch image_urls\[0\]/],
        [{ ...base, mask: dataUrl(await testMask(1024, 1024, 3)) }, /RGBA PNG/],
        [{ ...base, mask: dataUrl(await testMask(512, 512)) }, /mask is 512x512 but the image is 1024x1024/],
        [
          {
            ...base,
            mask: `data:image/jpeg;base64,${(await sharp(mask).jpeg().toBuffer()).toString('base64')}`,
          },
          /must be a PNG/,
        ],
      ];
      const before = fake.credits;
      for (const [body, message] of cases) {
        const r = await submit(body);
        expect(r.status, JSON.stringify(message)).toBe(400);
        expect(r.json?.error).toMatch(message);
      }
      expect(fake.credits).toBe(before); // rejected requests are not charged
      const raw = await fetch(`${fake.apiBase}/v2/gpt-image-1.5-edit`, {
        method: 'POST',
        headers: { 'x-api-key': fake.apiKey },
        body: '{not json',
      });
      expect(raw.status).toBe(400);
    },
  );

  it(
    '401 without the key, 404 for unknown ids and expired results, credits on every response',
    { timeout: 10_000 },
    async () => {
      expect((await submit({ prompt: 'x', image_urls: [dataUrl(image)] }, 'v2', 'nope')).status).toBe(401);
      expect(
        (await call(`${fake.storageBase}/upload-asset`, { body: { data_urls: [] }, key: null })).status,
      ).toBe(401);
      const unknown = await call(`${fake.apiBase}/v2/requests/unknown/status`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('x-remaining-credits')).toBe(String(fake.credits));

      // Aged past the retention by the test (advance), not by a sleep: the first fetch cannot come too late.
      // Both steps are minutes apart, far more than the real time these calls take on a loaded machine.
      fake.configure({ retentionMs: 600_000 });
      const s = await submit({ prompt: 'x', image_urls: [dataUrl(image)] });
      const done = await call(s.json?.response_url as string);
      expect(done.status).toBe(200);
      fake.advance(300_000);
      expect((await call(s.json?.status_url as string)).status).toBe(200);
      fake.advance(301_000);
      expect((await call(s.json?.status_url as string)).status).toBe(404);
      expect((await call(s.json?.response_url as string)).status).toBe(404);
      expect((await call(done.json?.output as string, { key: null })).status).toBe(404);
    },
  );

  it('406 when out of credits; credits decrement per edit', { timeout: 10_000 }, async () => {
    const saved = fake.credits;
    fake.credits = 1;
    expect((await submit({ prompt: 'x', image_urls: [dataUrl(image)] })).status).toBe(200);
    expect(fake.credits).toBe(0);
    const r = await submit({ prompt: 'x', image_urls: [dataUrl(image)] });
    expect(r.status).toBe(406);
    expect(r.headers.get('x-remaining-credits')).toBe('0');
    fake.credits = saved;
  });

  it(
    'faults: scoped to an endpoint, *-then-ok clears itself, the queue applies once each',
    { timeout: 10_000 },
    async () => {
      fake.setFault({ name: '500-then-ok', endpoint: 'status' });
      expect((await call(`${fake.apiBase}/v2/requests/x/status`)).status).toBe(500);
      expect((await call(`${fake.apiBase}/v2/requests/x/status`)).status).toBe(404);
      fake.setFault({ name: '422', endpoint: 'submit' });
      expect((await call(`${fake.apiBase}/v2/requests/x/status`)).status).toBe(404); // other endpoint untouched
      const f = await submit({ prompt: 'x', image_urls: [dataUrl(image)] });
      expect(f.status).toBe(422);
      expect(f.json).toMatchObject({ status: 'FAILED' });
      fake.setFault(null);
      fake.queueFaults('401', { name: '429-then-ok', retryAfter: '3' });
      expect((await call(`${fake.apiBase}/v2/requests/x`)).status).toBe(401);
      const limited = await call(`${fake.apiBase}/v2/requests/x`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await call(`${fake.apiBase}/v2/requests/x`)).status).toBe(404);
      fake.setFault({ name: 'reset', endpoint: 'result' });
      await expect(call(`${fake.apiBase}/v2/requests/x`)).rejects.toThrow();
      expect(fake.requests.at(-1)).toMatchObject({ endpoint: 'result', status: null, fault: 'reset' });
    },
  );

  it('hold keeps requests to one endpoint in flight until released, then answers them as usual', async () => {
    const s = await submit({ prompt: 'x', image_urls: [dataUrl(image)] });
    const hold = fake.hold('status');
    expect(() => fake.hold('status')).toThrow(/already holds status/);
    fake.queueFaults({ name: '500-then-ok', endpoint: 'status' });
    const answered: number[] = [];
    const first = call(s.json?.status_url as string).then((r) => answered.push(r.status));
    const second = call(s.json?.status_url as string).then((r) => answered.push(r.status));
    // Other endpoints go through meanwhile.
    expect((await call(s.json?.response_url as string)).status).toBe(200);
    await hold.reached(2);
    expect(hold.count).toBe(2);
    expect(answered).toEqual([]);
    expect(fake.requests.filter((q) => q.held).map((q) => q.endpoint)).toEqual(['status', 'status']);
    hold.release();
    await Promise.all([first, second]);
    // Released in arrival order: the queued fault went to the first, as it would have without the hold.
    expect(answered.sort()).toEqual([200, 500]);
    expect((await call(s.json?.status_url as string)).status).toBe(200);
    expect(hold.count).toBe(2);
    expect(fake.requests.at(-1)?.held).toBeUndefined();
    // A wait on a hold is bounded: nothing arrives, it says so.
    const idle = fake.hold('download');
    await expect(idle.reached(1, 50)).rejects.toThrow(/held 0 download request\(s\) within 50 ms, not 1/);
    idle.release();
  });

  it(
    'the "model" changes every pixel, deterministically, at the size asked for or by aspect',
    { timeout: 20_000 },
    async () => {
      const a = await renderEdit(image, { prompt: 'p', size: '1024x1024' });
      const b = await renderEdit(image, { prompt: 'p', size: '1024x1024' });
      expect(a.bytes.equals(b.bytes)).toBe(true);
      const [x, y] = await Promise.all([sharp(a.bytes).raw().toBuffer(), sharp(image).raw().toBuffer()]);
      let same = 0;
      for (let i = 0; i < x.length; i++) if (Math.abs((x[i] as number) - (y[i] as number)) < 40) same++;
      expect(same).toBe(0);
      expect(outputSize('auto', 3000, 2000)).toEqual({ width: 1536, height: 1024 });
      expect(outputSize('auto', 2000, 3000)).toEqual({ width: 1024, height: 1536 });
      expect(outputSize(undefined, 1100, 1000)).toEqual({ width: 1024, height: 1024 });
      expect(outputSize('1024x1536', 3000, 2000)).toEqual({ width: 1024, height: 1536 });
    },
  );

  it('runs standalone and prints its bases', { timeout: 20_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/fake-segmind/main.ts', '--port', '0', '--fault', '401@submit'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('API key')) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const api = /API:\s+(\S+)/.exec(out)?.[1] as string;
      expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(out).toMatch(/storage:\s+http:\/\/127\.0\.0\.1:\d+\/storage/);
      const r = await fetch(`${api}/v2/gpt-image-1.5-edit`, {
        method: 'POST',
        headers: { 'x-api-key': 'test-key' },
        body: '{}',
      });
      expect(r.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
