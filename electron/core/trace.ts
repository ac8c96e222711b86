/**
 * Optional stage timestamps for measuring where an edit's wall time goes (docs/cli.md, "Tracing an edit").
 * With MASKROOM_TRACE=1 each stage prints `trace <stage> <ms>` on stderr, ms counted from the process's start
 * (performance.timeOrigin); off by default, and then each call is one comparison. MASKROOM_TRACE_FAULTS=1
 * adds three columns to each line: the process's minor page faults so far and its system and user CPU time
 * in ms (on a machine where a fresh page of memory is dear, what each stage touches shows there).
 */
const enabled = process.env.MASKROOM_TRACE === '1';
const faults = enabled && process.env.MASKROOM_TRACE_FAULTS === '1';

if (enabled) process.once('exit', () => trace('exit'));

function usage(): string {
  const u = process.resourceUsage();
  return ` ${u.minorPageFault} ${Math.round(u.systemCPUTime / 1000)} ${Math.round(u.userCPUTime / 1000)}`;
}

export function trace(stage: string): void {
  if (enabled) process.stderr.write(`trace ${stage} ${performance.now().toFixed(1)}${faults ? usage() : ''}\n`);
}
