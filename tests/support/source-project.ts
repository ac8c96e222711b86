/** A project whose record names the photo it was made from, as one opened from a file in the app or the CLI. */
import { ProjectStore, type CreateOptions } from '../../electron/core/project';
import { recordSource } from '../../electron/core/save-back';

/**
 * Makes a project in `dir` from `photo` (a file's bytes, its name, size and format) and records `file` as
 * the photo it was made from (source.json, what save back writes into).
 */
export async function projectOfSource(dir: string, file: string, photo: CreateOptions): Promise<void> {
  const store = await ProjectStore.create(dir, photo);
  await store.close();
  await recordSource(dir, file, photo.format);
}
