/**
 * The headless CLI over the same services as the app (docs/design.md, "Fixed interfaces"; docs/cli.md).
 * Exit 0 on success; on failure exit 1 with one line on stderr saying what went wrong and what to do.
 *
 * Environment: SEGMIND_API_KEY (the key), SEGMIND_API_BASE / SEGMIND_STORAGE_BASE (the hosts).
 * Test hooks (never needed otherwise): MASKROOM_POLL_INTERVAL_MS (status poll interval),
 * MASKROOM_PROGRESS=1 (progress lines on stderr even when it is not a terminal), MASKROOM_TEST_CRASH_AT
 * (electron/core/project/crash.ts: SIGKILL the process at a named point), MASKROOM_TRACE=1 (stage timestamps on
 * stderr, electron/core/trace.ts).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Settings, type ExportFormat, type JobState } from '../../shared/contract';
import { limits } from '../../shared/limits';
import { editParamsFromFlags, intIn, numIn, oneOf, paramHelp } from './cli-params';
import { editOptions, expandHome, interruptible, refuseRepeated } from './cli-args';
import { AppError, environmentError, toWireError, type ErrorCode } from '../../shared/errors';
import { version } from '../core/version';
import { trace } from '../core/trace';
import { makeDir } from '../core/make-dir';
import { projectFileOwner } from '../core/inside-project';
import { damagedLayerFix } from '../core/damaged-layer-fix';
import { installHostGuard, type HostGuard } from '../core/network-guard';
import type { EditApiConfig } from '../core/edit-api/types';
import type { ProjectStore, StoredLayer, JournalEntry } from '../core/project';
import type { PipelineDeps, PreparedEdit } from '../core/pipeline';
import { SettingsService, MemorySecretStore, type Env } from '../core/settings';
import type { RateLimiter } from '../core/edit-api/limiter';
import { BATCH_COMMAND_HELP, BATCH_HELP } from './cli-batch-help';
import {
  exportExtensions as extensionList,
  exportFormatOfName,
  formatById,
  openLabels,
} from '../../shared/formats';
// Only the types of the heavy modules are imported here; the modules themselves are loaded by loadCore.
import type * as EditApiModule from '../core/edit-api';
import type * as ImagingModule from '../core/imaging';
import type { Mask, Photo } from '../core/imaging';
import type * as ProjectModule from '../core/project';
import type * as PipelineModule from '../core/pipeline';
import type * as SaveBackModule from '../core/save-back';
import type * as ExportLayeredModule from '../core/export-layered';

const exportExtensions = extensionList();

type HoldInterrupts = SaveBackModule.HoldInterrupts;

/**
 * The heavy modules: the imaging core, the pipeline, the project store, save-back and the PSD writer (all on
 * sharp, a native library). A command loads them when it starts (`await import`), so --version and --help
 * load none of them and start fast (docs/cli.md, "How the CLI starts"). The edit client (undici, the largest
 * chunk) is loaded apart, see editApiModule.
 */
interface Core {
  imaging: typeof ImagingModule;
  project: typeof ProjectModule;
  pipeline: typeof PipelineModule;
  saveBack: typeof SaveBackModule;
  exportLayered: typeof ExportLayeredModule;
}

let core: Core | undefined;

async function loadCore(): Promise<Core> {
  if (!core) {
    const [imaging, project, pipeline, saveBack, exportLayered] = await Promise.all([
      import('../core/imaging'),
      import('../core/project'),
      import('../core/pipeline'),
      import('../core/save-back'),
      import('../core/export-layered'),
    ]);
    core = { imaging, project, pipeline, saveBack, exportLayered };
    // The process ends with its command: libvips may use every core for each operation.
    imaging.useAllCores();
  }
  return core;
}

let editApiLoading: Promise<typeof EditApiModule> | undefined;

/**
 * The edit client's module (undici), loaded once, the first time it is asked for. An edit asks for it as a
 * decode starts, so that its evaluation on the main thread overlaps the decode on libvips' threads.
 */
function editApiModule(): Promise<typeof EditApiModule> {
  editApiLoading ??= import('../core/edit-api');
  return editApiLoading;
}

/**
 * The edit client, created when its first call starts (after the module above has loaded). The options are
 * checked and the network guard installed by the caller beforehand, so a missing key still fails before
 * the project is touched.
 */
function lazyEditApi(
  config: EditApiConfig,
  deps: Parameters<typeof EditApiModule.createEditApi>[1],
): PipelineDeps['api'] {
  let client: Promise<PipelineDeps['api']> | undefined;
  const get = () => (client ??= editApiModule().then((m) => m.createEditApi(config, deps)));
  return {
    edit: async (input, options) => (await get()).edit(input, options),
    resume: async (requestId, options) => (await get()).resume(requestId, options),
  };
}

/** The heavy modules, for code that runs only inside a command (main loads them before any command runs). */
function loaded(): Core {
  if (!core) throw new Error('The CLI core is used before loadCore().');
  return core;
}

const exportQualityRange = `${limits.exportQuality.min}-${limits.exportQuality.max}`;

export const HELP = `Maskroom ${version}: region-targeted photo retouching from the command line.

Usage:
  maskroom edit    --project DIR [--image PHOTO] --mask MASK --prompt TEXT [options]
  maskroom history --project DIR [--json]
  maskroom export  --project DIR --out FILE [--quality ${exportQualityRange}] [--skip-damaged] [--json]
  maskroom export  --project DIR --in-place [--force] [--skip-damaged] [--json]
  maskroom resume  --project DIR [--json]
${BATCH_HELP}
  maskroom --help | --version

Commands:
  edit      Sends the photo region under MASK to the image-edit model with TEXT and adds the result to the
            project as a new layer (blended into the full-resolution photo inside the mask only).
  history   Lists the project's layers, oldest first (a layer whose files are missing is marked damaged),
            and any edit left in flight. Reads only: works on a read-only project.
  export    Writes the current image (the original with the visible layers applied) to FILE, keeping the
            original's colour profile and EXIF. The format follows the extension: ${exportExtensions}
            .psd is layered: the original, then one layer per visible edit with its mask, at the original's depth.
            --in-place saves back into the photo the project was made from (same format, depth, profile
            and EXIF; the project keeps its own copy of the original). Refuses while a visible layer is
            damaged, unless --skip-damaged.
  resume    Finishes edits left in flight by a crash, a fault or an interruption, without paying again: from
            the result saved in the project when it arrived, else from the service (it keeps results 1 hour).
${BATCH_COMMAND_HELP}

Options:
  --project DIR             The project folder (created by edit --image when it holds no project yet).
  --image PHOTO             The photo to start a new project from (${openLabels()}).
  --mask MASK               An image of the photo's size: white marks the area to change (luminance
                            0-255, soft edges allowed).
  --prompt TEXT             What should happen inside the mask.
${paramHelp('size')}
${paramHelp('quality')}
                            export: ${exportQualityRange} for .jpg/.webp (default 92).
${paramHelp('background')}
${paramHelp('outputFormat')}
${paramHelp('outputCompression')}
${paramHelp('moderation')}
  --reference IMAGE         A reference image for the model; repeat for more (at most ${limits.references.max}).
  --feather PX              Soft edge of the blend, in photo pixels (default 4).
  --mode MODE               async (default: journaled, resumable) | sync.
  --timeout SECONDS         Give up waiting for the service after this long (default 600).
  --out FILE                export: where to write the image.
  --in-place                export: write into the photo the project was made from instead of --out.
  --force                   export --in-place: overwrite that photo even though it changed on disk.
  --skip-damaged            export: leave out visible layers whose files are missing or damaged.
  --json                    Print one JSON object on stdout instead of text.
  -h, --help                Show this help.
  -v, --version             Show the version.

Environment:
  SEGMIND_API_KEY           Your Segmind API key (needed by edit and resume; never written anywhere).
  SEGMIND_API_BASE          API host (default https://api.segmind.com).
  SEGMIND_STORAGE_BASE      Upload host (default https://workflows-api.segmind.com).
  MASKROOM_LIBRARY          Where the app keeps its projects (the CLI works on --project DIR).

Exit status: 0 on success; 1 on failure, with one line on stderr saying what went wrong and what to do.
`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: Env;
}

const defaultIo: CliIo = {
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
};

const options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  project: { type: 'string' },
  image: { type: 'string' },
  mask: { type: 'string' },
  prompt: { type: 'string' },
  ...editOptions,
  out: { type: 'string' },
  'in-place': { type: 'boolean' },
  force: { type: 'boolean' },
  'skip-damaged': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

/**
 * parseArgs takes "-1" after a string option for another option; join a negative number to its option
 * ("--output-compression=-1") so the value reaches the range check and its message.
 */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    const next = argv[i + 1];
    const opt = name !== null ? (options as Record<string, { type: string }>)[name] : undefined;
    if (opt?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function parse(argv: string[]) {
  const parsed = parseArgs({
    args: joinNegativeValues(argv),
    options,
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  refuseRepeated(options, parsed.tokens);
  return { ...parsed, values: expandHome(parsed.values, ['project', 'image', 'mask', 'out', 'reference']) };
}

const invalid = (message: string) => new AppError('invalid-input', message);

/** The commands, in the order the help lists them. */
const COMMANDS = ['edit', 'history', 'export', 'resume', 'batch'] as const;

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  trace('cli-entered');
  try {
    // batch has options of its own (electron/hosts/cli-batch.ts).
    if (argv[0] === 'batch') {
      await loadCore();
      const { cmdBatch } = await import('./cli-batch');
      return await cmdBatch(
        argv.slice(1),
        { ...io, isTTY: Boolean(process.stderr.isTTY) },
        io.env ?? process.env,
        { pipelineDeps: (limiter) => pipelineDeps(io.env ?? process.env, { limiter }) },
      );
    }
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw invalid(`${argError(e)}; run maskroom --help for the options.`);
    }
    const { values, positionals } = parsed;
    if (values.version) {
      io.out(`${version}\n`);
      return 0;
    }
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    // No command is a mistake, not a request for help: it fails as any other wrong call does (exit 1, one
    // line on stderr), so a script that lost its arguments does not carry on as if something ran.
    if (positionals.length === 0)
      throw invalid(
        `No command given; usage: maskroom ${COMMANDS.join('|')} [options], or run maskroom --help for the commands and their options.`,
      );
    const command = positionals[0];
    if (positionals.length > 1)
      throw invalid(
        `Unexpected argument "${positionals[1]}"; put text with spaces in quotes, e.g. --prompt "a red hat".`,
      );
    const env = io.env ?? process.env;
    if (['edit', 'history', 'export', 'resume'].includes(command ?? '')) await loadCore();
    trace('modules-loaded');
    switch (command) {
      case 'edit':
        return await cmdEdit(values, io, env);
      case 'history':
        return await cmdHistory(values, io);
      case 'export':
        return await cmdExport(values, io, env);
      case 'resume':
        return await cmdResume(values, io, env);
      default:
        throw invalid(`Unknown command "${command}"; run maskroom --help for the list of commands.`);
    }
  } catch (e) {
    io.err(`maskroom: ${oneLine(cliMessage(e))}\n`);
    return 1;
  }
}

/** Where the project of the running command is (for messages that say `maskroom resume --project DIR`). */
let currentProject = 'DIR';

/**
 * The one-line message for the CLI: a paid, uncollected result leads to `maskroom resume`; the key comes from
 * SEGMIND_API_KEY, not from Settings (the CLI has none).
 */
export function cliMessage(e: unknown, dir = currentProject): string {
  // Before a command has loaded the pipeline, no error can be one of its collectable ones.
  if (core?.pipeline.isCollectableError(e))
    return core.pipeline.collectSentence(e, `run \`maskroom resume --project ${dir}\` to collect it`);
  const w = toWireError(e);
  const byCode: Partial<Record<ErrorCode, string>> = {
    'no-api-key': 'No Segmind API key is set; export SEGMIND_API_KEY=<your key> and run the command again.',
    'bad-api-key':
      'The edit service did not accept the API key (HTTP 401); put a valid Segmind API key in SEGMIND_API_KEY and run the command again.',
  };
  const fixed = byCode[w.code];
  if (fixed) return fixed;
  return w.message
    .replace(/check the API address in Settings/g, 'check SEGMIND_API_BASE')
    .replace(/raise the timeout in Settings/g, 'raise --timeout')
    .replace(/in Settings\b/g, 'in the environment (see maskroom --help)')
    .replace(/\bin settings\b/g, 'in the environment (see maskroom --help)');
}

/** node:util parseArgs errors, shortened to what the user needs. */
function argError(e: unknown): string {
  const msg = oneLine(e instanceof Error ? e.message : String(e));
  const code = (e as { code?: string }).code;
  const opt = /'(-[^' ]+)/.exec(msg)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt) return `Unknown option ${opt}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && opt)
    return /argument missing/.test(msg) ? `Option ${opt} needs a value` : `Option ${opt} takes no value`;
  return msg.split('. ')[0]!.replace(/\.$/, '');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function need(v: string | undefined, flag: string, what: string): string {
  if (!v) throw invalid(`${flag} is missing; pass ${flag} ${what}.`);
  return v;
}

async function readInput(file: string, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const said: Record<string, string> = {
      ENOENT: `The ${what} ${file} does not exist; check the path.`,
      EISDIR: `The ${what} ${file} is a folder, not a file; pass the image file itself.`,
      EACCES: `You may not read the ${what} ${file} (permission denied); check its permissions or copy it somewhere you can read.`,
      EPERM: `You may not read the ${what} ${file} (permission denied); check its permissions or copy it somewhere you can read.`,
    };
    throw new AppError(
      code === 'ENOENT' ? 'not-found' : 'invalid-input',
      said[code ?? ''] ??
        `Could not read the ${what} ${file} (${code ?? 'error'}); check the path and its permissions.`,
    );
  }
  if (bytes.length === 0)
    throw invalid(`The ${what} ${file} is empty (0 bytes); check that it was saved or copied completely.`);
  return bytes;
}

function settingsFor(env: Env): SettingsService {
  // The CLI keeps no preferences: everything comes from the flags and the environment.
  return new SettingsService(
    { read: () => undefined, write: () => undefined },
    new MemorySecretStore(null),
    env,
  );
}

function pipelineDeps(
  env: Env,
  over: { mode?: 'async' | 'sync'; timeoutSeconds?: number; limiter?: RateLimiter } = {},
): PipelineDeps {
  const settings = settingsFor(env);
  const s = settings.get();
  const poll = Number(env.MASKROOM_POLL_INTERVAL_MS);
  const config: EditApiConfig = {
    apiKey: settings.apiKey(),
    apiBase: s.apiBase,
    storageBase: s.storageBase,
    transport: s.transport,
    mode: over.mode ?? s.mode,
    deadlineMs: (over.timeoutSeconds ?? s.timeoutSeconds) * 1000,
    ...(Number.isFinite(poll) && poll > 0 ? { pollIntervalMs: poll } : {}),
  };
  if (!config.apiKey) {
    throw new AppError(
      'no-api-key',
      'No Segmind API key is set; export SEGMIND_API_KEY=<your key> and run the command again.',
    );
  }
  const guard = hostGuard(settings, env);
  return {
    api: lazyEditApi(config, {
      trustDownload: guard.trustDownload,
      ...(over.limiter ? { limiter: over.limiter } : {}),
    }),
    transport: config.transport,
    mode: config.mode,
  };
}

let installedGuard: HostGuard | null = null;

/**
 * The same outbound guard as the app's: this process talks to the configured edit service (and, for one
 * download, to the output host an authenticated answer names) and to nothing else. Installed once per process;
 * what it blocks reaches the user as the failing call's error, and its log goes to stderr with MASKROOM_DEBUG.
 */
function hostGuard(settings: SettingsService, env: Env): HostGuard {
  if (!installedGuard) {
    const log = env.MASKROOM_DEBUG
      ? (m: string) => process.stderr.write(`maskroom: ${m}\n`)
      : () => undefined;
    installedGuard = installHostGuard(() => settings.get(), env, log);
  }
  return installedGuard;
}

/** Progress lines on stderr for people (a terminal) or for tests (MASKROOM_PROGRESS=1). */
function progressPrinter(
  io: CliIo,
  env: Env,
  json: boolean,
): (state: JobState, info: { requestId?: string }) => void {
  const show = env.MASKROOM_PROGRESS === '1' || (!json && process.stderr.isTTY);
  const started = Date.now();
  let last = '';
  return (state, info) => {
    if (!show || state === last) return;
    last = state;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.err(`progress ${state} ${secs}s${info.requestId ? ` request ${info.requestId}` : ''}\n`);
  };
}

/**
 * An encoder's progress (ExportOptions.onProgress) as step lines: `label N%` from 0 in steps of at least 10%
 * up to 100%, then `writing` (the file flushed to disk and put in place).
 */
function encodeProgress(step: (line: string) => void, label: string): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (last < 0 || pct === 100 || pct >= last + 10) {
      if (pct === last) return;
      step(`${label} ${pct}%`);
      last = pct;
      if (pct === 100) step('writing');
    }
  };
}

/** Progress lines of a long step (flattening, encoding) in the same form as an edit's. */
function stepPrinter(io: CliIo, env: Env, json: boolean): (step: string) => void {
  const show = env.MASKROOM_PROGRESS === '1' || (!json && process.stderr.isTTY);
  const started = Date.now();
  return (step) => {
    if (show) io.err(`progress ${step} ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  };
}

/**
 * Opens the project in dir, or creates it from `image`. `sized` is told the photo's size as soon as it is
 * known (from the photo's header before it is decoded, or from project.json before the project is opened and
 * checked), so the caller can read the mask meanwhile; `decoded` is given a new project's photo when it is
 * decoded whole (any format but JPEG, see below). A new project's record of where its photo came from
 * (save-back's recordSource) is written beside what follows: `recording` is given its promise, which never
 * rejects (without the record, save back is just unavailable).
 */
async function openOrCreate(
  dir: string,
  image: string | undefined,
  sized?: (width: number, height: number, original?: string) => void,
  decoded?: (source: { photo: Photo } | { jpeg: Uint8Array; width: number; height: number }) => void,
  recording?: (done: Promise<unknown>) => void,
  input?: () => Promise<unknown> | undefined,
): Promise<ProjectStore> {
  const { ProjectStore, readManifest } = loaded().project;
  const { loadPhoto, probePhoto, verifyPhoto } = loaded().imaging;
  const { recordSource } = loaded().saveBack;
  if (await ProjectStore.isProject(dir)) {
    // A manifest that does not read is open's to report, in its words.
    const manifest = sized ? await readManifest(dir).catch(() => null) : null;
    if (manifest)
      sized?.(manifest.original.width, manifest.original.height, path.join(dir, manifest.original.file));
    const store = await ProjectStore.open(dir);
    const original = await originalProblem(store, dir);
    if (original) {
      await store.close();
      throw new AppError('corrupt-project', original);
    }
    if (image) {
      const bytes = await readInput(image, 'photo');
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== store.snapshot().original.sha256) {
        await store.close();
        throw invalid(
          `${dir} already holds a project for another photo; leave out --image to edit it, or choose a new --project folder.`,
        );
      }
    }
    return store;
  }
  if (!image)
    throw new AppError(
      'not-found',
      `There is no Maskroom project in ${dir}; pass --image PHOTO to create one there.`,
    );
  const bytes = await readInput(image, 'photo');
  const size = await probePhoto(bytes, undefined, image);
  sized?.(size.width, size.height);
  // A JPEG is only checked to decode completely (verifyPhoto: no frame is held, and for one whose height 8
  // divides, as cameras' do, about a third of a whole decode's time), and the edit then decodes the region
  // it sends, as in an existing project.
  // Another format has no cheaper check than a full-size decode, after which the region's decode would be
  // paid again: it is decoded whole, and the edit's inputs are started from that photo at once (prepareEdit,
  // through `decoded`) while the project is made. A JPEG's region is decoded from its bytes beside the check
  // (prepareRegionEdit, through `decoded`), also while the project is made.
  const decoding: Promise<unknown> =
    size.format === 'jpeg'
      ? verifyPhoto(bytes, undefined, image).then(() => trace('photo-checked'))
      : loadPhoto(bytes, undefined, image).then((photo) => {
          trace('photo-decoded');
          decoded?.({ photo });
        });
  if (size.format === 'jpeg') decoded?.({ jpeg: bytes, width: size.width, height: size.height });
  decoding.catch(() => undefined);
  // While libvips decodes the photo whole; a JPEG's edit loads it while its region decodes.
  if (size.format !== 'jpeg') editApiModule().catch(() => undefined);
  const existed = await fs.stat(dir).then(
    () => true,
    () => false,
  );
  // A photo that does not decode completely creates no project. In a folder that does not exist yet the
  // project is made while the photo is decoded or checked (the header gave its upright size and format,
  // which the decode is checked to give), so its writes and flushes overlap that, and a failure removes the
  // folder again; in an existing folder, where only the project's own files could be taken back, the
  // photo is decoded or checked first.
  if (existed) {
    await decoding;
    // Nor does a mask that does not read (started by `sized` above).
    await input?.();
  }
  let record: Promise<unknown> = Promise.resolve();
  const creating = ProjectStore.create(dir, {
    photo: bytes,
    name: path.basename(image),
    width: size.width,
    height: size.height,
    format: size.format,
  }).then((store) => {
    trace('project-created');
    // Where the photo came from, for export --in-place (it reads and hashes the photo file again).
    record = recordSource(dir, image, size.format).catch(() => undefined);
    return store;
  });
  const [decode, create] = await Promise.allSettled([decoding, creating]);
  if (decode.status === 'rejected') {
    // The decode's error is the one to report, also when creating failed too.
    await record;
    if (create.status === 'fulfilled') await create.value.close().catch(() => undefined);
    if (!existed) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw decode.reason;
  }
  if (create.status === 'rejected') {
    if (!existed) await fs.rmdir(dir).catch(() => undefined);
    throw create.reason;
  }
  // A mask that does not read (not an image, another size, transparency only) takes the new project back too.
  const unread = await (input?.() ?? Promise.resolve()).then(
    () => null,
    (e: unknown) => ({ e }),
  );
  if (unread) {
    await record;
    await create.value.close().catch(() => undefined);
    if (!existed) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw unread.e;
  }
  recording?.(record);
  return create.value;
}

function layerJson(l: StoredLayer, damaged: string | null = null) {
  return { ...loaded().project.toContractLayer(l, damaged), sent: l.sent, colorMatch: l.colorMatch };
}

async function cmdEdit(v: Values, io: CliIo, env: Env): Promise<number> {
  const { ProjectSession, runEdit, prepareEdit, prepareRegionEdit, originalRegionAhead } = loaded().pipeline;
  const { maskFromFile, probePhoto } = loaded().imaging;
  const dir = path.resolve(need(v.project, '--project', 'DIR'));
  currentProject = dir;
  const maskFile = need(v.mask, '--mask', 'MASK (an image of the photo size, white = change)');
  const prompt = need(v.prompt, '--prompt', '"what should happen in the masked area"').trim();
  if (!prompt) throw invalid('--prompt is empty; describe the change, e.g. --prompt "a red scarf".');
  const params = editParamsFromFlags(v);
  const feather = numIn(v.feather, '--feather', limits.feather.min, limits.feather.max);
  const mode = oneOf(v.mode, '--mode', Settings.shape.mode.options);
  const timeoutSeconds = intIn(v.timeout, '--timeout', limits.timeoutSeconds.min, limits.timeoutSeconds.max);
  const refs = v.reference ?? [];
  if (refs.length > limits.references.max)
    throw invalid(`At most ${limits.references.max} --reference images can be sent; leave some out.`);
  // Everything that can be checked before touching the project or the network is checked first.
  const deps = pipelineDeps(env, {
    ...(mode ? { mode } : {}),
    ...(timeoutSeconds ? { timeoutSeconds } : {}),
  });
  const maskBytes = await readInput(maskFile, 'mask');
  const references = await Promise.all(refs.map((r) => readInput(r, 'reference image')));
  const s = settingsFor(env).get();

  // The mask is read while the photo is checked or decoded (libvips runs both on its threads): for a new
  // project from the moment the photo's header gives the size, while the project is created; for an existing
  // one from project.json's size, while the project is opened and checked. A JPEG's pixels (every photo's in
  // an existing project) are then decoded only in the region the mask needs: by the edit in an existing
  // project, and for a new one from the photo's bytes as soon as the mask gives the region, while the photo is
  // checked and the project created (prepareRegionEdit); another format's new project has its photo decoded
  // whole, and its inputs are built from that while the project is created (prepareEdit).
  const early: { mask?: Promise<Mask>; prepared?: Promise<PreparedEdit | undefined> } = {};
  // Loading the edit client's module (undici and what it requires) takes the main thread for about 15 ms:
  // done while it would wait on libvips' decode of the region anyway, not before that decode is started.
  const loadEditApi = () => void editApiModule().catch(() => undefined);
  // An existing project's original decoded in the region the mask gives, started as soon as the mask is read,
  // while the project is still being opened: the edit's region starts from it (SessionOptions.originalRegion).
  // Nothing is sent from it before the project has been opened and checked.
  let ahead: ReturnType<typeof PipelineModule.originalRegionAhead> | null = null;
  // A new project's source record is written while the edit is journaled and its inputs built; the submit
  // waits for it, so it is on disk before anything is sent, as when it was written before the edit began.
  let recorded: Promise<unknown> = Promise.resolve();
  const api = deps.api;
  const editDeps: PipelineDeps = {
    ...deps,
    api: {
      edit: async (input, options) => {
        await recorded;
        return api.edit(input, options);
      },
      resume: (requestId, options) => api.resume(requestId, options),
    },
  };
  const store = await openOrCreate(
    dir,
    v.image,
    (w, h, original) => {
      // The original is read and its header probed while the mask is decoded: its region's decode starts
      // as soon as the mask gives the region.
      const bytes = original ? fs.readFile(original).then((b) => new Uint8Array(b)) : null;
      const info = bytes?.then((b) => probePhoto(b));
      // A failure here is the edit's region's to report (an unreadable original stops the edit there).
      bytes?.catch(() => undefined);
      info?.catch(() => undefined);
      early.mask = maskFromFile(maskBytes, w, h, maskFile).then((m) => marksSomething(m, maskFile));
      early.mask.then(() => trace('mask-decoded')).catch(() => undefined);
      if (bytes)
        early.mask
          .then((mask) => {
            ahead = originalRegionAhead(bytes, w, h, mask, params, loadEditApi, info);
          })
          .catch(() => undefined);
    },
    (source) => {
      // A failure here (an empty mask, say) is left to the edit, which reports it in its own words.
      early.prepared = early.mask
        ?.then((mask) =>
          'photo' in source
            ? prepareEdit(source.photo, mask, params)
            : prepareRegionEdit(source.jpeg, source.width, source.height, mask, params, loadEditApi),
        )
        .catch(() => undefined);
    },
    (done) => (recorded = done),
    () => early.mask,
  );
  trace('project-ready');
  // The process ends with the edit: only the region it sends is decoded and flattened (regionEdits).
  const session = new ProjectSession(store, {
    regionEdits: true,
    whileRegionDecodes: loadEditApi,
    originalRegion: () => ahead,
  });
  const stop = interruptible(loaded().pipeline.CLOSING);
  try {
    // No whole-frame decode here: the edit decodes and flattens only the region it sends, once the mask
    // has given it (ProjectSession.currentRegion). The edit client's module is loaded while libvips decodes
    // that region (loadEditApi), or when the upload starts.
    if (!early.mask) {
      early.mask = maskFromFile(maskBytes, store.width, store.height, maskFile).then((m) =>
        marksSomething(m, maskFile),
      );
      early.mask.then(() => trace('mask-decoded')).catch(() => undefined);
    }
    const mask = await early.mask;
    const prepared = await early.prepared;
    const layer = await runEdit(
      session,
      {
        prompt,
        params,
        feather: feather ?? s.feather,
        colorMatch: s.colorMatch,
        mask,
        references,
        signal: stop.signal,
        ...(prepared ? { prepared } : {}),
      },
      editDeps,
      { onState: progressPrinter(io, env, Boolean(v.json)) },
    );
    // No cache/current.bin here: this session never held the whole frame, and flattening it only to write
    // the cache would put a full-frame flatten and a 72 MB write (at 24 MP) on the edit's path. The app
    // writes it behind its answers; the next edit reads only its crop's region, and an export flattens with
    // the banded plan.
    if (v.json) {
      io.out(
        `${JSON.stringify({ project: dir, width: store.width, height: store.height, layer: layerJson(layer) })}\n`,
      );
    } else {
      const r = layer.rect;
      io.out(
        `Added layer ${layer.id} to ${dir}: ${r.width}x${r.height} at ${r.x},${r.y}` +
          `${layer.requestId ? `, request ${layer.requestId}` : ''}${layer.creditsLeft !== null ? `, ${layer.creditsLeft} credits left` : ''}.\n`,
      );
    }
    return 0;
  } catch (e) {
    if (stop.signal.aborted && (await store.pendingJobs()).length > 0) {
      throw new AppError(
        'cancelled',
        `Interrupted while waiting for the service; run maskroom resume --project ${dir} within the hour to collect the result.`,
      );
    }
    throw e;
  } finally {
    stop.dispose();
    await recorded;
    await session.close();
  }
}

/**
 * The mask, when it marks something to change. An all-black file marks nothing: it is refused as a mask
 * that does not read is (a new project made for it is taken back), in the CLI's words (the app's "paint
 * over the area" does not fit a file).
 */
function marksSomething(mask: Mask, file: string): Mask {
  return loaded().imaging.markedMask(
    mask,
    `The mask ${file}`,
    '',
    'paint the area to change in white and run the command again',
  );
}

/** Whether `file` is a file whose permissions let no one write to it (chmod a-w). */
async function readOnlyFile(file: string): Promise<boolean> {
  const st = await fs.stat(file).catch(() => null);
  return Boolean(st?.isFile() && (st.mode & 0o222) === 0);
}

/**
 * For the commands that work on an existing project (history, export, resume): a folder without one is said
 * as such, pointing to how a project is made (the store's own sentence speaks of edit's --image).
 */
async function needProject(dir: string): Promise<void> {
  if (await loaded().project.ProjectStore.isProject(dir)) return;
  throw new AppError(
    'not-found',
    `There is no Maskroom project in ${dir}; check --project (a project is made by maskroom edit --project DIR --image PHOTO).`,
  );
}

/**
 * Opens for reading only: no lock, no cleanup, nothing written or deleted. Works while another process
 * edits the project and on a read-only disk.
 */
async function openForReading(dir: string): Promise<ProjectStore> {
  await needProject(dir);
  return loaded().project.ProjectStore.open(dir, {
    readOnly: true,
    readOnlyReason: 'history and export only read the project; use edit or resume to change it.',
  });
}

/**
 * The sentence for a project whose original photo is gone or not whole (deleted, emptied, cut short by a
 * sync), or null when its file is there at the size project.json records. A read-only open checks neither;
 * without this, history said nothing and export failed as an internal error on the missing file.
 */
async function originalProblem(store: ProjectStore, dir: string): Promise<string | null> {
  const file = store.originalPath();
  const want = store.snapshot().original;
  const size = await fs.stat(file).then(
    (st) => st.size,
    () => null,
  );
  if (size === want.bytes) return null;
  // The photo it was made from is worth copying back only while it still holds the original's bytes.
  const rec = await loaded()
    .saveBack.readSource(dir)
    .catch(() => null);
  const from =
    rec && rec.sha256 === want.sha256 && rec.bytes === want.bytes
      ? ` (or copy ${rec.path}, the photo the project was made from, to that name)`
      : '';
  const state = size === null ? 'is missing' : `is damaged (it holds ${size} bytes, not ${want.bytes})`;
  return `The project's original photo ${file} ${state}; restore it from a backup${from}, then run the command again.`;
}

async function cmdHistory(v: Values, io: CliIo): Promise<number> {
  const dir = path.resolve(need(v.project, '--project', 'DIR'));
  const store = await openForReading(dir);
  try {
    // The layers are still listed (they are all there); the missing photo is said on stderr.
    const original = await originalProblem(store, dir);
    if (original) io.err(`maskroom: warning: ${original}\n`);
    const layers = store.layers();
    const pending = await store.pendingJobs();
    if (v.json) {
      io.out(
        `${JSON.stringify({
          width: store.width,
          height: store.height,
          layers: layers.map((l) => layerJson(l, store.damaged(l.id))),
          pending: pending.map((p) => ({
            jobId: p.jobId,
            prompt: p.prompt,
            requestId: p.requestId,
            createdAt: p.createdAt,
            resultSaved: p.result !== null,
          })),
        })}\n`,
      );
      return 0;
    }
    const lines = [
      `${store.name}: ${store.width}x${store.height}, ${layers.length} layer${layers.length === 1 ? '' : 's'}`,
    ];
    layers.forEach((l, i) => {
      const r = l.rect;
      const p = l.params;
      lines.push(
        `${String(i + 1).padStart(3)}. [${l.visible ? 'shown ' : 'hidden'}] ${l.id}  ${l.createdAt}  "${l.prompt}"` +
          `\n      rect ${r.width}x${r.height}+${r.x}+${r.y}  size ${l.sent.apiSize}  quality ${p.quality}  background ${p.background}` +
          `  format ${p.outputFormat}/${p.outputCompression}  moderation ${p.moderation}  feather ${l.feather}` +
          `\n      request ${l.requestId ?? '-'}  model ${l.model}  cost ${l.cost ?? '-'}  credits left ${l.creditsLeft ?? '-'}${l.groupId ? `  group ${l.groupId}` : ''}`,
      );
      const damaged = store.damaged(l.id);
      if (damaged) lines.push(`      DAMAGED: ${damaged}; ${damagedLayerFix(damaged)} (the layer is kept)`);
    });
    for (const p of pending)
      lines.push(
        `  in flight: "${p.prompt}" request ${p.requestId ?? '-'}${p.result ? ' (result saved)' : ''} (run maskroom resume --project ${dir} to collect it)`,
      );
    io.out(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

async function cmdExport(v: Values, io: CliIo, env: Env): Promise<number> {
  const { ProjectSession } = loaded().pipeline;
  const { exportImageToFile, neededBytes, writeStreamedFile } = loaded().imaging;
  const { saveBack, readSource, sourceAt, sourceChanged, writeOverSource } = loaded().saveBack;
  const { writeLayeredPsdOf } = loaded().exportLayered;
  const dir = path.resolve(need(v.project, '--project', 'DIR'));
  const inPlace = Boolean(v['in-place']);
  if (inPlace && v.out)
    throw invalid(
      'Pass either --out FILE or --in-place, not both; --in-place writes into the original photo.',
    );
  if (v.force && !inPlace)
    throw invalid('--force only applies to export --in-place; drop it or add --in-place.');
  let out = inPlace ? '' : path.resolve(need(v.out, '--out', `FILE (${exportExtensions})`));
  let format: ExportFormat | null = inPlace ? null : exportFormatOfName(out);
  if (!inPlace && !format)
    throw invalid(`Cannot tell the format of ${path.basename(out)}; end --out with ${exportExtensions}.`);
  // Only the lossy encoders take a quality; PNG, TIFF and PSD are written losslessly, and save back keeps the
  // photo's own format, so a --quality there would be ignored without a word.
  if (v.quality !== undefined && (inPlace || (format !== 'jpeg' && format !== 'webp')))
    throw invalid(
      inPlace
        ? '--quality applies to JPEG and WebP exports with --out; leave it out for --in-place, which writes the photo in its own format.'
        : `--quality applies to JPEG and WebP; leave it out for ${formatById(format!)?.label ?? format}.`,
    );
  const quality = intIn(v.quality, '--quality', limits.exportQuality.min, limits.exportQuality.max);
  // The rename that puts the export in place would replace a file its owner made read-only.
  if (!inPlace && (await readOnlyFile(out)))
    throw invalid(
      `${out} is read-only (no one may write to it), so Maskroom did not replace it; make it writable or choose another --out.`,
    );
  const owner = inPlace ? null : await projectFileOwner(out);
  if (owner)
    throw invalid(
      `${out} is one of the own files of the project in ${owner} (its original photo, manifest, layers or history), so Maskroom did not write it; choose another --out.`,
    );
  const store = await openForReading(dir);
  const original = await originalProblem(store, dir);
  // An --out onto the photo the project was made from is checked as save back checks it, and its record
  // then follows the file (it holds the export now), so a later save back sees it unchanged.
  const onto = inPlace || original ? null : await sourceAt(dir, out);
  const sourceMoved = onto ? await sourceChanged(onto.source) : false;
  const ontoSource = onto?.replaced ? onto.source : null;
  if (original || sourceMoved) {
    await store.close();
    if (original) throw new AppError('corrupt-project', original);
    throw new AppError(
      'invalid-input',
      `${out} is the photo this project was made from and it changed on disk since Maskroom opened it, so it was not overwritten; save back with export --in-place --force to replace it anyway, or choose another --out.`,
    );
  }
  const progress = stepPrinter(io, env, Boolean(v.json));
  const session = new ProjectSession(store, {
    onFlattenProgress: (applied, total) => progress(`flattening ${applied}/${total} layers`),
  });
  try {
    const damaged = session.damagedVisible();
    const [bad] = damaged;
    if (bad && !v['skip-damaged']) {
      throw new AppError(
        'damaged-layer',
        `Layer ${bad.position} ("${bad.layer.prompt}", ${bad.layer.id}) cannot be exported because ${bad.reason}; ${damagedLayerFix(bad.reason)}, or pass --skip-damaged to export without ${damaged.length === 1 ? 'it' : `the ${damaged.length} damaged layers`}.`,
      );
    }
    const image = await session.current();
    const warnings: string[] = [];
    let bytes: number;
    if (inPlace) {
      // The CLI's --in-place is the user's confirmation; a file changed on disk still needs --force.
      const save = (hold?: HoldInterrupts) =>
        saveBack(dir, image, {
          confirmed: true,
          overwriteChanged: Boolean(v.force),
          onProgress: encodeProgress(progress, 'encoding'),
          ...(hold ? { hold } : {}),
        });
      // The photo is written as export --out writes (a temporary file beside it, renamed at the end), so an
      // interrupt sweeps that file from the user's folder the same way.
      const target = (await readSource(dir))?.path;
      const saved = target
        ? await sweptWrite(
            target,
            io,
            `Interrupted while saving back into ${target}; it was not changed and neither was the project, so run the export again when you are ready.`,
            save,
          )
        : await save();
      out = saved.file;
      format = saved.format;
      bytes = saved.bytes;
    } else {
      // Encoded straight into the file (a temporary one beside it, renamed at the end): a 100 MP export
      // never holds the encoded file in memory.
      const onProgress = encodeProgress(progress, `encoding ${format}`);
      const interrupted = `Interrupted while writing ${out}; nothing was written there and the project is unchanged, so run the export again when you are ready.`;
      const encode = async (beforeRename?: (tmp: string) => Promise<void>) => {
        await makeDir(path.dirname(out));
        if (format === 'psd')
          return await writeStreamedFile(
            out,
            async (sink) => warnings.push(...(await writeLayeredPsdOf(session, sink, { onProgress }))),
            undefined,
            (sink) => writeLayeredPsdOf(session, sink),
            beforeRename,
          );
        return await exportImageToFile(
          image,
          { format: format!, ...(quality ? { quality } : {}), onProgress },
          out,
          beforeRename ? { beforeRename } : {},
        );
      };
      bytes = await sweptWrite(out, io, interrupted, async (hold) => {
        try {
          return ontoSource
            ? await writeOverSource(dir, ontoSource, { format: format! }, encode, {
                hold,
                unrecorded: () =>
                  warnings.push(
                    `the project could not record that ${out} now holds this export (its folder is not writable), so a later --in-place will want --force`,
                  ),
              })
            : await encode();
        } catch (e) {
          const need = neededBytes(e);
          throw (
            environmentError(e, `Writing ${out}`, {
              where: path.dirname(out),
              ...(need ? { needBytes: need } : {}),
              next: {
                full: 'free some space there or choose another --out, then export again (the project is unchanged)',
                readOnly: 'choose an --out on a writable disk, then export again (the project is unchanged)',
                denied:
                  'check that you may write to that folder or choose another --out, then export again (the project is unchanged)',
              },
            }) ?? e
          );
        }
      });
    }
    for (const w of warnings) io.err(`maskroom: warning: ${w}\n`);
    const shown = session.usableVisible().length;
    const skipped = damaged.map((d) => d.layer.id);
    if (v.json)
      io.out(
        `${JSON.stringify({ out, format, inPlace, width: image.width, height: image.height, bytes, visibleLayers: shown, skippedDamaged: skipped, warnings })}\n`,
      );
    else
      io.out(
        `${inPlace ? 'Saved back' : 'Exported'} ${image.width}x${image.height} ${format} with ${shown} visible layer${shown === 1 ? '' : 's'} ${inPlace ? 'into' : 'to'} ${out}${skipped.length ? ` (left out damaged: ${skipped.join(', ')})` : ''}.\n`,
      );
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * Removes the temporary files of an export to `out` (out.tmp-<hex>, written beside it and renamed at the
 * end) that were not there when `before` ran: a Ctrl-C or any failure leaves none behind, and files of
 * another process writing the same name at the same time are left alone.
 */
function tempSweeper(out: string): (() => Promise<void>) & { before: () => Promise<void> } {
  const dir = path.dirname(out);
  const prefix = `${path.basename(out)}.tmp-`;
  const list = async () => (await fs.readdir(dir).catch(() => [])).filter((n) => n.startsWith(prefix));
  let existing = new Set<string>();
  const sweep = async () => {
    for (const n of await list())
      if (!existing.has(n)) await fs.rm(path.join(dir, n), { force: true }).catch(() => undefined);
  };
  return Object.assign(sweep, {
    before: async () => {
      existing = new Set(await list());
    },
  });
}

/**
 * Runs `write`, which writes `target` through a temporary file beside it (export --out, and save back into
 * the photo with --in-place). The temporary files it made are removed after any failure and on Ctrl-C or
 * SIGTERM, which then ends the process with exit 1 and `interrupted` as its one sentence. While `write` holds
 * interrupts (`hold`: the file renamed in place and the project's record of it updated, which belong
 * together), a Ctrl-C is let pass: the write is then complete, so the command ends as it would have.
 */
async function sweptWrite<T>(
  target: string,
  io: CliIo,
  interrupted: string,
  write: (hold: HoldInterrupts) => Promise<T>,
): Promise<T> {
  const sweep = tempSweeper(target);
  await sweep.before();
  let held = 0;
  const stop = onInterrupt(async () => {
    if (held > 0) return;
    await sweep();
    io.err(`maskroom: ${interrupted}\n`);
    process.exit(1);
  });
  const hold: HoldInterrupts = () => {
    held++;
    let released = false;
    return () => {
      if (!released) held--;
      released = true;
    };
  };
  try {
    return await write(hold);
  } catch (e) {
    // The writer removes its temporary file when it fails; whatever else stopped it, none is left.
    await sweep();
    throw e;
  } finally {
    stop();
  }
}

/** Runs `fn` on the first Ctrl-C or SIGTERM until the returned function is called. */
function onInterrupt(fn: () => Promise<void>): () => void {
  let running = false;
  const handler = () => {
    if (running) return;
    running = true;
    fn().catch(() => process.exit(1));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function cmdResume(v: Values, io: CliIo, env: Env): Promise<number> {
  const { ProjectStore } = loaded().project;
  const { ProjectSession, resumeJob } = loaded().pipeline;
  const dir = path.resolve(need(v.project, '--project', 'DIR'));
  currentProject = dir;
  await needProject(dir);
  const store = await ProjectStore.open(dir);
  const original = await originalProblem(store, dir);
  if (original) {
    await store.close();
    throw new AppError('corrupt-project', original);
  }
  const session = new ProjectSession(store);
  const stop = interruptible(loaded().pipeline.CLOSING);
  try {
    const pending = await store.pendingJobs();
    const abandoned = store.report.abandonedJobs;
    const resumed: StoredLayer[] = [];
    const failed: Array<{ job: JournalEntry; message: string; code: string }> = [];
    if (pending.length > 0) {
      // A saved result needs no service (and no key): only fetching one does.
      let deps: PipelineDeps;
      try {
        deps = pipelineDeps(env);
      } catch (e) {
        const noKey = e;
        const refuse = () => Promise.reject(noKey);
        deps = { api: { edit: refuse, resume: refuse }, transport: 'upload', mode: 'async' };
      }
      for (const entry of pending) {
        try {
          resumed.push(
            await resumeJob(session, entry, deps, {
              signal: stop.signal,
              onState: progressPrinter(io, env, Boolean(v.json)),
            }),
          );
        } catch (e) {
          const w = toWireError(e);
          failed.push({ job: entry, message: cliMessage(e, dir), code: w.code });
        }
      }
    }
    if (resumed.length > 0) await session.persistCache().catch(() => false);
    if (v.json) {
      io.out(
        `${JSON.stringify({
          resumed: resumed.map((l) => layerJson(l)),
          failed: failed.map((f) => ({
            jobId: f.job.jobId,
            requestId: f.job.requestId,
            prompt: f.job.prompt,
            code: f.code,
            error: f.message,
          })),
          abandoned: abandoned.map((a) => ({ jobId: a.jobId, prompt: a.prompt })),
        })}\n`,
      );
    } else {
      if (pending.length === 0) io.out('Nothing to resume: no edit was left in flight.\n');
      for (const l of resumed)
        io.out(`Finished "${l.prompt}": added layer ${l.id} (request ${l.requestId}).\n`);
      for (const a of abandoned)
        io.out(
          `Dropped "${a.prompt}": it was interrupted while being sent, before the service answered, so the service may have charged for it without Maskroom getting the result; run it again.\n`,
        );
    }
    if (failed.length > 0) {
      const f = failed[0]!;
      io.err(`maskroom: ${oneLine(f.message)}\n`);
      return 1;
    }
    return 0;
  } finally {
    stop.dispose();
    await session.close();
  }
}
