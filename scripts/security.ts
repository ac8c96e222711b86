/**
 * npm run security: Doyensec's electronegativity over the Electron code: the sources (electron/) and the
 * bundle the app ships (main.js + preload.cjs, built fresh into test-results/security-bundle). Fails on any HIGH finding, and on any finding not listed as accepted (with its reason) in
 * ACCEPTED below and in docs/security.md, so the document stays the truth. Writes the full report to
 * test-results/electronegativity.json and a readable summary to test-results/electronegativity.md.
 *
 * Offline: electronegativity fetches translations and Electron's release list from the internet; here
 * every non-loopback connection is refused in-process, and the one check that needs the release list
 * (AvailableSecurityFixesGlobalCheck) is skipped unless --online is given.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const online = process.argv.includes('--online');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

if (!online) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const o = args[0];
    const host =
      o && typeof o === 'object'
        ? (o as { host?: string }).host
        : typeof args[1] === 'string'
          ? args[1]
          : undefined;
    if (host && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
      process.nextTick(() => this.destroy(new Error(`security scan is offline: no connection to ${host}`)));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
}

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  severity: { name: string; value: number };
  confidence: { name: string };
  manualReview?: boolean;
  sample?: string;
}

interface Accepted {
  id: string;
  /** Matches the file the finding is in (relative to the scanned folder); omitted = anywhere. */
  file?: RegExp;
  why: string;
}

/** Every finding we accept, with the reason; docs/security.md explains each in full. */
export const ACCEPTED: Accepted[] = [
  {
    id: 'AUXCLICK_JS_CHECK',
    why: 'Middle-click cannot open anything: window opening is denied (setWindowOpenHandler) and navigation away is blocked.',
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    why: 'The CSP is sent as a header by the app protocol and by onHeadersReceived (shared/csp.ts), which the static scan cannot see.',
  },
];

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity/dist/runner.js') as (
  o: Record<string, unknown>,
  forCli: boolean,
) => Promise<{
  issues: Issue[];
  errors: { file: string; message: string; tolerable: boolean }[];
  globalChecks: number;
  atomicChecks: number;
}>;
const electronVersion = (
  JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * The bundle as `npm run build` makes it (main ESM, preload CJS), built fresh into test-results so the scan
 * never reads a stale dist/ left by an earlier build.
 */
async function buildBundle(outDir: string): Promise<void> {
  const { build } = await import('vite');
  const { builtinModules } = await import('node:module');
  const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
  const common = { configFile: false as const, root, logLevel: 'error' as const };
  await build({
    ...common,
    build: {
      ssr: true,
      target: 'node22',
      outDir,
      emptyOutDir: true,
      rollupOptions: {
        input: { main: 'electron/main/main.ts' },
        output: { format: 'es', entryFileNames: '[name].js' },
        external: ['electron', ...nodeBuiltins, /^(sharp|undici|electron-store|zod)(\/.*)?$/],
      },
    },
  });
  await build({
    ...common,
    ssr: { noExternal: true },
    build: {
      ssr: true,
      target: 'node22',
      outDir,
      emptyOutDir: false,
      rollupOptions: {
        input: { preload: 'electron/preload/preload.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        external: ['electron'],
      },
    },
  });
}

const bundleDir = path.join(root, 'test-results', 'security-bundle', 'electron');
await buildBundle(bundleDir);
const targets = [path.join(root, 'electron'), bundleDir].filter((t) => existsSync(t));
const report: { target: string; checks: number; issues: Issue[]; errors: unknown[] }[] = [];
const quiet = console.log;
for (const input of targets) {
  console.log = () => undefined; // it prints translation and release-list warnings while offline
  let r: Awaited<ReturnType<typeof run>>;
  try {
    r = await run(
      {
        input,
        isRelative: true,
        customScan: [],
        excludeFromScan: online ? [] : ['AvailableSecurityFixesGlobalCheck'],
        electronVersionOverride: electronVersion,
        parserPlugins: [],
      },
      false,
    );
  } finally {
    console.log = quiet;
  }
  report.push({
    target: path.relative(root, input),
    checks: r.globalChecks + r.atomicChecks,
    issues: r.issues,
    errors: r.errors.filter((e) => !e.tolerable),
  });
}

const isAccepted = (i: Issue) => ACCEPTED.some((a) => a.id === i.id && (!a.file || a.file.test(i.file)));
const rows = report.flatMap((r) =>
  r.issues.map((i) => ({ target: r.target, ...i, accepted: isAccepted(i) })),
);
const high = rows.filter((i) => i.severity.name === 'HIGH');
const unaccepted = rows.filter((i) => !i.accepted);
const parseErrors = report.flatMap((r) => r.errors);

mkdirSync(path.join(root, 'test-results'), { recursive: true });
writeFileSync(
  path.join(root, 'test-results', 'electronegativity.json'),
  JSON.stringify(
    {
      electronVersion,
      online,
      targets: report.map((r) => ({ target: r.target, checks: r.checks })),
      findings: rows,
      parseErrors,
    },
    null,
    2,
  ),
);
const line = (i: (typeof rows)[number]) =>
  `| ${i.severity.name} | ${i.id} | ${i.target}/${i.file}:${i.location.line} | ${i.accepted ? 'accepted' : '**not accepted**'} |`;
writeFileSync(
  path.join(root, 'test-results', 'electronegativity.md'),
  [
    `# electronegativity (Electron ${electronVersion}${online ? '' : ', offline'})`,
    '',
    `Scanned: ${report.map((r) => `${r.target} (${r.checks} checks)`).join(', ')}`,
    '',
    '| Severity | Check | Where | Status |',
    '| --- | --- | --- | --- |',
    ...rows.map(line),
    '',
  ].join('\n'),
);

console.log(
  `Security scan (electronegativity, Electron ${electronVersion}): ${report.map((r) => `${r.target} ${r.checks} checks`).join(', ')}.`,
);
for (const i of rows)
  console.log(
    `  ${i.severity.name.padEnd(13)} ${i.id.padEnd(40)} ${i.target}/${i.file}:${i.location.line}${i.accepted ? '  (accepted: docs/security.md)' : ''}`,
  );
if (high.length || unaccepted.length || parseErrors.length) {
  if (high.length) console.error(`FAILED: ${high.length} HIGH finding(s).`);
  if (unaccepted.length)
    console.error(
      `FAILED: ${unaccepted.length} finding(s) not accepted in scripts/security.ts and docs/security.md.`,
    );
  if (parseErrors.length)
    console.error(
      `FAILED: electronegativity could not parse ${parseErrors.length} file(s): ${JSON.stringify(parseErrors)}`,
    );
  process.exit(1);
}
console.log(
  'Security scan: no HIGH finding; every lower finding is accepted in docs/security.md. Report: test-results/electronegativity.md',
);
