/**
 * Optional stage timestamps for measuring where an edit's wall time goes (docs/cli.md, "Tracing an edit").
 * With MASKROOM_TRACE=1 each stage prints `trace <stage> <ms>` on stderr, ms counted from the process's start
 * (performance.timeOrigin); off by default, and then each call is one comparison.
 */
const enabled = process.env.MASKROOM_TRACE === '1';

if (enabled) process.once('exit', () => trace('exit'));

export function trace(stage: string): void {
  if (enabled) process.stderr.write(`trace ${stage} ${performance.now().toFixed(1)}\n`);
}
