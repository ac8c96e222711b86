/**
 * Crash-safe file writes: write a temporary file beside the target, flush it to disk, rename it over the
 * target, then flush the directory so the rename itself survives a power cut. A crash at any instant leaves
 * either the old file or the new one, never a torn one; leftovers are named *.tmp-* and can be swept.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_MARKER = '.tmp-';

export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `${path.basename(target)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`,
  );
}

export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = tempPathFor(target);
  const handle = await fs.open(
    tmp,
    fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
    options.mode ?? 0o644,
  );
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(target));
}

/** Flush a directory's entries (a rename or create in it) to disk; a no-op where the OS does not allow it. */
export async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // Windows cannot open a directory for fsync; its renames are durable enough for this purpose.
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/**
 * Remove leftovers of interrupted atomic writes directly inside dir. Returns the names removed. `ours`, when
 * given, picks the leftovers that are this caller's (a folder shared with other files: the rest are left).
 */
export async function sweepTempFiles(dir: string, ours?: (name: string) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stray = names.filter((n) => n.includes(TEMP_MARKER) && (!ours || ours(n)));
  await Promise.all(stray.map((n) => fs.rm(path.join(dir, n), { force: true, recursive: true })));
  return stray;
}
