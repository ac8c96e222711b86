/**
 * A real small file system for disk-full and read-only tests: a tmpfs mounted on a temporary folder. Needs
 * root (mount); `mountTmpfs` returns null with the reason when it cannot, and the tests skip saying so.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Makes the whole file system read-only (remount ro) or writable again. */
  setReadOnly(ro: boolean): void;
  /** Fills the free space with one file, leaving about `leaveBytes` free. */
  fill(leaveBytes?: number): Promise<void>;
  /** Removes the filler file. */
  unfill(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a tmpfs' };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    await fs.rm(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs failed (${String((e as Error).message).split('\n')[0]})` };
  }
  const filler = path.join(dir, '.filler');
  return {
    dir,
    setReadOnly(ro) {
      execFileSync('mount', ['-o', `remount,${ro ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' });
    },
    async fill(leaveBytes = 0) {
      const st = await fs.statfs(dir);
      const free = st.bavail * st.bsize;
      const h = await fs.open(filler, 'a');
      try {
        const chunk = Buffer.alloc(64 * 1024);
        let left = Math.max(0, free - leaveBytes);
        // Bounded: at most free/64K writes, each of which either succeeds or ends the loop.
        while (left > 0) {
          const n = Math.min(chunk.length, left);
          try {
            await h.write(chunk, 0, n);
          } catch {
            break;
          }
          left -= n;
        }
      } finally {
        await h.close();
      }
    },
    async unfill() {
      await fs.rm(filler, { force: true });
    },
    async unmount() {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } catch {
        // Already unmounted.
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under dir with its size and mtime: equal snapshots mean nothing was written or deleted. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await fs.readdir(dir, { recursive: true })).map(String).sort()) {
    const st = await fs.stat(path.join(dir, n));
    out[n] = st.isDirectory() ? 'dir' : `${st.size}@${st.mtimeMs}`;
  }
  return out;
}
