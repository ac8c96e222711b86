import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import {
  SegmindClient,
  type ClientDeps,
  type EditApiConfig,
  type EditInput,
  type EditProgress,
} from '../../../../electron/core/edit-api';
import { afterEach } from 'vitest';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { fakeServiceConfig, useFakeSegmind } from '../../../support/fake-service';

/** A photo-like test image: gradients and a pattern, so shifts and tints are visible everywhere. */
export async function testImage(
  width = 1024,
  height = 1024,
  format: 'png' | 'jpeg' = 'png',
): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x >> 5) + (y >> 5)) % 2 ? 200 : 60;
    }
  }
  const s = sharp(raw, { raw: { width, height, channels: 3 } });
  return new Uint8Array(format === 'png' ? await s.png().toBuffer() : await s.jpeg().toBuffer());
}

/** RGBA mask: alpha 0 (change) inside a centred square, 255 (keep) elsewhere. */
export async function testMask(width = 1024, height = 1024, channels: 3 | 4 = 4): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * channels, 255);
  if (channels === 4) {
    for (let y = height / 4; y < (3 * height) / 4; y++) {
      for (let x = width / 4; x < (3 * width) / 4; x++) raw[(y * width + x) * 4 + 3] = 0;
    }
  }
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels } }).png().toBuffer());
}

let cached: { image: Uint8Array; mask: Uint8Array } | null = null;

export async function baseInput(overrides: Partial<EditInput> = {}): Promise<EditInput> {
  cached ??= { image: await testImage(), mask: await testMask() };
  return {
    prompt: 'replace the sky with a sunset',
    image: cached.image,
    mask: cached.mask,
    references: [],
    params: {
      size: '1024x1024',
      quality: 'high',
      background: 'opaque',
      outputFormat: 'png',
      outputCompression: 95,
      moderation: 'auto',
    },
    ...overrides,
  };
}

/** Fast settings so fault tests finish in well under a second or two. */
export function clientFor(
  fake: FakeSegmind,
  cfg: Partial<EditApiConfig> = {},
  deps: ClientDeps = {},
): SegmindClient {
  return new SegmindClient(
    {
      ...fakeServiceConfig(fake),
      deadlineMs: 10_000,
      connectTimeoutMs: 1000,
      readTimeoutMs: 800,
      maxRetries: 3,
      retryBaseMs: 10,
      retryMaxMs: 40,
      ...cfg,
    },
    { random: () => 0.5, ...deps },
  );
}

export function recorder() {
  const events: EditProgress[] = [];
  const credits: number[] = [];
  const ids: string[] = [];
  return {
    events,
    credits,
    ids,
    options: {
      onProgress: (p: EditProgress) => events.push(p),
      onCredits: (n: number) => credits.push(n),
      onRequestId: (id: string) => void ids.push(id),
    },
    stages: () => [...new Set(events.map((e) => e.stage))],
  };
}

/** Captures the rejection of a promise (fails if it resolves). */
export async function failure(
  p: Promise<unknown>,
): Promise<Error & { code: string; status: number | null; attempts: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code: string; status: number | null; attempts: number };
  }
  throw new Error('expected the call to fail');
}

/** A minimal forward proxy (CONNECT tunnels and absolute-URL requests) that records what it carried. */
export async function startProxy(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream).add(client as net.Socket);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * The hooks of a file of client tests: one fake service for the file (500 credits), handed to `use`; before
 * each test no fault, an empty log and `settings`; after each, every client made by the returned function
 * (clientFor's arguments) or handed to its `track` closed.
 */
export function clientSuite(
  use: (fake: FakeSegmind) => void,
  settings: Parameters<FakeSegmind['configure']>[0],
): ((...a: Parameters<typeof clientFor>) => SegmindClient) & {
  track: (c: { close(): Promise<void> }) => void;
} {
  let clients: Array<{ close(): Promise<void> }> = [];
  useFakeSegmind(
    use,
    (fake) => {
      fake.setFault(null);
      fake.clearLog();
      fake.configure(settings);
    },
    { credits: 500 },
  );
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  const track = (c: { close(): Promise<void> }) => void clients.push(c);
  return Object.assign(
    (...a: Parameters<typeof clientFor>) => {
      const c = clientFor(...a);
      track(c);
      return c;
    },
    { track },
  );
}
