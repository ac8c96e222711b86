/**
 * The layered PSD of a project's stack: the decoded original, every usable visible layer's patch (named
 * after its prompt) and the flattened image as the composite. Shared by the app's export and the CLI.
 */
import {
  encodePsd,
  writeLayeredPsd,
  type PsdEdit,
  type PsdOptions,
  type PsdResult,
} from './imaging/export-psd';
import type { ExportSink } from './imaging/export-sink';
import type { Photo } from './imaging';
import type { ProjectSession } from './pipeline';
import type { StoredLayer } from './project';

/** `upTo`: only the visible layers up to and including this one (the history's "export from here"). */
export type LayeredPsdOptions = PsdOptions & { upTo?: string };

async function stack(
  session: ProjectSession,
  opts: LayeredPsdOptions,
): Promise<{ base: Photo; edits: PsdEdit[]; composite: Photo; psd: PsdOptions }> {
  let layers: StoredLayer[] = session.usableVisible();
  if (opts.upTo) {
    // The same stack as ProjectSession.upTo: the visible usable layers before it, and the layer itself.
    const all = session.store.layers();
    const at = all.findIndex((l) => l.id === opts.upTo);
    layers = all.slice(0, at + 1).filter((l, i) => i === at || (l.visible && !session.store.damaged(l.id)));
  }
  const base = await session.originalPhoto();
  const composite = opts.upTo ? await session.upTo(opts.upTo) : await session.current();
  const edits: PsdEdit[] = [];
  for (const l of layers)
    edits.push({ name: l.prompt.slice(0, 255) || 'Edit', patch: await session.patchOf(l) });
  const psd: PsdOptions = {
    ...(opts.maskAs ? { maskAs: opts.maskAs } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  return { base, edits, composite, psd };
}

/** The layered PSD in memory (one buffer of the file's exact size). */
export async function exportLayeredPsd(
  session: ProjectSession,
  opts: LayeredPsdOptions = {},
): Promise<PsdResult> {
  const s = await stack(session, opts);
  return encodePsd(s.base, s.edits, s.composite, s.psd);
}

/** The layered PSD written into `sink` as it is made (a file: see exportImageToFile's `write`). */
export async function writeLayeredPsdOf(
  session: ProjectSession,
  sink: ExportSink,
  opts: LayeredPsdOptions = {},
): Promise<string[]> {
  const s = await stack(session, opts);
  return writeLayeredPsd(s.base, s.edits, s.composite, sink, s.psd);
}
