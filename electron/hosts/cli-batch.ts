/**
 * `maskroom batch`: one edit across a set of photos (docs/cli.md, "batch"). The work is done by
 * electron/core/batch; this file reads the options, shows the cost and the progress, and prints the result.
 *
 *   maskroom batch --out DIR (--images FOLDER | --image PHOTO ...) --prompt TEXT (--mask MASK | --masks FOLDER)
 *                  [--concurrency N] [edit options] [--json]
 *   maskroom batch --resume --out DIR [--json]
 *
 * Exit 0 when every photo succeeded; otherwise exit 1 with one summary line on stderr.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import sharp from 'sharp';
import { limits } from '../../shared/limits';
import { editParamsFromFlags, intIn, numIn } from './cli-params';
import { editOptions, expandHome, interruptible, refuseRepeated } from './cli-args';
import { AppError } from '../../shared/errors';
import { SharedRateLimiter, type RateLimiter } from '../core/edit-api/limiter';
import type { PipelineDeps } from '../core/pipeline';
import { CLOSING } from '../core/pipeline';
import {
  BatchJournal,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  knownCostPerEdit,
  listPhotos,
  planRows,
  rowsToRun,
  runBatch,
  type BatchEvent,
  type BatchSpec,
  type BatchSummary,
} from '../core/batch';
import type { BatchRow } from '../core/batch';
import type { Env } from '../core/settings';

export interface BatchIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (a progress bar) or not (plain lines). */
  isTTY?: boolean;
}

export interface BatchHost {
  /** The edit service for this process, its client sharing `limiter` (throws when no key is set). */
  pipelineDeps: (limiter: RateLimiter) => PipelineDeps;
}

export { BATCH_HELP, BATCH_COMMAND_HELP } from './cli-batch-help';

const options = {
  out: { type: 'string' },
  images: { type: 'string' },
  image: { type: 'string', multiple: true },
  mask: { type: 'string' },
  masks: { type: 'string' },
  prompt: { type: 'string' },
  concurrency: { type: 'string' },
  resume: { type: 'boolean' },
  ...editOptions,
  json: { type: 'boolean' },
} as const;

const invalid = (message: string) => new AppError('invalid-input', message);

function parse(argv: string[]) {
  // A negative number after a string option is its value, not an option ("--feather -1").
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const opt = a.startsWith('--') ? (options as Record<string, { type: string }>)[a.slice(2)] : undefined;
    const next = argv[i + 1];
    if (opt?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else if (a === '--image') {
      // "--image shots/*.jpg": every word up to the next option is a photo.
      args.push(a);
      if (next !== undefined) args.push(next);
      i++;
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) args.push('--image', argv[++i]!);
    } else args.push(a);
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: false, strict: true, tokens: true });
    refuseRepeated(options, parsed.tokens);
    return expandHome(parsed.values, ['out', 'images', 'image', 'mask', 'masks', 'reference']);
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const opt = /'(-[^' ]+)/.exec(msg)?.[1];
    const code = (e as { code?: string }).code;
    const what =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt
        ? `Unknown option ${opt} for batch`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && opt
          ? `Option ${opt} needs a value`
          : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
            ? 'Unexpected argument; put text with spaces in quotes, e.g. --prompt "a red hat"'
            : msg.replace(/\.$/, '');
    throw invalid(`${what}; run maskroom --help for the options.`);
  }
}

type Values = ReturnType<typeof parse>;

async function specFrom(v: Values): Promise<{ spec: BatchSpec; images: string[] }> {
  const prompt = (v.prompt ?? '').trim();
  if (!v.prompt) throw invalid('--prompt is missing; pass --prompt "what should happen in the masked area".');
  if (!prompt) throw invalid('--prompt is empty; describe the change, e.g. --prompt "a white background".');
  if (v.images && v.image?.length)
    throw invalid('Pass either --images FOLDER or --image PHOTO ..., not both.');
  if (!v.images && !v.image?.length)
    throw invalid('No photos given; pass --images FOLDER or one --image PHOTO per photo.');
  if (v.mask && v.masks) throw invalid('Pass either --mask MASK (one for all) or --masks FOLDER, not both.');
  if (!v.mask && !v.masks)
    throw invalid(
      'No mask given; pass --mask MASK (used for every photo) or --masks FOLDER (FOLDER/<photo name>.png).',
    );
  const params = editParamsFromFlags(v);
  const refs = (v.reference ?? []).map((r) => path.resolve(r));
  if (refs.length > limits.references.max)
    throw invalid(`At most ${limits.references.max} --reference images can be sent; leave some out.`);
  const images = v.images
    ? await listPhotos(path.resolve(v.images))
    : (v.image ?? []).map((i) => path.resolve(i));
  if (v.masks) {
    const st = await fs.stat(path.resolve(v.masks)).catch(() => null);
    if (!st?.isDirectory())
      throw invalid(`--masks ${v.masks} is not a folder; pass the folder holding <photo name>.png.`);
  }
  return {
    spec: {
      prompt,
      params,
      feather: numIn(v.feather, '--feather', limits.feather.min, limits.feather.max) ?? 4,
      colorMatch: true,
      references: refs,
      mask: v.mask
        ? { kind: 'one', file: path.resolve(v.mask) }
        : { kind: 'folder', dir: path.resolve(v.masks!) },
      concurrency: intIn(v.concurrency, '--concurrency', 1, MAX_CONCURRENCY) ?? DEFAULT_CONCURRENCY,
    },
    images,
  };
}

function sameSpec(a: BatchSpec, b: BatchSpec): boolean {
  const key = (s: BatchSpec) => JSON.stringify({ ...s, concurrency: 0 });
  return key(a) === key(b);
}

const money = (usd: number) => `$${usd < 1 ? usd.toFixed(3).replace(/0$/, '') : usd.toFixed(2)}`;

/** Progress on stderr: a bar on a terminal, one plain line per event otherwise. */
function progress(io: BatchIo, total: number, json: boolean) {
  const counts = { done: 0, running: 0, failed: 0 };
  const resent: string[] = [];
  let bar: cliProgress.SingleBar | null = null;
  if (io.isTTY && !json) {
    bar = new cliProgress.SingleBar(
      {
        format:
          ' {bar} {done}/{total} done | {running} running | {failed} failed | {duration_formatted} elapsed | about {eta_formatted} left',
        hideCursor: true,
        etaBuffer: 8,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, counts);
  }
  const started = Date.now();
  return {
    event(row: BatchRow, e: BatchEvent) {
      if (e === 'start') counts.running++;
      if (e === 'done' || e === 'failed') counts.running = Math.max(0, counts.running - 1);
      if (e === 'done') counts.done++;
      if (e === 'failed') counts.failed++;
      if (e === 'resent') resent.push(row.name);
      if (bar) bar.update(counts.done + counts.failed, counts);
      else if (!json || e !== 'start') {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const what =
          e === 'accepted'
            ? `accepted ${row.name} request ${row.requestId}`
            : e === 'resent'
              ? `resending ${row.name}: it was being sent when the last run stopped, so the service may charge for it twice`
              : e === 'failed'
                ? `failed ${row.name}: ${row.error}`
                : `${e} ${row.name}`;
        io.err(
          `batch ${secs}s ${what} (${counts.done} done, ${counts.running} running, ${counts.failed} failed)\n`,
        );
      }
    },
    stop() {
      if (!bar) return;
      bar.stop();
      // The bar has no room for a warning while it runs: a photo sent again is named once it ends.
      if (resent.length > 0)
        io.err(
          `maskroom: ${resent.join(', ')} ${resent.length === 1 ? 'was' : 'were'} being sent when the last run stopped and ${resent.length === 1 ? 'was' : 'were'} sent again; the service may charge for ${resent.length === 1 ? 'it' : 'them'} twice.\n`,
        );
    },
  };
}

function rowJson(r: BatchRow) {
  return {
    image: r.image,
    out: r.status === 'done' ? r.out : null,
    status: r.status,
    requestId: r.requestId,
    cost: r.cost,
    error: r.error,
  };
}

/** The one summary line of a batch with failures. */
export function failureLine(s: BatchSummary, outDir: string): string {
  const failed = s.rows.filter((r) => r.status === 'failed');
  const reasons = failed
    .slice(0, 3)
    .map((r) => `${r.name}: ${(r.error ?? 'failed').replace(/[.\s]+$/, '').split('; ')[0]}`)
    .join('; ');
  const more = failed.length > 3 ? `; and ${failed.length - 3} more` : '';
  const total = s.rows.length;
  const unfinished = s.unfinished > 0 ? `, ${s.unfinished} not finished` : '';
  return `${failed.length} of ${total} photos failed${unfinished} (${reasons}${more}); fix that, then run \`maskroom batch --resume --out ${outDir}\` to retry only those (finished photos are not sent or paid again).`;
}

export async function cmdBatch(argv: string[], io: BatchIo, env: Env, host: BatchHost): Promise<number> {
  const v = parse(argv);
  if (!v.out) throw invalid('--out is missing; pass --out DIR, the folder for the results.');
  const outDir = path.resolve(v.out);
  let journal = await BatchJournal.read(outDir);
  if (v.resume) {
    if (!journal)
      throw new AppError(
        'not-found',
        `There is no batch in ${outDir} to resume; start one with maskroom batch --out ${outDir} --images FOLDER ...`,
      );
    const extra = ['images', 'image', 'mask', 'masks', 'prompt'].filter(
      (k) => v[k as keyof Values] !== undefined,
    );
    if (extra.length)
      throw invalid(
        `--resume takes the batch as it was started; leave out --${extra[0]} (or start a new --out).`,
      );
  } else {
    const { spec, images } = await specFrom(v);
    if (journal && !sameSpec(journal.spec, spec))
      throw invalid(
        `${outDir} already holds a batch with another prompt, mask or parameters; run maskroom batch --resume --out ${outDir}, or choose a new --out.`,
      );
    if (!journal) journal = await BatchJournal.create(outDir, spec, planRows(outDir, spec, images));
    else {
      const known = new Set(journal.rows.map((r) => r.image));
      const fresh = images.filter((i) => !known.has(i));
      if (fresh.length) {
        journal.addRows(
          planRows(outDir, spec, [...journal.rows.map((r) => r.image), ...fresh]).slice(journal.rows.length),
        );
        await journal.save();
      }
    }
  }
  // Each photo is read once: libvips' operation cache would only hold memory (this process runs one batch).
  sharp.cache(false);
  const limiter = new SharedRateLimiter();
  const todo = await rowsToRun(journal.rows);
  const json = Boolean(v.json);
  const collectHow = `run \`maskroom batch --resume --out ${outDir}\` to collect it`;
  const references = await Promise.all(
    journal.spec.references.map(async (r) => new Uint8Array(await fs.readFile(r))),
  );
  // The key and the service are checked before anything is announced.
  const pipeline = todo.length > 0 ? host.pipelineDeps(limiter) : null;
  // Cost up front: how many edits, and what the service reported per edit so far.
  const per = knownCostPerEdit(journal.rows);
  const toSubmit = todo.filter((r) => r.status !== 'accepted').length;
  if (!json && todo.length > 0) {
    const priced =
      per !== null
        ? `, about ${money(per)} per edit as reported by the service (about ${money(per * toSubmit)} for the new ones)`
        : '; the service reports the cost with each result';
    const accepted = todo.length - toSubmit;
    io.err(
      `maskroom: ${todo.length} photo${todo.length === 1 ? '' : 's'} to do: ${toSubmit} new edit${toSubmit === 1 ? '' : 's'}${accepted ? ` and ${accepted} already paid for (collected, not sent again)` : ''}${priced}.\n`,
    );
  }
  const stop = interruptible(CLOSING);
  const bar = progress(io, todo.length, json);
  let summary: BatchSummary;
  try {
    summary = pipeline
      ? await runBatch(journal, {
          pipeline,
          limiter,
          signal: stop.signal,
          collectHow,
          references,
          onRow: (row, e) => bar.event(row, e),
        })
      : {
          rows: journal.rows,
          done: journal.rows.length,
          failed: 0,
          unfinished: 0,
          cost: null,
        };
  } finally {
    bar.stop();
    stop.dispose();
  }
  const total = summary.rows.reduce((a, r) => a + (r.cost ?? 0), 0);
  if (json) {
    io.out(
      `${JSON.stringify({
        out: outDir,
        total: summary.rows.length,
        done: summary.done,
        failed: summary.failed,
        unfinished: summary.unfinished,
        cost: summary.cost,
        rows: summary.rows.map(rowJson),
      })}\n`,
    );
  } else {
    io.out(
      `Batch in ${outDir}: ${summary.done} of ${summary.rows.length} photos done${summary.failed ? `, ${summary.failed} failed` : ''}${summary.unfinished ? `, ${summary.unfinished} not finished` : ''}; the service reported ${summary.cost !== null ? money(total) : 'no cost'} in all.\n`,
    );
  }
  if (stop.signal.aborted && summary.unfinished > 0) {
    io.err(
      `maskroom: Interrupted with ${summary.unfinished} photo${summary.unfinished === 1 ? '' : 's'} not finished; run \`maskroom batch --resume --out ${outDir}\` within the hour to collect the accepted ones (they are not sent again) and send the rest.\n`,
    );
    return 1;
  }
  if (summary.failed > 0 || summary.unfinished > 0) {
    io.err(`maskroom: ${failureLine(summary, outDir)}\n`);
    return 1;
  }
  return 0;
}
