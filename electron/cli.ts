/**
 * The headless CLI over the same services as the app (DESIGN.md, "Fixed interfaces").
 * Exit 0 on success; on failure exit 1 with one line on stderr saying what went wrong and what to do.
 */
import { parseArgs } from 'node:util';
import { version } from './version';

export const HELP = `Maskroom ${version}: region-targeted photo retouching from the command line.

Usage:
  maskroom edit    --project DIR [--image PHOTO] --mask MASK --prompt TEXT [options]
  maskroom history --project DIR [--json]
  maskroom export  --project DIR --out FILE
  maskroom resume  --project DIR [--json]
  maskroom --help | --version
`;

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = defaultIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
    strict: false,
  });
  if (values.version) {
    io.out(`${version}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return 0;
  }
  io.err(`maskroom: unknown command "${positionals[0]}"; run maskroom --help for the list of commands.\n`);
  return 1;
}

const defaultIo = {
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
};
