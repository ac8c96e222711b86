/**
 * Plain words for every error code the bridge can throw: a short title, the one-sentence message from
 * main (it already says what to do), and which button helps the user do it.
 */
import type { Collectable, ErrorCode, WireError } from '../../shared/errors';
import { openLabels } from '../../shared/formats';
import { collectMessage } from './jobs';

export type ErrorFix = 'settings' | 'retry' | 'open' | null;

export interface ShownError {
  code: ErrorCode;
  /**
   * A few words naming what went wrong, shown before the message; '' when the message alone says it (an
   * ordinary refusal of what the user asked, whose one sentence already names the problem and the fix).
   */
  title: string;
  message: string;
  fix: ErrorFix;
  /**
   * Set when the service accepted (and billed) the edit and its result can still be collected: the
   * message then leads to Collect result, never to running the edit again. `jobId` names the job to
   * collect when the error came from one.
   */
  collect?: Collectable & { jobId?: string };
}

const titles: Record<ErrorCode, { title: string; fix: ErrorFix; fallback: string }> = {
  // The title of a request Maskroom itself made malformed (see titleOf); the user's own refusals have none.
  'invalid-input': {
    title: 'Request not valid',
    fix: null,
    fallback: 'Check the prompt and the mask, then try again.',
  },
  'unsupported-image': {
    title: 'Not a photo Maskroom can open',
    fix: 'open',
    fallback: `Open a ${openLabels()} photo instead.`,
  },
  'image-too-large': { title: 'Photo too large', fix: 'open', fallback: 'Open a smaller photo.' },
  'no-api-key': {
    title: 'No API key',
    fix: 'settings',
    fallback: 'Add your Segmind API key in Settings, then run the edit again.',
  },
  'bad-api-key': {
    title: 'API key refused',
    fix: 'settings',
    fallback: 'Set a valid Segmind API key in Settings, then run the edit again.',
  },
  forbidden: {
    title: 'Not allowed',
    fix: 'settings',
    fallback: 'Your Segmind account may not use this model; check it on segmind.com.',
  },
  'no-credits': {
    title: 'Out of credits',
    fix: null,
    fallback: 'Top up your Segmind credits, then run the edit again.',
  },
  blocked: {
    title: 'Blocked by the content filter',
    fix: null,
    fallback: 'Reword the prompt or change the mask, then run the edit again.',
  },
  'rate-limited': {
    title: 'Too many requests',
    fix: 'retry',
    fallback: 'Wait a minute, then run the edit again.',
  },
  'server-error': {
    title: 'Edit service failed',
    fix: 'retry',
    fallback: 'The service had a problem; run the edit again in a moment.',
  },
  'bad-response': {
    title: 'Unexpected answer',
    fix: 'retry',
    fallback: 'The service answered something unexpected; run the edit again.',
  },
  offline: {
    title: 'Offline',
    fix: 'retry',
    fallback: 'Check your internet connection, then run the edit again.',
  },
  timeout: {
    title: 'Timed out',
    fix: 'retry',
    fallback: 'The service took too long; run the edit again, or raise the timeout in Settings.',
  },
  cancelled: {
    title: 'Cancelled',
    fix: 'retry',
    fallback: 'The edit was cancelled; your mask and prompt are still here.',
  },
  expired: {
    title: 'Result expired',
    fix: 'retry',
    fallback: 'The result was no longer kept by the service; run the edit again.',
  },
  'not-found': { title: 'Not found', fix: null, fallback: 'Check the API address in Settings.' },
  'project-in-use': {
    title: 'Project in use',
    fix: null,
    fallback: 'Close it in the other Maskroom window first.',
  },
  'corrupt-project': {
    title: 'Project damaged',
    fix: 'open',
    fallback: 'Open the photo again as a new project.',
  },
  'newer-project': {
    title: 'Made by a newer Maskroom',
    fix: null,
    fallback: 'Update Maskroom to open this project.',
  },
  'outcome-unknown': {
    title: 'Outcome unknown',
    fix: null,
    fallback: 'Maskroom could not tell whether the edit ran; check the history before running it again.',
  },
  unsupported: { title: 'Not available', fix: null, fallback: 'This is not available in this build.' },
  retired: {
    title: 'Model retired',
    fix: null,
    fallback: 'The service no longer offers this model; update Maskroom to use its successor.',
  },
  'too-large': {
    title: 'Too large to send',
    fix: null,
    fallback: 'The request is larger than the service accepts; use fewer or smaller reference images.',
  },
  'disk-full': {
    title: 'Disk full',
    fix: null,
    fallback: 'The disk is full; free some space, then try again.',
  },
  'read-only': {
    title: 'Read-only folder',
    fix: null,
    fallback: 'The project is on a read-only disk; copy it to a writable folder first.',
  },
  'permission-denied': {
    title: 'Permission denied',
    fix: null,
    fallback: 'Maskroom may not write to the project folder; check its permissions, or choose another.',
  },
  'damaged-layer': {
    title: 'Layer damaged',
    fix: null,
    fallback: 'A layer file is missing or damaged; restore it from your backup or sync.',
  },
  internal: {
    title: 'Something went wrong',
    fix: 'retry',
    fallback: 'Try again, and report it if it keeps happening.',
  },
};

/**
 * The sentences of a request the window sent malformed, a fault of Maskroom and not of what the user did:
 * the dispatcher's "The request project:open was not valid (projectId): ..." and "Maskroom has no call
 * named ...", main's "The export request was not valid; ...".
 */
const MALFORMED_REQUEST =
  /^(?:The (?:[\w-]+ )?request (?:[\w:.-]+ )?was not valid\b|Maskroom has no call named\b)/;

/**
 * The title shown before a message. `invalid-input` is mostly the user's own request refused (no photo, an
 * empty mask, a mask file of another size) in a sentence that says what happened and what to do, which a
 * title such as "Request not valid" would only blur: those show the sentence alone.
 */
function titleOf(code: ErrorCode, message: string): string {
  if (code === 'invalid-input' && !MALFORMED_REQUEST.test(message)) return '';
  return titles[code].title;
}

function isErrorCode(c: unknown): c is ErrorCode {
  return typeof c === 'string' && Object.prototype.hasOwnProperty.call(titles, c);
}

/** Any thrown value (an AppError from the bridge, a WireError from a job) in words for the user. */
export function describeError(e: unknown): ShownError {
  const code: ErrorCode =
    typeof e === 'object' && e !== null && isErrorCode((e as { code?: unknown }).code)
      ? (e as WireError).code
      : 'internal';
  const entry = titles[code];
  const raw = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  const message = typeof raw === 'string' && raw.trim() ? raw.trim() : entry.fallback;
  const collect = collectableOf(e);
  if (collect) {
    // Paid for and still collectable: main's sentence when it leads to collecting (it says what happened),
    // else ours, so that the user is never told to run (and pay for) the edit again.
    const leads = /\bcollect/i.test(message) && message !== entry.fallback;
    const words = leads ? message.charAt(0).toUpperCase() + message.slice(1) : collectMessage(code);
    return { code, title: titleOf(code, words), message: words, fix: null, collect };
  }
  return { code, title: titleOf(code, message), message, fix: entry.fix };
}

function collectableOf(e: unknown): Collectable | null {
  if (typeof e !== 'object' || e === null) return null;
  const c = (e as { collect?: unknown }).collect;
  if (typeof c !== 'object' || c === null) return null;
  const requestId = (c as { requestId?: unknown }).requestId;
  return typeof requestId === 'string' ? { requestId } : null;
}

/** An error made on this side (a file that is not a photo, a missing mask...). */
export function localError(code: ErrorCode, message: string): ShownError {
  return { code, title: titleOf(code, message), message, fix: titles[code].fix };
}

/** The error in a few words for a short line (a job's row): its title, or its sentence when it has none. */
export function errorHead(e: ShownError): string {
  return e.title || e.message.replace(/[.\s]+$/, '');
}
