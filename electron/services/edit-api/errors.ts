/**
 * The edit client's errors: one AppError subclass carrying the HTTP status and the number of attempts,
 * one constructor per failure with a one-sentence message that says what to do, and key redaction.
 */
import { AppError, type ErrorCode } from '../../../shared/errors';

export class EditApiError extends AppError {
  /** HTTP status of the last response, when there was one. */
  readonly status: number | null;
  /** How many times the failing call was attempted (1 = no retry). */
  readonly attempts: number;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { status?: number | null; attempts?: number; cause?: unknown } = {},
  ) {
    super(code, message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'EditApiError';
    this.status = extra.status ?? null;
    this.attempts = extra.attempts ?? 1;
  }
}

export function isEditApiError(e: unknown): e is EditApiError {
  return e instanceof EditApiError;
}

const REDACTED = '[redacted]';

/** Removes every occurrence of the key (and of a `Bearer <key>` / `x-api-key: <key>` form) from text. */
export function redact(text: string, apiKey: string | null | undefined): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join(REDACTED);
  // Whatever the key, never echo an x-api-key header value back to the user.
  return out.replace(/(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, `$1${REDACTED}`);
}

/** Trims a service-provided reason to one short line, without a trailing full stop. */
export function reasonText(reason: string): string {
  const line = reason.replace(/\s+/g, ' ').trim();
  const short = line.length > 300 ? `${line.slice(0, 300)}…` : line;
  return short.replace(/[.\s]+$/, '');
}

function attemptsText(extra?: Extra): string {
  const n = extra?.attempts ?? 1;
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

type Extra = { status?: number | null; attempts?: number; cause?: unknown };
const e = (code: ErrorCode, message: string, extra?: Extra) => new EditApiError(code, message, extra);

/** Constructors for every failure the client reports. Messages are one sentence: what happened, what to do. */
export const editErrors = {
  noApiKey: () =>
    e('no-api-key', 'No Segmind API key is set; add your key in Settings before running an edit.'),
  invalidParam: (detail: string) =>
    e('invalid-input', `The edit request is not valid (${reasonText(detail)}); fix it and try again.`),
  badRequest: (reason: string, extra?: Extra) =>
    e(
      'invalid-input',
      `The edit service rejected the request as invalid (${reasonText(reason || 'HTTP 400')}); check the edit settings and try again.`,
      extra,
    ),
  badApiKey: (extra?: Extra) =>
    e(
      'bad-api-key',
      'The edit service did not accept the API key (HTTP 401); set a valid Segmind API key in Settings.',
      extra,
    ),
  forbidden: (extra?: Extra) =>
    e(
      'forbidden',
      'The API key is not allowed to use this model (HTTP 403); check the key and its permissions in your Segmind account.',
      extra,
    ),
  noCredits: (credits: number | null, extra?: Extra) =>
    e(
      'no-credits',
      `Your Segmind account does not have enough credits for this edit (${credits === null ? 'credits left unknown' : `${credits} left`}); top up your Segmind account and try again.`,
      extra,
    ),
  blocked: (reason: string, extra?: Extra) =>
    e(
      'blocked',
      `The edit service refused this edit (${reasonText(reason || 'no reason given')}); change the prompt or the masked area and try again.`,
      extra,
    ),
  expired: (requestId: string, extra?: Extra) =>
    e(
      'expired',
      `The edit service no longer has request ${requestId} (results are kept for one hour); run the edit again.`,
      extra,
    ),
  notFound: (what: string, extra?: Extra) =>
    e('not-found', `The edit service answered 404 for ${what}; check the API address in Settings.`, extra),
  rateLimited: (extra?: Extra) =>
    e(
      'rate-limited',
      `The edit service is rate-limiting requests (HTTP 429, ${attemptsText(extra)}); wait a minute and try again.`,
      extra,
    ),
  serverError: (status: number, extra?: Extra) =>
    e(
      'server-error',
      `The edit service had a server error (HTTP ${status}, ${attemptsText(extra)}); try again in a few minutes.`,
      { ...extra, status },
    ),
  unexpectedStatus: (status: number, reason: string, extra?: Extra) =>
    e(
      'bad-response',
      `The edit service answered with unexpected HTTP ${status}${reason ? ` (${reasonText(reason)})` : ''}; try again, and report it if it keeps happening.`,
      { ...extra, status },
    ),
  badResponse: (detail: string, extra?: Extra) =>
    e(
      'bad-response',
      `The edit service sent a response Maskroom cannot read (${reasonText(detail)}); try again, and report it if it keeps happening.`,
      extra,
    ),
  offline: (host: string, detail: string, extra?: Extra) =>
    e(
      'offline',
      `Could not reach ${host} (${detail}); check your network connection and proxy settings, then try again.`,
      extra,
    ),
  readTimeout: (host: string, seconds: number, extra?: Extra) =>
    e(
      'timeout',
      `${host} stopped answering for ${seconds} s; check your network connection and proxy settings, then try again.`,
      extra,
    ),
  deadline: (seconds: number, requestId: string | null) =>
    e(
      'timeout',
      `The edit did not finish within ${seconds} s${requestId ? ` (request ${requestId} may still finish within the hour: resume it)` : ''}; try again later or raise the timeout in Settings.`,
    ),
  cancelled: () => e('cancelled', 'The edit was cancelled.'),
  outcomeUnknown: (detail: string, extra?: Extra) =>
    e(
      'outcome-unknown',
      `The connection dropped after the edit was sent (${detail}), so the service may have accepted and charged it; check your Segmind dashboard before running it again.`,
      extra,
    ),
};
