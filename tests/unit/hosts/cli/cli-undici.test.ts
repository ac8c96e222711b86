/**
 * The CLI bundle's `undici` (scripts/cli-undici.mjs, aliased by scripts/build-cli.ts) is only the part of
 * undici the edit client uses. It must offer every name the sources import from undici at run time, behave
 * as undici's own for the calls the client makes, and be what the bundle holds instead of undici's index.
 */
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as UndiciModule from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBundle } from './helpers';

const root = path.resolve(import.meta.dirname, '../../../..');
type Undici = typeof UndiciModule;
const real = createRequire(import.meta.url)('undici') as Undici;
const shim = (await import(pathToFileURL(path.join(root, 'scripts/cli-undici.mjs')).href)) as Pick<
  Undici,
  'EnvHttpProxyAgent' | 'request'
>;

/** Every .ts file under dir (no node_modules). */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...(await sources(p)));
    else if (e.isFile() && p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The names a file imports from 'undici' at run time (type-only imports and names left out). */
function runtimeImports(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+'undici(?:\/[^']*)?'/g)) {
    if (m[1]) continue;
    const clause = m[2]!.trim();
    const braces = /\{([^}]*)\}/.exec(clause);
    const outside = clause
      .replace(/\{[^}]*\}/, '')
      .replace(/,/g, '')
      .trim();
    // A default or namespace import would take names the shim may not have: named as such.
    if (outside) names.push(`(${outside})`);
    for (const part of (braces?.[1] ?? '').split(',')) {
      const n = part.trim();
      if (n && !n.startsWith('type ')) names.push(n.split(/\s+as\s+/)[0]!);
    }
  }
  return names;
}

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((rq, rs) => {
    let body = '';
    rq.on('data', (d: Buffer) => (body += d.toString()));
    rq.on('end', () => {
      rs.writeHead(rq.url === '/missing' ? 404 : 200, {
        'content-type': 'application/json',
        'x-echo': 'yes',
      });
      rs.end(JSON.stringify({ method: rq.method, url: rq.url, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the CLI bundle's undici", () => {
  it('offers every name the sources import from undici at run time', async () => {
    const files = [
      ...(await sources(path.join(root, 'electron'))),
      ...(await sources(path.join(root, 'shared'))),
    ];
    const used = new Set(files.flatMap((f) => runtimeImports(readFileSync(f, 'utf8'))));
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(shim, name).toHaveProperty(name);
  });

  it("answers the calls the edit client makes as undici's own does", async () => {
    // The options as undici reads them (`path` too, which its types leave out).
    const calls: Array<[string, Record<string, unknown>]> = [
      [
        `${base}/v2/x?y=1`,
        { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } },
      ],
      [`${base}/status`, {}],
      [`${base}/missing`, { method: 'GET' }],
      [base, { path: 'relative?q=2' }],
      [`${base}/put`, { body: 'implied PUT' }],
    ];
    for (const [url, opts] of calls) {
      const answers = [];
      for (const u of [real, shim]) {
        const dispatcher = new u.EnvHttpProxyAgent({ connect: { timeout: 5000 }, headersTimeout: 5000 });
        try {
          const r = await u.request(url, { ...opts, dispatcher } as Parameters<Undici['request']>[1]);
          answers.push({ status: r.statusCode, echo: r.headers['x-echo'], body: await r.body.json() });
        } finally {
          await dispatcher.close();
        }
      }
      expect(answers[1], url).toEqual(answers[0]);
    }
  });

  it('refuses what undici refuses, with its words', () => {
    const bad: Array<[unknown, unknown]> = [
      ['', {}],
      [`${base}/x`, 'not an object'],
      [`${base}/x`, { path: 5 }],
      [`${base}/x`, { agent: {} }],
    ];
    for (const [url, opts] of bad) {
      const message = (u: Pick<Undici, 'request'>) => {
        try {
          void (u.request as (a: unknown, b: unknown) => Promise<unknown>)(url, opts).catch(() => undefined);
          return 'no error';
        } catch (e) {
          return (e as Error).message;
        }
      };
      expect(message(shim)).toBe(message(real));
      expect(message(shim)).not.toBe('no error');
    }
  });

  it("is what the bundle holds, instead of undici's index", async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(cliBundle(), 'manifest.json'), 'utf8')) as {
      chunks: Record<string, string[]>;
    };
    const modules = Object.values(manifest.chunks).flat();
    expect(modules).toContain('scripts/cli-undici.mjs');
    expect(modules).not.toContain('node_modules/undici/index.js');
    expect(modules.some((m) => m.startsWith('node_modules/undici/lib/web/websocket/'))).toBe(false);
  });
});
