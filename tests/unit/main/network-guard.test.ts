/**
 * "No network request except to the configured edit service hosts", proven on loopback: with the guard
 * installed, a whole edit against the fake Segmind goes through and touches only its origin, while a
 * request to any other origin (undici, fetch, node:http) fails before the other server sees a request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { request as undiciRequest } from 'undici';
import {
  DownloadGrants,
  editServicePolicy,
  installNodeNetworkGuard,
  isServiceUrl,
  parentDomain,
  parseAllowedHosts,
  type NetworkGuard,
} from '../../../electron/core/network-guard';
import { startFakeSegmind, type FakeSegmind } from '../../fake-segmind/server';
import { baseInput, clientFor } from '../core/edit-api/helpers';
import { recordingServer, type RecordingServer } from '../../support/recording-server';

type Stranger = RecordingServer;

const stranger = (): Promise<Stranger> => recordingServer((res) => res.end('leaked'));

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

describe('the service domain comes from the Public Suffix List', () => {
  // Suffixes under which different owners register names: the API host's domain must never widen to them.
  const suffixes = [
    'co.uk',
    'com.au',
    'co.jp',
    'github.io',
    'herokuapp.com',
    'com',
    'org',
    'ac.uk',
    'gov.br',
  ];

  it('allows https subdomains of the registrable domain, never other names under the public suffix', () => {
    for (const suffix of suffixes) {
      const policy = editServicePolicy(
        () => ({ apiBase: `https://api.victim.${suffix}`, storageBase: `https://api.victim.${suffix}` }),
        {},
      );
      expect(parentDomain(`api.victim.${suffix}`), suffix).toBe(`victim.${suffix}`);
      expect(policy.allows(`https://results.victim.${suffix}/x.png`), suffix).toBe(true);
      for (const u of [
        `https://attacker.${suffix}/x.png`,
        `https://api.attacker.${suffix}/x.png`,
        `https://victim.${suffix}.attacker.net/x.png`,
        `http://results.victim.${suffix}/x.png`,
      ])
        expect(policy.allows(u), u).toBe(false);
    }
  });

  it('does not widen an API host that is itself a registrable domain or an IP', () => {
    for (const host of ['victim.co.uk', 'segmind.com', 'user.github.io', '10.0.0.7', '[2001:db8::1]'])
      expect(parentDomain(host), host).toBeNull();
  });
});

describe('service addresses and MASKROOM_ALLOWED_HOSTS are https only', () => {
  it('accepts https anywhere and plain http on loopback only', () => {
    for (const u of [
      'https://api.segmind.com',
      'https://x.test:8443/v1',
      'http://127.0.0.1:9/api',
      'http://127.8.9.1',
      'http://[::1]:80',
      'http://localhost:3000',
    ])
      expect(isServiceUrl(u), u).toBe(true);
    for (const u of [
      'http://api.segmind.com',
      'http://10.0.0.1/api',
      'http://127.0.0.1.evil.net/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/plain,x',
      'ftp://api.segmind.com',
      'https://user:pw@api.segmind.com',
      'not a url',
    ])
      expect(isServiceUrl(u), u).toBe(false);
  });

  it('never lets the guard reach a configured address that is not https or loopback', () => {
    const p = editServicePolicy(
      () => ({ apiBase: 'http://api.evil.net', storageBase: 'http://api.evil.net' }),
      {},
    );
    expect(p.allows('http://api.evil.net/v2/x')).toBe(false);
  });

  it('matches listed hosts over https only and refuses http entries and public-suffix wildcards', () => {
    const env = {
      MASKROOM_ALLOWED_HOSTS:
        'cdn.example.net, http://plain.example.net, *.com, *.co.uk, https://img.example.org, box.example.io:8443',
    };
    const { rejected } = parseAllowedHosts(env.MASKROOM_ALLOWED_HOSTS);
    expect(rejected.sort()).toEqual(['*.co.uk', '*.com', 'http://plain.example.net']);
    const p = editServicePolicy(
      () => ({ apiBase: 'https://api.segmind.com', storageBase: 'https://api.segmind.com' }),
      env,
    );
    for (const u of [
      'https://cdn.example.net/r.png',
      'https://img.example.org/r.png',
      'https://box.example.io:8443/r',
    ])
      expect(p.allows(u), u).toBe(true);
    for (const u of [
      'http://cdn.example.net/r.png',
      'http://plain.example.net/r.png',
      'https://plain.example.net/r.png',
      'https://anything.com/',
      'https://x.co.uk/',
      'https://box.example.io/r',
    ])
      expect(p.allows(u), u).toBe(false);
  });
});

describe('download grants', () => {
  const url = 'https://results.other-cdn.net/out/abc.png?sig=1';
  const policyWith = (grants: DownloadGrants) =>
    editServicePolicy(
      () => ({ apiBase: 'https://api.segmind.com', storageBase: 'https://api.segmind.com' }),
      {},
      grants,
    );

  it('let through GET of exactly the granted URL, and nothing near it', () => {
    const grants = new DownloadGrants();
    const p = policyWith(grants);
    expect(p.allows(url)).toBe(false);
    const revoke = grants.trust(url);
    for (const [u, m] of [
      ['https://results.other-cdn.net/out/abc.png?sig=2', 'GET'],
      ['https://results.other-cdn.net/out/abd.png?sig=1', 'GET'],
      ['https://results.other-cdn.net/out/abc.png', 'GET'],
      ['https://results.other-cdn.net:8443/out/abc.png?sig=1', 'GET'],
      ['http://results.other-cdn.net/out/abc.png?sig=1', 'GET'],
      ['https://other-cdn.net/out/abc.png?sig=1', 'GET'],
      [url, 'POST'],
      [url, 'PUT'],
    ] as const)
      expect(p.allows(u, m), `${m} ${u}`).toBe(false);
    expect(p.allows(`${url}#frag`, 'GET')).toBe(true);
    revoke();
    expect(p.allows(url)).toBe(false);
  });

  it('are never given to plain http or credentialed URLs', () => {
    const grants = new DownloadGrants();
    for (const u of [
      'http://127.0.0.1:9/internal-admin',
      'http://results.net/x.png',
      'https://u:p@results.net/x.png',
      'file:///etc/passwd',
      'nonsense',
    ]) {
      grants.trust(u);
      expect(policyWith(grants).allows(u), u).toBe(false);
    }
    expect(grants.active()).toEqual([]);
  });

  it('are spent after their uses and expire after their time', () => {
    let now = 1000;
    const grants = new DownloadGrants({ ttlMs: 60_000, maxUses: 2, now: () => now });
    const p = policyWith(grants);
    grants.trust(url);
    expect(p.allows(url)).toBe(true);
    expect(p.allows(url)).toBe(true);
    expect(p.allows(url)).toBe(false);
    grants.trust(url);
    now += 59_999;
    expect(p.allows(url)).toBe(true);
    now += 1;
    expect(p.allows(url)).toBe(false);
    expect(grants.active()).toEqual([]);
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
        'GET http://127.0.0.1:PORT/track',
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

describe('several guards in one process', () => {
  it('passes a request any installed guard allows, refuses one none allows, and outlives one uninstall', async () => {
    const second = await stranger();
    const third = await stranger();
    const only = (base: string) => ({
      allows: (url: string) => new URL(url).origin === base,
      describe: () => [base],
    });
    const a = installNodeNetworkGuard(only(other.base), () => undefined);
    const b = installNodeNetworkGuard(only(second.base), () => undefined);
    try {
      await expect(fetch(`${other.base}/a`).then((r) => r.text())).resolves.toBe('leaked');
      await expect(fetch(`${second.base}/b`).then((r) => r.text())).resolves.toBe('leaked');
      await expect(fetch(`${third.base}/c`)).rejects.toThrow();
      expect(third.hits).toEqual([]);
      expect(a.blocked.some((e) => e.includes(third.base))).toBe(true);
      expect(b.blocked.some((e) => e.includes(third.base))).toBe(true);
      a.uninstall();
      // What only the removed guard allowed is refused now; the other guard still holds.
      const hitsBefore = other.hits.length;
      await expect(fetch(`${other.base}/a2`)).rejects.toThrow();
      expect(other.hits.length).toBe(hitsBefore);
      await expect(fetch(`${second.base}/b2`).then((r) => r.text())).resolves.toBe('leaked');
    } finally {
      a.uninstall();
      b.uninstall();
      await second.close();
      await third.close();
    }
    // With no guard left, nothing is refused.
    await expect(fetch(`${other.base}/free`).then((r) => r.text())).resolves.toBe('leaked');
  });
});
