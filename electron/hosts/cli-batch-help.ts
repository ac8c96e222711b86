/**
 * The batch command's lines in `maskroom --help`, apart from cli-batch.ts so that the help is printed without
 * loading the batch runner, the pipeline and sharp (docs/cli.md, "How the CLI starts").
 */
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../core/batch/limits';

export const BATCH_HELP = `  maskroom batch   --out DIR (--images FOLDER | --image PHOTO ...) --prompt TEXT
                   (--mask MASK | --masks FOLDER) [--concurrency N] [edit options] [--json]
  maskroom batch   --resume --out DIR [--json]`;

export const BATCH_COMMAND_HELP = `  batch     Applies one edit to many photos, ${DEFAULT_CONCURRENCY} at a time (--concurrency 1-${MAX_CONCURRENCY}): each gets its own project in
            DIR/.maskroom/ and its full-resolution result DIR/<photo name> in its own format. --mask is
            used for every photo (scaled when the shape matches); --masks FOLDER pairs FOLDER/<name>.png.
            --resume (or the same command again) collects accepted edits and never pays for a photo twice.`;
