/**
 * TEST HOOK for the crash tests (tests/unit/hosts/cli/crash.test.ts): when MASKROOM_TEST_CRASH_AT names a point the
 * process reaches, it kills itself with SIGKILL there, so no cleanup code of any kind runs, exactly as if the
 * machine lost power or the user force-quit. Unset (always, outside those tests) it does nothing.
 *
 * Points: see CRASH_POINTS and SOURCE_CRASH_POINTS. `*-tmp` points leave a half-written temporary file behind before dying, like a
 * crash in the middle of writing that file.
 */
import { openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { tempPathFor } from '../fs-atomic';

export const CRASH_POINTS = [
  'after-journal', // the job is journaled, nothing sent yet
  'uploading', // the client reported the upload stage
  'after-request-id', // the request id is journaled, before the first poll
  'polling', // the client reported queued/processing (waiting on the service)
  'downloading', // the result is being downloaded
  'after-result', // the result image is saved in the journal, nothing composited yet
  'patch-tmp', // half of the patch file written to its temporary name
  'after-patch', // the patch is written, mask and thumbnail not yet
  'after-layer-files', // all layer files written, the manifest not yet
  'manifest-tmp', // half of the new manifest written to its temporary name
  'after-manifest', // the manifest names the layer, the journal entry not yet removed
] as const;

/** Points of a write over the project's source photo (save back, or an export onto it; save-back.ts). */
export const SOURCE_CRASH_POINTS = [
  'source-pending', // the record of the new file is written as pending, the file not yet renamed
  'source-renamed', // the new file is renamed over the photo, the record not yet updated
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
export type SourceCrashPoint = (typeof SOURCE_CRASH_POINTS)[number];

function armed(point: CrashPoint | SourceCrashPoint): boolean {
  const v = process.env.MASKROOM_TEST_CRASH_AT;
  return Boolean(v) && v === point;
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered immediately; this only satisfies the type checker.
  throw new Error('unreachable');
}

/**
 * At the armed point: SIGKILL, or, when MASKROOM_TEST_CRASH_SIGNAL is SIGINT or SIGTERM, that signal (a
 * Ctrl-C at that very moment), after which the process goes on as its handlers decide.
 */
export function crashPoint(point: CrashPoint | SourceCrashPoint): void {
  if (!armed(point)) return;
  const signal = process.env.MASKROOM_TEST_CRASH_SIGNAL;
  if (signal === 'SIGINT' || signal === 'SIGTERM') process.kill(process.pid, signal);
  else die();
}

/** At a `*-tmp` point: write the first half of data to target's temporary name, flush, and die. */
export function crashWritingTemp(point: CrashPoint, target: string, data: Uint8Array | string): void {
  if (!armed(point)) return;
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = openSync(tempPathFor(target), 'wx');
  writeSync(fd, bytes, 0, Math.max(1, Math.floor(bytes.length / 2)));
  fsyncSync(fd);
  closeSync(fd);
  die();
}
