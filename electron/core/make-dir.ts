/**
 * mkdir -p that reports the real fault. Node's recursive mkdir says ENOENT when it cannot make a missing
 * folder on a read-only file system (it meets EROFS making the first missing part, then reports the
 * part it looked for); the user would be told "Something went wrong inside Maskroom (ENOENT ... mkdir ...)".
 * On that ENOENT the first missing part is made alone, which gives the real error (EROFS, EACCES) with its
 * path; when that cannot be found either, one sentence names the place as read-only or missing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';

export async function makeDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const fault = await realFault(path.resolve(dir));
    if (fault !== null) throw fault;
  }
}

/** The error of making the first missing part of dir on its own, or null when it was made after all. */
async function realFault(dir: string): Promise<unknown> {
  let missing = dir;
  // Bounded by the depth of the path: each step goes one folder up, and the root always exists.
  for (let up = path.dirname(missing); up !== missing; missing = up, up = path.dirname(up)) {
    const there = await fs.stat(up).then(
      () => true,
      () => false,
    );
    if (there) break;
  }
  try {
    await fs.mkdir(missing);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? unreachable(dir, e) : e;
  }
  // Made now (another process, or a disk remounted meanwhile): the rest of the path should follow.
  return fs.mkdir(dir, { recursive: true }).then(
    () => null,
    (e: unknown) => e,
  );
}

const unreachable = (dir: string, cause: unknown) =>
  new AppError(
    'not-found',
    `The folder ${dir} cannot be made: it is on a read-only disk or part of its path is missing; choose a folder on a writable disk.`,
    { cause },
  );
