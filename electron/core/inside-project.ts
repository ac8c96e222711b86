/**
 * Whether a file an export is about to write lies inside a project's own folder. No heavy imports: the CLI
 * checks its --out with it before loading the imaging core.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';

/**
 * Whether `file` lies inside the project folder `projectDir` (also through a linked folder, and for a file
 * in a folder not made yet): an export there could replace the project's own original photo, a layer or
 * its manifest, so the callers refuse it.
 */
export async function insideProject(projectDir: string, file: string): Promise<boolean> {
  const project = await fs.realpath(projectDir).catch(() => path.resolve(projectDir));
  // The nearest folder that exists, resolved; the parts below it as given.
  let dir = path.resolve(path.dirname(file));
  const rest = [path.basename(file)];
  for (let i = 0; i < 256; i++) {
    const real = await fs.realpath(dir).catch(() => null);
    if (real !== null) {
      dir = real;
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    rest.unshift(path.basename(dir));
    dir = up;
  }
  const rel = path.relative(project, path.join(dir, ...rest));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
