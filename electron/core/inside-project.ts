/**
 * Whether a file an export is about to write is one of a Maskroom project's own files. No heavy imports: the
 * CLI checks its --out with it before loading the imaging core.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';

/** Top-level names a project writes as files, and the folders whose every file is the project's. */
const OWN_FILES = new Set(['project.json', 'source.json', '.maskroom.lock']);
const OWN_FOLDERS = new Set(['layers', 'journal', 'cache', 'dropped']);

/** `file` with its nearest existing folder resolved (links followed); the parts below it as given. */
async function resolved(file: string): Promise<string> {
  let dir = path.resolve(path.dirname(file));
  const rest = [path.basename(file)];
  // Bounded by the depth of the path: each step goes one folder up, and the root always exists.
  for (let i = 0; i < 256; i++) {
    const real = await fs.realpath(dir).catch(() => null);
    if (real !== null) return path.join(real, ...rest);
    const up = path.dirname(dir);
    if (up === dir) break;
    rest.unshift(path.basename(dir));
    dir = up;
  }
  return path.join(dir, ...rest);
}

/**
 * The folder of the project whose own file `file` would replace (its original photo, manifest, source record
 * or lock, or anything in its layers, journal, cache or dropped folders), or null. The nearest folder above
 * `file` that holds a project.json is the project; also found through a linked path, and for any project,
 * not only the one being exported. Other files beside a project's (an export next to the photo, in a folder
 * that also holds the project) are not its own.
 */
export async function projectFileOwner(file: string): Promise<string | null> {
  const target = await resolved(file);
  // Bounded by the depth of the path, as above.
  for (let dir = path.dirname(target), i = 0; i < 256; i++) {
    const isProject = await fs.stat(path.join(dir, 'project.json')).then(
      (st) => st.isFile(),
      () => false,
    );
    if (isProject) {
      const [top, ...below] = path.relative(dir, target).split(path.sep);
      const own =
        below.length === 0 ? OWN_FILES.has(top!) || /^original\./i.test(top!) : OWN_FOLDERS.has(top!);
      return own ? dir : null;
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}
