/**
 * Errors that reach the user. Every service throws an AppError (or a subclass) whose message is one
 * sentence saying what happened and what to do next; the dispatcher turns it into a WireError for the
 * renderer, the CLI prints it on one line. Anything else is an internal error and is reported as such.
 */
export const errorCodes = [
  'invalid-input',
  'unsupported-image',
  'image-too-large',
  'no-api-key',
  'bad-api-key',
  'forbidden',
  'no-credits',
  'blocked',
  'rate-limited',
  'server-error',
  'bad-response',
  'offline',
  'timeout',
  'cancelled',
  'expired',
  'not-found',
  'project-in-use',
  'corrupt-project',
  'newer-project',
  'outcome-unknown',
  'unsupported',
  'retired',
  'too-large',
  'disk-full',
  'read-only',
  'permission-denied',
  'damaged-layer',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/**
 * Set on an error raised after the service accepted (and billed) the edit: the result can still be
 * collected (resumed from the journal), so the user must be led to collecting it, never to paying again.
 */
export interface Collectable {
  requestId: string;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  collect?: Collectable;
}

export interface AppErrorOptions {
  cause?: unknown;
  collect?: Collectable;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly collect: Collectable | undefined;

  constructor(code: ErrorCode, message: string, options?: AppErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.collect = options?.collect;
  }

  toWire(): WireError {
    return this.collect
      ? { code: this.code, message: this.message, collect: this.collect }
      : { code: this.code, message: this.message };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The one-line, user-facing form of any thrown value. Unknown errors never leak stack traces. */
export function toWireError(e: unknown): WireError {
  if (isAppError(e)) return e.toWire();
  const env = environmentError(e);
  if (env) return env.toWire();
  if (e instanceof Error && e.name === 'AbortError') {
    return { code: 'cancelled', message: 'The operation was cancelled.' };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    message: `Something went wrong inside Maskroom (${firstLine(detail)}); try again, and report it if it keeps happening.`,
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

interface SystemErrorLike {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  /** A rename's or copy's destination. */
  dest?: unknown;
}

/** "12 MB", "800 KB": a rough size for messages. */
export function roughSize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GB`;
  if (bytes >= 2 ** 20) return `${Math.ceil(bytes / 2 ** 20)} MB`;
  return `${Math.max(1, Math.ceil(bytes / 2 ** 10))} KB`;
}

/** Advice after a machine fault: the same for every kind, or per kind (full disk, read-only disk, denied). */
export type FaultAdvice = string | { full?: string; readOnly?: string; denied?: string };

/** The marker of the temporary files written beside a target (electron/core/fs-atomic.ts TEMP_MARKER). */
const TEMP_NAME = /\.tmp-[0-9a-f]{6,}$/;

/**
 * The path a message names for a fault at `p`: a temporary file Maskroom writes beside its target is a name
 * the user never chose, so its folder is named instead.
 */
function shownPath(p: string): string {
  if (!TEMP_NAME.test(p)) return p;
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return cut > 0 ? p.slice(0, cut) : p;
}

export interface EnvironmentErrorOptions {
  /** The folder the work was in, said when the error itself names no path. */
  where?: string;
  /**
   * Roughly how many bytes the failed work needs in all (the file's or the write's whole size, not what is
   * missing beyond the free space, which no caller measures); said so in a disk-full message.
   */
  needBytes?: number;
  /**
   * Said after the fault instead of the default advice, e.g. that the paid result is kept: one sentence part
   * for every kind of fault, or one per kind (a kind left out gets its own default advice).
   */
  next?: FaultAdvice;
  collect?: Collectable;
}

/**
 * The plain-words form of a fault the user's machine causes (disk full, read-only or protected folder),
 * or null when `e` is not one. `what` names the work that failed ("Saving the layer"); the path comes
 * from the error itself.
 */
export function environmentError(
  e: unknown,
  what?: string,
  o: EnvironmentErrorOptions = {},
): AppError | null {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    if (isAppError(cur)) return null;
    const se = cur as SystemErrorLike;
    const code = typeof se.code === 'string' ? se.code : '';
    const own = typeof se.path === 'string' ? se.path : undefined;
    const at = own !== undefined ? shownPath(own) : o.where;
    const where = at ? ` (${at})` : '';
    const doing = what ? `${what} failed: ` : '';
    const opts = { cause: e, ...(o.collect ? { collect: o.collect } : {}) };
    const next = (kind: 'full' | 'readOnly' | 'denied', fallback: string) =>
      (typeof o.next === 'string' ? o.next : o.next?.[kind]) ?? fallback;
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT': {
        const need = o.needBytes ? ` (this needs about ${roughSize(o.needBytes)} of free space in all)` : '';
        return new AppError(
          'disk-full',
          `${doing}${at ? `the disk holding ${at}` : 'the disk'} is full${need}; ${next('full', 'free some space there and try again')}.`,
          opts,
        );
      }
      case 'EROFS':
        return new AppError(
          'read-only',
          `${doing}the folder is on a read-only disk${where}; ${next('readOnly', 'copy the project to a writable folder first')}.`,
          opts,
        );
      case 'EACCES':
      case 'EPERM':
        return new AppError(
          'permission-denied',
          `${doing}permission was denied${where}; ${next('denied', 'check that you may write to that folder, or choose another')}.`,
          opts,
        );
      // A path given where the other kind of entry is: its own words, never the caller's advice for the disk.
      case 'ENOTDIR':
      case 'EEXIST':
      case 'EISDIR': {
        // An exclusive create's EEXIST is its caller's business (a lock held, a name taken), not a fault.
        if (code === 'EEXIST' && se.syscall !== 'mkdir') break;
        if (own === undefined) break;
        if (code === 'EISDIR') {
          // A rename onto a folder names the temporary file as its path and the folder as its destination.
          const entry = typeof se.dest === 'string' ? se.dest : own;
          return new AppError(
            'invalid-input',
            `${doing}${entry} is a folder, not a file; give the path of a file instead.`,
            opts,
          );
        }
        // ENOTDIR names the whole path; the entry in the way is the first part of it that is a file, which only
        // the file system knows: the message names the path (a temporary file's folder, as above) and says a
        // part of it is a file. mkdir's EEXIST names the entry itself.
        return new AppError(
          'not-found',
          code === 'ENOTDIR'
            ? `${doing}${at} cannot be reached: part of the path is a file, not a folder; choose another folder.`
            : `${doing}${own} is a file, not a folder; choose another folder.`,
          opts,
        );
      }
      case 'EMFILE':
      case 'ENFILE':
        return new AppError(
          'internal',
          `${doing}too many files are open on this computer; ${o.next ?? 'close some programs and try again'}.`,
          opts,
        );
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}
