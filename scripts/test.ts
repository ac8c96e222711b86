/**
 * npm test: typecheck + lint + security scan + unit + e2e. Every step runs even when an earlier one fails,
 * so one run shows everything that is wrong; the exit code is non-zero if any step failed. The last line is
 * the plain "N passed, N failed, N skipped" summary over all tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

interface Step {
  name: string;
  cmd: string[];
  report?: string;
}

mkdirSync('test-results', { recursive: true });
const tsx = [process.execPath, '--import', 'tsx'];
const vitest = (project: string): string[] => [
  process.execPath,
  'node_modules/vitest/vitest.mjs',
  'run',
  '--project',
  project,
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=test-results/vitest-${project}.json`,
];

const steps: Step[] = [
  {
    name: 'typecheck (node side)',
    cmd: [process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'],
  },
  {
    name: 'typecheck (renderer)',
    cmd: [process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.web.json'],
  },
  { name: 'typecheck (browser tests, benches)', cmd: [process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.e2e.json'] },
  { name: 'lint', cmd: [process.execPath, 'node_modules/eslint/bin/eslint.js', '.', '--max-warnings', '0'] },
  ...(existsSync('scripts/security.ts')
    ? [{ name: 'security scan', cmd: [...tsx, 'scripts/security.ts'] }]
    : []),
  { name: 'unit tests', cmd: vitest('unit'), report: 'test-results/vitest-unit.json' },
  { name: 'chromium for e2e', cmd: [...tsx, 'scripts/ensure-chromium.ts'] },
  { name: 'e2e tests', cmd: vitest('e2e'), report: 'test-results/vitest-e2e.json' },
];

const only = process.argv.slice(2);
const failed: string[] = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

for (const step of steps) {
  if (only.length && !only.some((o) => step.name.includes(o))) continue;
  console.log(`\n=== ${step.name}`);
  const started = Date.now();
  const [bin, ...args] = step.cmd;
  const r = spawnSync(bin as string, args, {
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (step.report && existsSync(step.report)) {
    const j = JSON.parse(readFileSync(step.report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    totals.passed += j.numPassedTests;
    totals.failed += j.numFailedTests;
    totals.skipped += j.numPendingTests + j.numTodoTests;
  }
  if (r.status !== 0) {
    failed.push(step.name);
    console.log(`=== ${step.name}: FAILED (${secs} s)`);
  } else {
    console.log(`=== ${step.name}: ok (${secs} s)`);
  }
}

console.log('');
if (failed.length) console.log(`Failed steps: ${failed.join(', ')}`);
if (failed.length && totals.failed === 0) totals.failed = failed.length; // a failed check counts as a failure
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed.length ? 1 : 0);
