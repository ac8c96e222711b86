/**
 * How fast `maskroom` starts: `maskroom --version` and `--help` through bin/maskroom.mjs running the compiled
 * CLI (dist/cli, rebuilt first so it is not stale), beside a baseline measured in the same run, a Node process
 * that only loads sharp (`node -e "require('sharp')"`), and the old way, the TypeScript sources through tsx
 * (MASKROOM_CLI=tsx). Medians of wall time per process; ratio = maskroom / baseline (goal: at most 2.5).
 * Usage: npx tsx bench/startup.bench.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../scripts/build-cli';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const bin = path.join(root, 'bin/maskroom.mjs');
const quick = process.argv.includes('--quick');
const runs = quick ? 5 : 15;
const GOAL = 2.5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

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

/**
 * The bin falls back to the sources when dist/cli is stale and says so under MASKROOM_DEBUG: the timings count
 * only if it ran the bundle before and after them (sources edited meanwhile would mix in the tsx path).
 */
function checkCompiled(when: string): void {
  const r = spawnSync(process.execPath, [bin, '--version'], {
    cwd: root,
    env: { ...process.env, MASKROOM_CLI: undefined, MASKROOM_CLI_BUNDLE: undefined, MASKROOM_DEBUG: '1' },
    encoding: 'utf8',
  });
  if (r.status !== 0 || /running the sources/.test(r.stderr))
    throw new Error(
      `maskroom did not run the compiled CLI ${when} the timings (${r.stderr.trim()}); run the bench again.`,
    );
}

await buildCli();
checkCompiled('before');

const cases = {
  baseline: () => timeProcess(['-e', "require('sharp')"]),
  version: () => timeProcess([bin, '--version']),
  help: () => timeProcess([bin, '--help']),
  versionTsx: () => timeProcess([bin, '--version'], { MASKROOM_CLI: 'tsx' }),
};
const rows: Record<keyof typeof cases, number[]> = { baseline: [], version: [], help: [], versionTsx: [] };
// One warm-up each (file cache), then the cases interleaved so that machine noise hits them alike.
for (const c of Object.values(cases)) c();
for (let i = 0; i < runs; i++)
  for (const [name, c] of Object.entries(cases)) rows[name as keyof typeof cases].push(c());

checkCompiled('after');

const med = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, +median(v).toFixed(1)])) as Record<
  keyof typeof cases,
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
];
console.log(`startup bench: ${runs} runs each, medians of process wall time (ratio = this / baseline)`);
console.table(table);
const met = ratio(med.version) <= GOAL && ratio(med.help) <= GOAL;
console.log(met ? `goal met: --version and --help within ${GOAL}x the baseline` : `goal NOT met (${GOAL}x)`);
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results/startup.json'),
  `${JSON.stringify({ runs, quick, medians_ms: med, table, goal: GOAL, met }, null, 2)}\n`,
);
