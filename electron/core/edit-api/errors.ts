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
  /**
   * The service's request id when the failure came after it accepted (and billed) the edit: the result
   * may still be collected by resuming it, so the message never tells the user to run the edit again.
   */
  readonly requestId: string | null;

  constructor(code: ErrorCode, message: string, extra: Extra = {}) {
    super(code, message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'EditApiError';
    this.status = extra.status ?? null;
    this.attempts = extra.attempts ?? 1;
    this.requestId = extra.requestId ?? null;
  }
}

export function isEditApiError(e: unknown): e is EditApiError {
  return e instanceof EditApiError;
}

const REDACTED = '[redacted]';

/** The forms in which a key may be echoed back: as is, URL-encoded (a query string), base64 (a header dump). */
function keyForms(apiKey: string): string[] {
  const forms = new Set([apiKey, encodeURIComponent(apiKey)]);
  for (const b64 of [Buffer.from(apiKey).toString('base64'), Buffer.from(apiKey).toString('base64url')]) {
    // Padding may be stripped or encoded by whoever echoes it.
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
  }
  // Longest first, so a form containing another is replaced whole.
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

/**
 * Removes every occurrence of the key (as is, URL-encoded or base64) and of any `x-api-key: <value>` form
 * from text. Apply it BEFORE any truncation: a cut through the key would leave its first half behind.
 */
export function redact(text: string, apiKey: string | null | undefined): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) for (const form of keyForms(apiKey)) out = out.split(form).join(REDACTED);
  // Whatever the key, never echo an x-api-key header value back to the user.
  return out.replace(/(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, `$1${REDACTED}`);
}

/** Trims a service-provided reason to one short line, without a trailing full stop. */
export function reasonText(reason: string): string {
  const line = reason.replace(/\s+/g, ' ').trim();
  const short = line.length > 300 ? `${line.slice(0, 300)}…` : line;
  return short.replace(/[.\s]+$/, '');
}

/** Text the service sent, safe to show: the key redacted first, then trimmed to one short line. */
export function serviceReason(text: string, apiKey: string | null | undefined): string {
  return reasonText(redact(text, apiKey));
}

/** A wait in words a person reads at a glance: "45 seconds", "60 minutes", "3 hours". */
export function waitWords(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'a moment';
  if (s < 120) return s === 1 ? '1 second' : `${s} seconds`;
  const min = Math.round(s / 60);
  if (min <= 120) return `${min} minutes`;
  const h = Math.round(min / 60);
  return `${h} hours`;
}

function attemptsText(extra?: Extra): string {
  const n = extra?.attempts ?? 1;
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

export type Extra = {
  status?: number | null;
  attempts?: number;
  cause?: unknown;
  /** Set once the service accepted the edit (see EditApiError.requestId). */
  requestId?: string | null;
};
const e = (code: ErrorCode, message: string, extra?: Extra) => new EditApiError(code, message, extra);

/**
 * What to do next after a failure on the way to the result: before the service accepted the edit, `before`;
 * after it, collect the paid result (resume) instead of paying for the edit twice.
 */
function next(extra: Extra | undefined, before: string): string {
  const id = extra?.requestId;
  return id
    ? `the edit was accepted (request ${id}) and its result is kept for one hour, so collect it later instead of running the edit again`
    : before;
}

/** An amount in US dollars as the service reports it: "$0.24", "$0.004". */
function usdText(usd: number): string {
  const digits = Math.abs(usd) > 0 && Math.abs(usd) < 0.01 ? 4 : 2;
  return `$${usd.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}

const MB = 1024 * 1024;
/** Mirrors MAX_IMAGE_BYTES in http.ts (which imports this module). */
const IMAGE_CAP = 64 * MB;
const sizeWords = (bytes: number) =>
  bytes >= MB ? `${Math.floor(bytes / MB)} MB` : `${Math.floor(bytes / 1024)} KB`;

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
      `The edit service did not accept the API key (HTTP 401); set a valid Segmind API key in Settings${extra?.requestId ? `, then collect accepted request ${extra.requestId} within the hour instead of running the edit again` : ''}.`,
      extra,
    ),
  forbidden: (extra?: Extra) =>
    e(
      'forbidden',
      'The API key is not allowed to use this model (HTTP 403); check the key and its permissions in your Segmind account.',
      extra,
    ),
  /** The result names an output address Maskroom will not fetch (not https, not a configured host). */
  untrustedOutput: (url: string, extra?: Extra) =>
    e(
      'forbidden',
      `The edit service named its result at ${safeOrigin(url)}, which is neither https nor a host set in Settings, so Maskroom did not download it; report it if it keeps happening.`,
      extra,
    ),
  noCredits: (credits: number | null, extra?: Extra) =>
    e(
      'no-credits',
      `Your Segmind account does not have enough credits for this edit (${creditsText(credits)}); top up your Segmind account and try again.`,
      extra,
    ),
  spendLimit: (credits: number | null, extra?: Extra) =>
    e(
      'no-credits',
      `Your Segmind team has reached its spend limit (HTTP 406, ${creditsText(credits)}); ask the team owner to raise the limit in the Segmind dashboard, then try again.`,
      extra,
    ),
  contentType: (reason: string, extra?: Extra) =>
    e(
      'bad-response',
      `The edit service refused the request's Content-Type (HTTP 406${reason ? `: ${reasonText(reason)}` : ''}), which Maskroom cannot change; update Maskroom, and report it if it keeps happening.`,
      extra,
    ),
  retired: (model: string, extra?: Extra) =>
    e(
      'retired',
      `Segmind has retired the ${model} model (HTTP 410), so edits can no longer be run with it; update Maskroom to a version that uses a current model.`,
      extra,
    ),
  blocked: (reason: string, extra?: Extra) =>
    e(
      'blocked',
      `The edit service refused this edit (${reasonText(reason || 'no reason given')}); change the prompt or the masked area and try again.`,
      extra,
    ),
  /**
   * The service no longer holds the request (404 or 410 Gone after it accepted the edit): nothing can be
   * collected, so the sentence leads to running the edit again, saying what the lost one cost when known.
   */
  expired: (requestId: string, extra?: Extra, cost: number | null = null) =>
    e(
      'expired',
      `The edit service no longer holds the result of request ${requestId} (results are kept for one hour${cost !== null ? `; this edit was charged ${usdText(cost)}` : ''}), so it cannot be collected; run the edit again.`,
      extra,
    ),
  notFound: (what: string, extra?: Extra) =>
    e('not-found', `The edit service answered 404 for ${what}; check the API address in Settings.`, extra),
  /** `waitMs`: what the service asked (Retry-After or x-rate-limit-reset-at-utc), when it said. */
  rateLimited: (waitMs: number | null, extra?: Extra) =>
    e(
      'rate-limited',
      `The edit service is rate-limiting requests (HTTP 429, ${attemptsText(extra)}${waitMs !== null ? `, the service asks to wait ${waitWords(waitMs)}` : ''}); ${next(extra, waitMs !== null ? `wait ${waitWords(waitMs)} and try again` : 'wait a minute and try again')}.`,
      extra,
    ),
  serverError: (status: number, extra?: Extra) =>
    e(
      'server-error',
      `The edit service had a server error (HTTP ${status}${status === 504 ? ': the gateway timed out' : ''}, ${attemptsText(extra)}); ${next(extra, 'try again in a few minutes')}.`,
      { ...extra, status },
    ),
  unexpectedStatus: (status: number, reason: string, extra?: Extra) =>
    e(
      'bad-response',
      `The edit service answered with unexpected HTTP ${status}${reason ? ` (${reasonText(reason)})` : ''}; ${next(extra, 'try again')}, and report it if it keeps happening.`,
      { ...extra, status },
    ),
  badResponse: (detail: string, extra?: Extra) =>
    e(
      'bad-response',
      `The edit service sent a response Maskroom cannot read (${reasonText(detail)}); ${next(extra, 'try again')}, and report it if it keeps happening.`,
      extra,
    ),
  /** A body past its cap (see BODY_CAPS in http.ts): the transfer was aborted. */
  tooLarge: (endpoint: string, capBytes: number, extra?: Extra) =>
    e(
      'too-large',
      // A cap of an image's size or more guards a result (an image, or JSON carrying one inline).
      capBytes >= IMAGE_CAP
        ? `The edit service sent a result of more than ${sizeWords(IMAGE_CAP)}, which is not an image Maskroom asked for; ${next(extra, 'run the edit again')}, and report it if it keeps happening.`
        : `The edit service sent an answer of more than ${sizeWords(capBytes)} to the ${endpoint} call, which is not what Maskroom asked for; ${next(extra, 'try again')}, and report it if it keeps happening.`,
      extra,
    ),
  offline: (host: string, detail: string, extra?: Extra) =>
    e(
      'offline',
      `Could not reach ${host} (${detail}); check your network connection and proxy settings, then ${next(extra, 'try again')}.`,
      extra,
    ),
  /** The connection dropped mid-answer (reset), after the service answered at least in part. */
  dropped: (host: string, detail: string, extra?: Extra) =>
    e(
      'offline',
      `The connection to ${host} dropped (${detail}); check your network connection and proxy settings, then ${next(extra, 'try again')}.`,
      extra,
    ),
  readTimeout: (host: string, seconds: number, extra?: Extra) =>
    e(
      'timeout',
      `${host} stopped answering for ${seconds} s; check your network connection and proxy settings, then ${next(extra, 'try again')}.`,
      extra,
    ),
  deadline: (seconds: number, requestId: string | null) =>
    e(
      'timeout',
      `The edit did not finish within ${seconds} s${requestId ? ` (request ${requestId} may still finish within the hour: resume it)` : ''}; ${requestId ? 'resume it later' : 'try again later'} or raise the timeout in Settings.`,
      requestId ? { requestId } : {},
    ),
  cancelled: () => e('cancelled', 'The edit was cancelled.'),
  /** `what` says what happened, e.g. "The connection dropped (ECONNRESET)". */
  outcomeUnknown: (what: string, extra?: Extra) =>
    e(
      'outcome-unknown',
      `${what} after the edit was sent, so the service may have accepted and charged it; check your Segmind dashboard before running it again.`,
      extra,
    ),
  /** A 504 answering the submit: a gateway gave up waiting for the service, which may have taken the edit. */
  gatewayTimeoutOnSubmit: (extra?: Extra) =>
    e(
      'outcome-unknown',
      'The gateway timed out (HTTP 504) after the edit was sent, so the service may have accepted and charged it; check your Segmind dashboard before running it again.',
      extra,
    ),
};

function creditsText(credits: number | null): string {
  return credits === null ? 'credits left unknown' : `${credits} left`;
}

/** An address shown in a message: its origin only (a signed URL's query may hold credentials). */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'data:' ? 'an inline address' : `${u.protocol}//${u.host}`;
  } catch {
    return 'an unreadable address';
  }
}
