/**
 * npm run bench [-- --quick] [name…]: runs every bench/*.bench.ts (or the named ones) one after another.
 * Each benchmark prints medians and ratios against a baseline measured in the same run and writes JSON to
 * bench/results/. Benchmarks are never part of npm test: timings on shared machines are noise, ratios are not.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !names.length || names.some((n) => f.startsWith(n)))
  .sort();
if (!files.length) {
  console.error(`No benchmark matches ${names.join(', ')}; available: ${readdirSync('bench').join(', ')}`);
  process.exit(1);
}
mkdirSync('bench/results', { recursive: true });
const failed: string[] = [];
for (const f of files) {
  console.log(`\n### ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(f);
}
if (failed.length) {
  console.error(`\nBenchmarks that failed: ${failed.join(', ')}`);
  process.exit(1);
}
