/**
 * `maskroom` called without a command is a wrong call, not a request for help: exit 1 (the one failure status
 * of the fixed CLI interface) with one line on stderr giving the usage, nothing on stdout. `--help` alone
 * still prints the help on stdout and exits 0.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

describe('maskroom without a command', () => {
  for (const argv of [[], ['--json'], ['--project', 'somewhere'], ['--out', 'x.png', '--in-place']]) {
    it(`${JSON.stringify(argv)}: exit 1, the usage in one line on stderr, nothing on stdout`, async () => {
      const r = await runCli(argv);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^maskroom: No command given; usage: maskroom edit\|history\|export\|resume\|batch /,
      );
      expect(lines[0]).toMatch(/maskroom --help/);
    });
  }

  it('--help still prints the help on stdout and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Maskroom .*\n\nUsage:\n {2}maskroom edit /);
  });
});
