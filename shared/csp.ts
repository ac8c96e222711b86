/**
 * The renderer's Content-Security-Policy, in one place. The web host sends WEB_CSP; the Electron shell
 * sends ELECTRON_CSP, which is the same policy plus directives that only tighten it (a unit test checks
 * that every source Electron allows is also allowed on the web, and that neither allows eval or any
 * remote origin). 'self' is the web host's own loopback origin, or maskroom://app under Electron.
 */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

export const BASE_CSP_DIRECTIVES: CspDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // React and Konva set style attributes; no remote stylesheet is ever loaded.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Electron: no frames, no media other than our own, no manifest. */
export const ELECTRON_CSP_DIRECTIVES: CspDirectives = {
  ...BASE_CSP_DIRECTIVES,
  'frame-src': ["'none'"],
  'media-src': ["'self'", 'blob:'],
  'manifest-src': ["'none'"],
};

export function serializeCsp(d: CspDirectives): string {
  return Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

export function parseCsp(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

export const WEB_CSP = serializeCsp(BASE_CSP_DIRECTIVES);
export const ELECTRON_CSP = serializeCsp(ELECTRON_CSP_DIRECTIVES);
