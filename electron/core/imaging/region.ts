/**
 * Region planner: which part of the photo to send, at which API size, with what padding.
 * The frame (crop + padding) has exactly the API size's aspect, so the scale is uniform by construction.
 */
import type { ApiSize, Rect } from '../../../shared/contract';
import { API_SIZES, bestApiSize, regionFrame } from '../../../shared/region-scale';
import { assertMaskFits, maskBounds } from './mask';
import type { Mask, Photo, PlanOptions, RegionPlan } from './types';
import { invalid } from './util';

export { bestApiSize };

export function apiDims(size: ApiSize): { width: number; height: number } {
  const s = API_SIZES[size];
  return { width: s.w, height: s.h };
}

/** Places a span of length `len` centred on [a0, a1) inside [0, total); when len > total, the whole axis + padding. */
function place(
  a0: number,
  a1: number,
  len: number,
  total: number,
): { start: number; size: number; padBefore: number; padAfter: number } {
  if (len <= total) {
    const centre = (a0 + a1) / 2;
    const start = Math.min(Math.max(0, Math.round(centre - len / 2)), total - len);
    return { start, size: len, padBefore: 0, padAfter: 0 };
  }
  const pad = len - total;
  // Keep the mask near the frame's centre: pad the side the mask is closer to first, proportionally.
  const centre = (a0 + a1) / 2;
  const before = Math.round(Math.min(pad, Math.max(0, len / 2 - centre)));
  return { start: 0, size: total, padBefore: before, padAfter: pad - before };
}

export function planRegion(
  mask: Mask,
  photo: { width: number; height: number },
  opts: PlanOptions = {},
): RegionPlan {
  assertMaskFits(mask, photo);
  const b = maskBounds(mask);
  if (!b) throw invalid('Paint over the area to change first.');
  // The region, API size and frame: the rule shared with the renderer (shared/region-scale.ts).
  const { x0, y0, x1, y1, apiSize: size, frameWidth: fw, frameHeight: fh } = regionFrame(b, photo, opts);
  const s = API_SIZES[size];
  const px = place(x0, x1, fw, photo.width);
  const py = place(y0, y1, fh, photo.height);
  const crop: Rect = { x: px.start, y: py.start, width: px.size, height: py.size };
  return {
    crop,
    pad: { left: px.padBefore, right: px.padAfter, top: py.padBefore, bottom: py.padAfter },
    apiSize: size,
    scale: s.w / fw,
  };
}

/** The frame (crop + padding) size in photo pixels. */
export function frameSize(plan: RegionPlan): { width: number; height: number } {
  return {
    width: plan.crop.width + plan.pad.left + plan.pad.right,
    height: plan.crop.height + plan.pad.top + plan.pad.bottom,
  };
}

/** round(n / d) for non-negative integers, halves up, without floating-point drift. */
function roundDiv(n: number, d: number): number {
  return Math.floor((2 * n + d) / (2 * d));
}

/** One axis of cropInApi: [start, start + size) in API pixels. */
function placeInApi(padBefore: number, size: number, frame: number, api: number) {
  if (size >= frame) return { start: 0, size: api };
  let a = roundDiv(padBefore * api, frame);
  let b = roundDiv((padBefore + size) * api, frame);
  // A photo side thinner than one API pixel (an extreme panorama) still gets a row of its own.
  if (b - a < 1) {
    if (a + 1 <= api) b = a + 1;
    else a = b - 1;
  }
  return { start: a, size: b - a };
}

/**
 * Where the crop lands in the API image: the frame scaled by `plan.scale`, its edges rounded to whole API
 * pixels. Without padding it is the whole API image. The image sent and the result taken back both use this
 * rectangle, so the two directions are exact inverses; rounding moves an edge by at most half an API pixel.
 */
export function cropInApi(plan: RegionPlan): Rect {
  const api = apiDims(plan.apiSize);
  const f = frameSize(plan);
  const x = placeInApi(plan.pad.left, plan.crop.width, f.width, api.width);
  const y = placeInApi(plan.pad.top, plan.crop.height, f.height, api.height);
  return { x: x.start, y: y.start, width: x.size, height: y.size };
}

/**
 * The pixels of one rectangle of a photo (or of its current image): `photo` holds `rect` only, at the
 * photo's depth, channels and profile; `width` and `height` are the whole photo's. Building the API inputs
 * and preparing the composite read only the crop, so an edit can be made from a region decoded on its own
 * instead of the whole frame. A whole Photo is the region covering everything (`wholeRegion`).
 */
export interface PhotoRegion {
  rect: Rect;
  photo: Photo;
  width: number;
  height: number;
}

export function isPhotoRegion(p: Photo | PhotoRegion): p is PhotoRegion {
  return 'photo' in p && 'rect' in p;
}

/** A whole photo as the region covering all of it (no copy). */
export function wholeRegion(p: Photo): PhotoRegion {
  return {
    rect: { x: 0, y: 0, width: p.width, height: p.height },
    photo: p,
    width: p.width,
    height: p.height,
  };
}

/**
 * Where `r` (in photo coordinates) lies in the region's own pixels; throws when the region does not hold
 * all of it (a programming error: the region is always taken for the crop it serves).
 */
export function inRegion(region: PhotoRegion, r: Rect): Rect {
  const { rect } = region;
  const x = r.x - rect.x;
  const y = r.y - rect.y;
  if (x < 0 || y < 0 || x + r.width > rect.width || y + r.height > rect.height) {
    throw new Error(
      `region ${rect.width}x${rect.height}+${rect.x}+${rect.y} does not hold ${r.width}x${r.height}+${r.x}+${r.y}`,
    );
  }
  return { x, y, width: r.width, height: r.height };
}

/** Whether two rectangles are the same, field by field. */
export function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/**
 * Throws unless `r` is a rectangle of at least one pixel inside a width x height photo: a region is taken
 * only for an edit's crop, which the plan keeps inside the photo, so anything else is a programming error
 * (cutting it would copy short rows or other rows' pixels). One check, one message, for every way a region
 * is made (loadPhotoRegion, ProjectSession.currentRegion).
 */
export function checkRegionRect(r: Rect, width: number, height: number): void {
  if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0 || r.x + r.width > width || r.y + r.height > height)
    throw new Error(
      `The region ${r.width}x${r.height} at ${r.x},${r.y} lies outside the ${width}x${height} photo; ask for a rectangle inside it.`,
    );
}

/** The part `r` of a whole photo as a region of its own (a copy of those rows). */
export function cutRegion(p: Photo, r: Rect): PhotoRegion {
  const n = r.width * r.height * p.channels;
  const pixels = p.depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const row = r.width * p.channels;
  for (let y = 0; y < r.height; y++) {
    const s = ((r.y + y) * p.width + r.x) * p.channels;
    pixels.set(p.pixels.subarray(s, s + row), y * row);
  }
  return {
    rect: { ...r },
    photo: { ...p, width: r.width, height: r.height, pixels },
    width: p.width,
    height: p.height,
  };
}
