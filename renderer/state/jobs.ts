/**
 * The pure rules behind job rows, re-runs, damaged layers and what edits cost. No React and no bridge:
 * the store and the components call these, the unit tests check them.
 *
 * The one rule everything here protects: an edit the service accepted has been paid for. When Maskroom
 * failed after that point (the connection dropped while polling, the disk filled while saving), the error
 * carries `collect` and the result can still be fetched; the user is offered "Collect result", never led to
 * submitting (and paying for) the same edit again without being asked.
 */
import { isActiveJobState, type JobStatus, type Layer } from '../../shared/contract';
import type { ErrorCode } from '../../shared/errors';

/** A job whose edit the service accepted and billed, but whose result Maskroom has not got yet. */
export function isCollectable(j: Pick<JobStatus, 'state' | 'error'>): boolean {
  return j.state === 'failed' && Boolean(j.error?.collect);
}

/** The collectable jobs of a request group (none when `groupId` is null). */
export function collectableJobs<J extends Pick<JobStatus, 'state' | 'error' | 'groupId'>>(
  jobs: readonly J[],
  groupId: string | null,
): J[] {
  if (groupId === null) return [];
  return jobs.filter((j) => j.groupId === groupId && isCollectable(j));
}

export type JobRowAction = 'cancel' | 'collect' | 'retry' | 'dismiss';

/**
 * The buttons a job row offers, in display order. A row still running can be cancelled. A row with a
 * collectable failure offers Collect result and never Retry (that would pay again). Otherwise a failed or
 * cancelled row offers Retry when this session still has its request. Every finished row can be dismissed.
 * `collecting`: a collect was asked for and its progress has not arrived yet (no second click).
 */
export function jobRowActions(
  jobs: readonly Pick<JobStatus, 'state' | 'error'>[],
  opts: { canRerun: boolean; collecting: boolean },
): JobRowAction[] {
  if (jobs.some((j) => isActiveJobState(j.state))) return ['cancel'];
  if (opts.collecting) return [];
  if (jobs.some(isCollectable)) return ['collect', 'dismiss'];
  const retryable = jobs.some((j) => j.state === 'failed' || j.state === 'cancelled');
  return retryable && opts.canRerun ? ['retry', 'dismiss'] : ['dismiss'];
}

/** What must be done before collecting helps, for the faults of the user's own machine. */
const beforeCollecting: Partial<Record<ErrorCode, string>> = {
  'disk-full': 'free some disk space, then ',
  'read-only': 'copy the project to a writable folder, then ',
  'permission-denied': 'make the project folder writable, then ',
  offline: 'check your internet connection, then ',
};

/**
 * The one sentence a collectable failure shows instead of main's message: it must never tell the user to
 * run the edit again (main's message may, for the same code, when nothing was paid yet).
 */
export function collectMessage(code: ErrorCode): string {
  const first = beforeCollecting[code] ?? '';
  return (
    'The service accepted this edit and charged for it, but Maskroom has not got the result yet; ' +
    `${first}press Collect result to fetch it (it costs nothing more, and the service keeps it for an hour).`
  );
}

/** What the confirm dialog asks before a request with a collectable failure is submitted again. */
export const rerunQuestion =
  'The service already accepted this edit and charged for it; running it again pays again. Collect the result instead?';

/** An amount in US dollars: two decimals, more only for amounts below a cent ("$0.24", "$0.004"). */
export function formatCost(usd: number): string {
  if (!Number.isFinite(usd)) return '—';
  const abs = Math.abs(usd);
  const digits = abs > 0 && abs < 0.01 ? 4 : 2;
  const s = abs.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${usd < 0 ? '-' : ''}$${s}`;
}

/** The key of a layer across projects (layer ids are unique only within a project). */
export function layerKey(projectId: string, layerId: string): string {
  return `${projectId}/${layerId}`;
}

/**
 * The layers of `layers` not seen before (not in `known`): the edits completed since the project was
 * opened. Returns their keys with what each cost (null when the service did not say).
 */
export function newLayers(
  known: ReadonlySet<string>,
  projectId: string,
  layers: readonly Pick<Layer, 'id' | 'cost'>[],
): Array<{ key: string; cost: number | null }> {
  const out: Array<{ key: string; cost: number | null }> = [];
  for (const l of layers) {
    const key = layerKey(projectId, l.id);
    if (!known.has(key)) out.push({ key, cost: l.cost });
  }
  return out;
}

export interface SessionCost {
  /** Sum of the known costs, in USD. */
  total: number;
  /** Edits completed this session whose cost is known. */
  counted: number;
  /** Edits completed this session whose cost the service did not report. */
  unknown: number;
}

/** What this session's edits cost: every edit completed in it, including layers deleted since (paid is paid). */
export function sessionCost(costs: Readonly<Record<string, number | null>>): SessionCost {
  let cents = 0;
  let counted = 0;
  let unknown = 0;
  for (const c of Object.values(costs)) {
    if (c === null || !Number.isFinite(c)) unknown++;
    else {
      // Summed in hundredths of a cent so that many small amounts do not drift (0.1 + 0.2).
      cents += Math.round(c * 10_000);
      counted++;
    }
  }
  return { total: cents / 10_000, counted, unknown };
}

/** The status bar's words for the session cost: "—" when nothing reported a cost, "+" when some did not. */
export function formatSessionCost(s: SessionCost): string {
  if (s.counted === 0) return s.unknown > 0 ? '—' : formatCost(0);
  return s.unknown > 0 ? `${formatCost(s.total)}+` : formatCost(s.total);
}

/**
 * Why a layer cannot be shown and what to do, in one sentence, or null when it is whole. Main says what is
 * wrong per file ("layers/<id>.patch.png is missing, layers/<id>.mask.png is incomplete (…)"); this puts it
 * as "layer file missing: layers/<id>.patch.png" and adds what to do, unless main already said so.
 */
export function damagedText(layer: Pick<Layer, 'damaged'>): string | null {
  const reason = layer.damaged?.trim().replace(/[.;]+$/, '');
  if (!reason) return null;
  if (/\brestore\b/i.test(reason)) return reason;
  const parts = reason.split(/,\s+(?=\S+ is (?:missing|incomplete)\b)/);
  const missing: string[] = [];
  const incomplete: string[] = [];
  for (const part of parts) {
    const m = /^(\S+) is missing$/.exec(part);
    const i = /^(\S+) is incomplete( \(.*\))?$/.exec(part);
    if (m) missing.push(m[1] as string);
    else if (i) incomplete.push(`${i[1] as string}${i[2] ?? ''}`);
    else {
      missing.length = 0;
      incomplete.length = 0;
      break;
    }
  }
  const said: string[] = [];
  if (missing.length) said.push(`layer file${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`);
  if (incomplete.length)
    said.push(`layer file${incomplete.length > 1 ? 's' : ''} incomplete: ${incomplete.join(', ')}`);
  const files = missing.length + incomplete.length;
  const words = said.length ? said.join('; ') : reason;
  return `${words} — restore ${files > 1 ? 'them' : 'it'} from your backup or sync`;
}
