/**
 * Screen-sized previews of image states, kept in the project's cache/ folder as cache/preview-<key>.jpg.
 * A state is the ordered list of layer ids applied to the original (empty: the original itself); the key
 * is a hash of that list and the preview's longest side, so showing, hiding, reverting or deleting a layer
 * names another state and never reuses a stale picture. Derived data like cache/current.bin: a missing or
 * unreadable file is rendered again, and a read-only project simply keeps none.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic';

export const PREVIEW_PREFIX = 'preview-';
/** Previews kept per project (a few hundred KB each); the least recently used go first. */
export const PREVIEW_KEEP = 48;

export function previewKey(ids: readonly string[], maxSize: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, ids, maxSize }))
    .digest('hex')
    .slice(0, 32);
}

export class PreviewCache {
  constructor(
    /** The project's cache/ folder. */
    private readonly dir: string,
    private readonly writable: () => boolean,
    private readonly keep = PREVIEW_KEEP,
  ) {}

  private file(key: string): string {
    return path.join(this.dir, `${PREVIEW_PREFIX}${key}.jpg`);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const bytes = new Uint8Array(await fs.readFile(this.file(key)));
      // A JPEG starts with SOI and ends with EOI: a file cut short by a crash is rendered again.
      if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
      if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return null;
      // Marks it recently used for the pruning below (best effort).
      const now = new Date();
      await fs.utimes(this.file(key), now, now).catch(() => undefined);
      return bytes;
    } catch {
      return null;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (!this.writable()) return;
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(key), bytes);
    await this.prune();
  }

  /** Leaves the `keep` most recently used previews. */
  private async prune(): Promise<void> {
    const names = (await fs.readdir(this.dir).catch(() => [] as string[])).filter(
      (n) => n.startsWith(PREVIEW_PREFIX) && n.endsWith('.jpg'),
    );
    if (names.length <= this.keep) return;
    const stats = await Promise.all(
      names.map(async (n) => ({
        n,
        t: await fs
          .stat(path.join(this.dir, n))
          .then((s) => s.mtimeMs)
          .catch(() => 0),
      })),
    );
    stats.sort((a, b) => b.t - a.t);
    await Promise.all(stats.slice(this.keep).map((s) => fs.rm(path.join(this.dir, s.n), { force: true })));
  }
}
