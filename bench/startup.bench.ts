/**
 * How fast `maskroom` starts: `maskroom --version` and `--help` through bin/maskroom.mjs running the compiled
 * CLI (dist/cli, rebuilt first), beside a baseline measured in the same run, a Node process
 * that only loads sharp (`node -e "require('sharp')"`), and the old way, the TypeScript sources through tsx
 * (MASKROOM_CLI=tsx). Medians of wall time per process; ratio = maskroom / baseline (goal: at most 2.5).
 * Usage: npx tsx bench/startup.bench.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCli, cliOutDir, type CliManifest } from '../scripts/build-cli';
import { here, median, quick, root } from './support';

const bin = path.join(root, 'bin/maskroom.mjs');
const runs = quick ? 5 : 15;
const GOAL = 2.5;

/** Wall time of one `node ...args` process, in ms; it must succeed. */
function timeProcess(args: string[], env: Record<string, string | undefined> = {}): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...process.env, MASKROOM_CLI: undefined, MASKROOM_CLI_BUNDLE: undefined, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

await buildCli();
// The bundle just built is pinned (MASKROOM_CLI_BUNDLE) so that sources edited while the bench runs (a shared
// checkout) cannot send some runs through tsx. What pinning skips, the bin's check of the manifest's sources,
// is timed here in process: the same stat of every listed file.
const pinned = { MASKROOM_CLI_BUNDLE: cliOutDir };
const manifest = JSON.parse(readFileSync(path.join(cliOutDir, 'manifest.json'), 'utf8')) as CliManifest;
function checkSources(): number {
  const t = performance.now();
  for (const s of manifest.sources) statSync(path.join(root, s.path));
  return performance.now() - t;
}

const cases = {
  baseline: () => timeProcess(['-e', "require('sharp')"]),
  version: () => timeProcess([bin, '--version'], pinned),
  help: () => timeProcess([bin, '--help'], pinned),
  versionTsx: () => timeProcess([bin, '--version'], { MASKROOM_CLI: 'tsx' }),
};
const rows: Record<keyof typeof cases | 'sourceCheck', number[]> = {
  baseline: [],
  version: [],
  help: [],
  versionTsx: [],
  sourceCheck: [],
};
// One warm-up each (file cache), then the cases interleaved so that machine noise hits them alike.
for (const c of Object.values(cases)) c();
for (let i = 0; i < runs; i++)
  for (const [name, c] of Object.entries(cases)) rows[name as keyof typeof cases].push(c());
for (let i = 0; i < runs; i++) rows.sourceCheck.push(checkSources());

const med = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, +median(v).toFixed(2)])) as Record<
  keyof typeof rows,
  number
>;
const ratio = (ms: number) => +(ms / med.baseline).toFixed(2);
const table = [
  { what: 'node -e "require(\'sharp\')" (baseline)', median_ms: med.baseline, ratio: 1, goal: '' },
  {
    what: 'maskroom --version (compiled)',
    median_ms: med.version,
    ratio: ratio(med.version),
    goal: `<= ${GOAL}`,
  },
  { what: 'maskroom --help (compiled)', median_ms: med.help, ratio: ratio(med.help), goal: `<= ${GOAL}` },
  {
    what: 'maskroom --version (sources via tsx, before)',
    median_ms: med.versionTsx,
    ratio: ratio(med.versionTsx),
    goal: '',
  },
  {
    what: `the bin's source check (stat of ${manifest.sources.length} files, in process)`,
    median_ms: med.sourceCheck,
    ratio: ratio(med.sourceCheck),
    goal: '',
  },
];
console.log(`startup bench: ${runs} runs each, medians of process wall time (ratio = this / baseline)`);
console.table(table);
// The goal counts the source check too (the unpinned bin does it on every start).
const met = ratio(med.version + med.sourceCheck) <= GOAL && ratio(med.help + med.sourceCheck) <= GOAL;
console.log(met ? `goal met: --version and --help within ${GOAL}x the baseline` : `goal NOT met (${GOAL}x)`);
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results/startup.json'),
  `${JSON.stringify({ runs, quick, medians_ms: med, table, goal: GOAL, met }, null, 2)}\n`,
);
