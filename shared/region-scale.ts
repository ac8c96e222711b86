/**
 * The region rule shared by the imaging core (electron/core/imaging/region.ts plans the edit with it) and
 * the renderer (which warns before a run whose region would come back at low resolution). Pure: no I/O.
 *
 * The region is the mask's box plus a context margin (default max(64, a third of the box's longer side)),
 * clipped to the photo; the API size is the one whose aspect is closest in log ratio (or the size fixed by
 * the user); the frame is the smallest one of exactly that aspect, in whole aspect units, holding the
 * region; the scale is API pixels per photo pixel, uniform by construction.
 */
import type { ApiSize, Rect } from './contract';

/** Each API size as (width, height) and its smallest integer aspect units. */
export const API_SIZES: Readonly<Record<ApiSize, { w: number; h: number; uw: number; uh: number }>> = {
  '1024x1024': { w: 1024, h: 1024, uw: 1, uh: 1 },
  '1536x1024': { w: 1536, h: 1024, uw: 3, uh: 2 },
  '1024x1536': { w: 1024, h: 1536, uw: 2, uh: 3 },
};

/** The API size whose aspect is closest (in log ratio) to w:h. */
export function bestApiSize(w: number, h: number): ApiSize {
  const a = Math.log(w / h);
  let best: ApiSize = '1024x1024';
  let bestD = Infinity;
  for (const k of Object.keys(API_SIZES) as ApiSize[]) {
    const d = Math.abs(a - Math.log(API_SIZES[k].w / API_SIZES[k].h));
    if (d < bestD - 1e-9) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

export interface RegionFrame {
  /** The wanted region (mask box plus margin, clipped to the photo), as [x0, x1) x [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  apiSize: ApiSize;
  /** The frame's size in photo pixels (exactly the API size's aspect). */
  frameWidth: number;
  frameHeight: number;
  /** API pixels per photo pixel. */
  scale: number;
}

/** The region, API size, frame and scale for a mask whose painted pixels have bounding box `b`. */
export function regionFrame(
  b: Rect,
  photo: { width: number; height: number },
  opts: { margin?: number; size?: ApiSize | 'auto' } = {},
): RegionFrame {
  const margin = Math.max(0, Math.round(opts.margin ?? Math.max(64, Math.max(b.width, b.height) / 3)));
  const x0 = Math.max(0, b.x - margin);
  const y0 = Math.max(0, b.y - margin);
  const x1 = Math.min(photo.width, b.x + b.width + margin);
  const y1 = Math.min(photo.height, b.y + b.height + margin);
  const apiSize: ApiSize = opts.size && opts.size !== 'auto' ? opts.size : bestApiSize(x1 - x0, y1 - y0);
  const s = API_SIZES[apiSize];
  const n = Math.max(Math.ceil((x1 - x0) / s.uw), Math.ceil((y1 - y0) / s.uh), 1);
  const frameWidth = n * s.uw;
  const frameHeight = n * s.uh;
  return { x0, y0, x1, y1, apiSize, frameWidth, frameHeight, scale: s.w / frameWidth };
}

/**
 * At what scale the edit's pixels are generated: API pixels per photo pixel, capped at 1 (a small region
 * is sent enlarged, but what comes back cannot hold more detail than the photo had).
 */
export function generatedScale(planScale: number): number {
  return Math.min(1, planScale);
}

/** The history's note for a layer generated below the photo's resolution, or null at full resolution. */
export function resolutionNote(scale: number | null): string | null {
  if (scale === null) return null;
  const pct = Math.round(scale * 100);
  return pct < 100 ? `generated at ${pct} % of the photo's resolution` : null;
}

/**
 * The prompt panel's warning before a run whose region would come back below half the photo's
 * resolution, or null. `scale` is `regionFrame(...).scale` for the mask's box.
 */
export function lowResolutionWarning(scale: number): string | null {
  const s = generatedScale(scale);
  if (s >= 0.5) return null;
  return `This edit would be generated at ${Math.round(s * 100)} % of the photo's resolution; paint a smaller mask, or make several edits of smaller parts, for full detail.`;
}
