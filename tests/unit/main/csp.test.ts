/** One Content-Security-Policy: the web host's is unchanged, Electron's is the same or stricter, neither is lax. */
import { describe, expect, it } from 'vitest';
import { BASE_CSP_DIRECTIVES, ELECTRON_CSP, WEB_CSP, parseCsp } from '../../../shared/csp';
import { WEB_CSP as WEB_HOST_CSP } from '../../../electron/hosts/web-host';

const remote = /^(https?:|wss?:|ftp:|\*|https?:\/\/|[a-z0-9.-]+\.[a-z]{2,})/i;

describe('content security policy', () => {
  it('is the one the web host sends', () => {
    expect(WEB_HOST_CSP).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("script-src 'self'");
  });

  for (const [name, policy] of [
    ['web', WEB_CSP],
    ['electron', ELECTRON_CSP],
  ] as const) {
    it(`${name}: no eval, no remote origin, no plugins, no base or form hijack`, () => {
      const p = parseCsp(policy);
      const all = Object.values(p).flat();
      expect(all).not.toContain("'unsafe-eval'");
      expect(all).not.toContain("'wasm-unsafe-eval'");
      expect(all.filter((s) => remote.test(s))).toEqual([]);
      expect(p['script-src']).toEqual(["'self'"]);
      expect(p['default-src']).toEqual(["'self'"]);
      expect(p['object-src']).toEqual(["'none'"]);
      expect(p['base-uri']).toEqual(["'none'"]);
      expect(p['form-action']).toEqual(["'none'"]);
      expect(p['frame-ancestors']).toEqual(["'none'"]);
    });
  }

  it('electron is at least as strict as the web host, directive by directive', () => {
    const web = parseCsp(WEB_CSP);
    const el = parseCsp(ELECTRON_CSP);
    for (const [directive, sources] of Object.entries(web)) {
      const mine = el[directive];
      expect(mine, directive).toBeDefined();
      for (const s of mine ?? []) expect(sources, `${directive} ${s}`).toContain(s);
    }
    // And its extra directives only restrict what default-src 'self' would allow.
    for (const d of Object.keys(el).filter((k) => !(k in BASE_CSP_DIRECTIVES))) {
      for (const s of el[d] ?? []) expect(["'none'", "'self'", 'blob:']).toContain(s);
    }
    expect(el['frame-src']).toEqual(["'none'"]);
  });
});
