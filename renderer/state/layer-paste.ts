/**
 * A new layer on screen before the whole image is rendered again: when an edit lands on top of the image
 * the canvas shows, only that layer's own pixels are fetched (image:render 'patch', its rect at the
 * preview's scale) and pasted over the shown image; project.ts then swaps in the whole image once it is
 * rendered.
 */
import type { Layer, ProjectState } from '../../shared/contract';
import type { Ctx } from './core';
import type { LoadedImage } from './model';
import { imageKey } from './project';

// ---- transitions ---------------------------------------------------------------------------------

/**
 * The layer a change put on top of the visible stack, when that is all it changed (an edit landed): its
 * pixels can be pasted over the image shown. Null for any other change (hidden, reverted, chosen...).
 */
export function layerOnTop(
  before: Pick<ProjectState, 'layers'>,
  after: Pick<ProjectState, 'layers'>,
): Layer | null {
  const shown = (p: Pick<ProjectState, 'layers'>) => p.layers.filter((l) => l.visible && l.damaged === null);
  const was = shown(before);
  const now = shown(after);
  if (now.length !== was.length + 1 || !was.every((l, i) => now[i]!.id === l.id)) return null;
  const top = now[now.length - 1]!;
  return before.layers.some((l) => l.id === top.id) ? null : top;
}

// ---- effects -------------------------------------------------------------------------------------

/** The image shown with `layer` pasted over it, or null where the media cannot draw. */
export async function pasteLayer(
  ctx: Pick<Ctx, 'api' | 'media'>,
  project: ProjectState,
  layer: Layer,
  shown: LoadedImage,
): Promise<LoadedImage | null> {
  const { api, media } = ctx;
  const base = shown.spec.preview;
  if (!media.paste || !base) return null;
  // The scale main rendered the preview at (image:render with maxSize = previewSize()).
  const k = Math.min(1, media.previewSize() / Math.max(project.width, project.height));
  const { rect } = layer;
  const maxSize = Math.min(65535, Math.max(16, Math.ceil(Math.max(rect.width, rect.height) * k)));
  const r = await api.invoke('image:render', {
    projectId: project.id,
    target: { kind: 'patch', layerId: layer.id },
    maxSize,
  });
  const at = { x: rect.x * k, y: rect.y * k, width: rect.width * k, height: rect.height * k };
  const preview = await media.paste(base, r.data, r.mime, at);
  const full = shown.spec.full === base ? preview : null;
  return { ...shown, key: `${imageKey(project, null)}:pasted`, spec: { ...shown.spec, preview, full } };
}
