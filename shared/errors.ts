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
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface WireError {
  code: ErrorCode;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The one-line, user-facing form of any thrown value. Unknown errors never leak stack traces. */
export function toWireError(e: unknown): WireError {
  if (isAppError(e)) return e.toWire();
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
