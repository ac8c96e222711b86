/**
 * One process per project: a lock file created exclusively (O_EXCL) holding the owner's pid, host and start
 * time. A lock whose owner is gone (same host, pid no longer alive) or that is unreadable and old is stale and
 * is taken over; anything else means the project is in use and the caller is told so.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/errors';

export const LOCK_FILE = '.maskroom.lock';
/** An unreadable (half-written) lock older than this is considered abandoned. */
const UNREADABLE_STALE_MS = 10_000;

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
  const info = await readLock(file);
  if (!info) {
    const st = await fs.stat(file).catch(() => null);
    if (!st) return null;
    return Date.now() - st.mtimeMs > UNREADABLE_STALE_MS ? null : 'another Maskroom process';
  }
  if (info.host !== os.hostname()) return `Maskroom on ${info.host} (pid ${info.pid})`;
  if (!pidAlive(info.pid)) return null;
  return info.pid === process.pid ? 'this Maskroom process' : `another Maskroom process (pid ${info.pid})`;
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
      const h = await fs.open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644);
      try {
        await h.writeFile(JSON.stringify(info));
        await h.sync();
      } finally {
        await h.close();
      }
      return {
        file,
        release: async () => {
          // Only remove the lock if it is still ours.
          const now = await readLock(file);
          if (now && now.token === info.token) await fs.rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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
