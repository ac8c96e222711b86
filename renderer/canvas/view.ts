/**
 * The view transform, pure math: screen = photo · scale + (x, y), in CSS pixels of the stage.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const MIN_SCALE = 0.01;
const MAX_SCALE = 32;

const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

/** The whole photo centred in the viewport with a small margin. */
export function fitView(photo: Size, viewport: Size, margin = 16): View {
  const aw = Math.max(1, viewport.width - 2 * margin);
  const ah = Math.max(1, viewport.height - 2 * margin);
  const scale = clampScale(Math.min(aw / photo.width, ah / photo.height));
  return centred(photo, viewport, scale);
}

/** Scale 1 (one photo pixel per CSS pixel), keeping the photo point under the viewport centre where it was. */
export function actualSizeView(current: View, viewport: Size): View {
  return zoomAt(current, viewport.width / 2, viewport.height / 2, 1);
}

function centred(photo: Size, viewport: Size, scale: number): View {
  return {
    scale,
    x: (viewport.width - photo.width * scale) / 2,
    y: (viewport.height - photo.height * scale) / 2,
  };
}

/** A new scale, keeping the photo point under (sx, sy) fixed on screen. */
export function zoomAt(v: View, sx: number, sy: number, newScale: number): View {
  const scale = clampScale(newScale);
  const px = (sx - v.x) / v.scale;
  const py = (sy - v.y) / v.scale;
  return { scale, x: sx - px * scale, y: sy - py * scale };
}

/** Wheel delta (pixels) to a zoom factor; pinch gestures (ctrl+wheel) zoom faster per pixel. */
export function wheelZoomFactor(deltaY: number, pinch: boolean): number {
  const k = pinch ? 0.01 : 0.0015;
  return Math.exp(-Math.max(-300, Math.min(300, deltaY)) * k);
}

export function screenToPhoto(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
}

/**
 * The view once the viewport has changed size from `from` to `to`: a photo shown fitted stays fitted (the
 * window resized, the compare bar docked under the photo), any other view keeps the photo point at the
 * viewport's centre where it was, at the same scale.
 */
export function resizedView(v: View, photo: Size | null, from: Size, to: Size): View {
  if (photo) {
    const fitted = fitView(photo, from);
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    if (near(v.scale, fitted.scale) && near(v.x, fitted.x) && near(v.y, fitted.y)) return fitView(photo, to);
  }
  const c = screenToPhoto(v, from.width / 2, from.height / 2);
  return { scale: v.scale, x: to.width / 2 - c.x * v.scale, y: to.height / 2 - c.y * v.scale };
}

/** Photo pixels visible in the viewport, clipped to the photo (may be empty). */
export function visiblePhotoRect(v: View, viewport: Size, photo: Size): Rect {
  const x0 = Math.max(0, Math.floor(-v.x / v.scale));
  const y0 = Math.max(0, Math.floor(-v.y / v.scale));
  const x1 = Math.min(photo.width, Math.ceil((viewport.width - v.x) / v.scale));
  const y1 = Math.min(photo.height, Math.ceil((viewport.height - v.y) / v.scale));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Integer rectangle covering both (null-safe union). */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

export function intersectRect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x && y1 > y ? { x, y, width: x1 - x, height: y1 - y } : null;
}
