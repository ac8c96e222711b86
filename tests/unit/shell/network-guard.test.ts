/**
 * "No network request except to the configured edit service hosts", proven on loopback: with the guard
 * installed, a whole edit against the fake Segmind goes through and touches only its origin, while a
 * request to any other origin (undici, fetch, node:http) fails before the other server sees a request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as undiciRequest } from 'undici';
import {
  editServicePolicy,
  installNodeNetworkGuard,
  parentDomain,
  type NetworkGuard,
} from '../../../electron/shell/network-guard';
import { startFakeSegmind, type FakeSegmind } from '../../fake-segmind/server';
import { baseInput, clientFor } from '../edit-api/helpers';

interface Stranger {
  base: string;
  hits: string[];
  close(): Promise<void>;
}

async function stranger(): Promise<Stranger> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('leaked');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let fake: FakeSegmind;
let other: Stranger;
let guard: NetworkGuard | null = null;
const logs: string[] = [];

beforeAll(async () => {
  fake = await startFakeSegmind();
  other = await stranger();
});
afterAll(async () => {
  await fake?.close();
  await other?.close();
});
afterEach(() => {
  guard?.uninstall();
  guard = null;
});

const install = () => {
  guard = installNodeNetworkGuard(
    editServicePolicy(() => ({ apiBase: fake.apiBase, storageBase: fake.storageBase }), {}),
    (m) => void logs.push(m),
  );
  return guard;
};

describe('host policy', () => {
  const policy = editServicePolicy(
    () => ({ apiBase: 'https://api.segmind.com', storageBase: 'https://workflows-api.segmind.com' }),
    {
      MASKROOM_ALLOWED_HOSTS: 'cdn.example.net, *.results.example.org',
      HTTPS_PROXY: 'http://proxy.corp:3128',
    },
  );

  it('allows the edit service, its own domain over https, listed hosts and the proxy', () => {
    for (const u of [
      'https://api.segmind.com/v2/gpt-image-1.5-edit',
      'https://workflows-api.segmind.com/upload-asset',
      'https://outputs.segmind.com/x.png',
      'https://cdn.example.net/r.png',
      'https://a.results.example.org/r.png',
      'http://proxy.corp:3128',
    ])
      expect(policy.allows(u), u).toBe(true);
  });

  it('refuses everything else', () => {
    for (const u of [
      'http://outputs.segmind.com/x.png', // not https
      'https://segmind.com.evil.net/',
      'https://evil-segmind.com/',
      'https://api.segmind.com:8443/', // another port
      'https://example.com/',
      'https://results.example.org.evil/',
      'ftp://api.segmind.com/',
      'file:///etc/passwd',
      'not a url',
    ])
      expect(policy.allows(u), u).toBe(false);
  });

  it('never widens loopback or IP hosts to a "domain"', () => {
    expect(parentDomain('127.0.0.1')).toBeNull();
    expect(parentDomain('localhost')).toBeNull();
    expect(parentDomain('segmind.com')).toBeNull();
    expect(parentDomain('api.segmind.com')).toBe('segmind.com');
  });

  it('follows Settings when the API address changes', () => {
    let api = 'https://api.one.test';
    const p = editServicePolicy(() => ({ apiBase: api, storageBase: api }), {});
    expect(p.allows('https://api.one.test/x')).toBe(true);
    api = 'https://api.two.test';
    expect(p.allows('https://api.one.test/x')).toBe(false);
    expect(p.allows('https://api.two.test/x')).toBe(true);
  });
});

describe('network guard in the main process', () => {
  it(
    'lets a whole edit through to the fake service and sees nothing but its origin',
    { timeout: 20_000 },
    async () => {
      const g = install();
      const client = clientFor(fake);
      try {
        const res = await client.edit(await baseInput());
        expect(res.image.length).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
      const origin = new URL(fake.apiBase).origin;
      expect(g.seen.length).toBeGreaterThanOrEqual(3); // upload, submit, poll, result, download
      expect(g.seen.filter((s) => !s.split(' ')[1]?.startsWith(origin))).toEqual([]);
      expect(g.blocked).toEqual([]);
    },
  );

  it(
    'fails undici, fetch and node:http requests to any other host before they are sent',
    { timeout: 10_000 },
    async () => {
      const g = install();
      const before = other.hits.length;
      await expect(undiciRequest(`${other.base}/collect?k=1`)).rejects.toThrow(
        /blocked a connection to 127\.0\.0\.1:\d+/,
      );
      await expect(fetch(`${other.base}/beacon`)).rejects.toThrow();
      const viaHttp = await new Promise<string>((resolve) => {
        http
          .get(`${other.base}/track`, (res) => {
            res.resume();
            resolve(`answered ${res.statusCode}`);
          })
          .on('error', (e) => resolve(e.message));
      });
      expect(viaHttp).toMatch(/blocked a connection/);
      expect(other.hits.length).toBe(before);
      expect(g.blocked.map((b) => b.replace(/\d{4,5}/, 'PORT'))).toEqual([
        'GET http://127.0.0.1:PORT/collect?k=1',
        'GET http://127.0.0.1:PORT/beacon',
        'http http://127.0.0.1:PORT/track',
      ]);
      expect(logs.some((l) => l.includes('/collect'))).toBe(true);
    },
  );

  it('is what stops them: without it the same request reaches the other server', async () => {
    const res = await undiciRequest(`${other.base}/control`);
    expect(await res.body.text()).toBe('leaked');
    expect(other.hits).toContain('GET /control');
  });
});
