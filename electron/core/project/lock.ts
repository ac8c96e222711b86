/**
 * One process per project: a lock file holding the owner's pid, host and start time. It is written whole to a
 * temporary name, then hard-linked to `.maskroom.lock` (which fails if the lock exists), so a lock file is
 * never seen half-written: an empty or unreadable one can only be debris (a crash, a full disk, a power cut)
 * and is stale at once, as is a lock whose owner is gone (same host, pid no longer alive). Anything else means
 * the project is in use and the caller is told by whom. Only writers take the lock; readers never touch it.
 *
 * Nothing is flushed to disk (no fsync of the file or the folder): other processes see the file as soon as it
 * is linked, and a lock only has to outlive its owner, which a power cut does not; what a power cut leaves of
 * it (nothing, an empty or a whole file of a dead pid) is stale by the rules above.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError, environmentError } from '../../../shared/errors';
import { tempPathFor } from '../fs-atomic';

export const LOCK_FILE = '.maskroom.lock';

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  createdAt: string;
}

export interface ProjectLock {
  readonly file: string;
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockInfo>;
    if (typeof raw.pid === 'number' && typeof raw.host === 'string' && typeof raw.token === 'string') {
      return { pid: raw.pid, host: raw.host, token: raw.token, createdAt: String(raw.createdAt ?? '') };
    }
    return null;
  } catch {
    return null;
  }
}

/** Why a lock file is not (or is) stale: null = stale, else a description of the live owner. */
async function liveOwner(file: string): Promise<string | null> {
  // Written whole before it is linked into place: an empty or unreadable lock is debris, never a live owner.
  const info = await readLock(file);
  if (!info) return null;
  if (info.host !== os.hostname()) return `Maskroom on ${info.host} (pid ${info.pid})`;
  if (!pidAlive(info.pid)) return null;
  return info.pid === process.pid
    ? `this Maskroom process (pid ${info.pid} on ${info.host})`
    : `another Maskroom process (pid ${info.pid} on ${info.host})`;
}

/** Creates `file` with `data` only if it does not exist, never visible half-written. EEXIST if it does. */
async function createWhole(file: string, data: string): Promise<void> {
  const tmp = tempPathFor(file);
  const h = await fs.open(tmp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
  try {
    try {
      await h.writeFile(data);
    } finally {
      await h.close();
    }
    try {
      await fs.link(tmp, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Some network and FUSE file systems have no hard links: fall back to an exclusive rename-free create.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
      const f = await fs.open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
      try {
        await f.writeFile(data);
      } finally {
        await f.close();
      }
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

export async function acquireLock(dir: string): Promise<ProjectLock> {
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(8).toString('hex'),
    createdAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await createWhole(file, JSON.stringify(info));
      return {
        file,
        release: async () => {
          // Only remove the lock if it is still ours.
          const now = await readLock(file);
          if (now && now.token === info.token) await fs.rm(file, { force: true });
        },
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: our temporary file was swept by the process holding the lock; try again.
      if (code === 'ENOENT' && attempt < 2) continue;
      if (code !== 'EEXIST') {
        const full = code === 'ENOSPC' || code === 'EDQUOT';
        throw (
          environmentError(e, `Opening the project in ${dir} for changes`, {
            where: dir,
            ...(full
              ? {}
              : { next: 'copy the project to a writable folder to edit it (history and export still work)' }),
          }) ?? e
        );
      }
      const owner = await liveOwner(file);
      if (owner) {
        throw new AppError(
          'project-in-use',
          `This project is open in ${owner}; close it there first (or delete ${LOCK_FILE} in the project folder if that process is gone).`,
        );
      }
      // Stale: take it over by renaming it aside first, so two takers cannot both remove a fresh lock.
      const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
      await fs.rename(file, aside).catch(() => undefined);
      await fs.rm(aside, { force: true });
    }
  }
  throw new AppError(
    'project-in-use',
    'This project is being opened by another Maskroom process; try again in a moment.',
  );
}
