/**
 * The layered PSD of a project's stack: the decoded original, every usable visible layer's patch (named
 * after its prompt) and the flattened image as the composite. Shared by the app's export and the CLI.
 */
import { encodePsd, type PsdOptions, type PsdResult } from './imaging/export-psd';
import type { ProjectSession } from './pipeline';
import type { StoredLayer } from './project';

/** `upTo`: only the visible layers up to and including this one (the history's "export from here"). */
export async function exportLayeredPsd(
  session: ProjectSession,
  opts: PsdOptions & { upTo?: string } = {},
): Promise<PsdResult> {
  let layers: StoredLayer[] = session.usableVisible();
  if (opts.upTo) {
    // The same stack as ProjectSession.upTo: the visible usable layers before it, and the layer itself.
    const all = session.store.layers();
    const at = all.findIndex((l) => l.id === opts.upTo);
    layers = all.slice(0, at + 1).filter((l, i) => i === at || (l.visible && !session.store.damaged(l.id)));
  }
  const base = await session.originalPhoto();
  const composite = opts.upTo ? await session.upTo(opts.upTo) : await session.current();
  const edits = [];
  for (const l of layers)
    edits.push({ name: l.prompt.slice(0, 255) || 'Edit', patch: await session.patchOf(l) });
  return encodePsd(base, edits, composite, opts.maskAs ? { maskAs: opts.maskAs } : {});
}
