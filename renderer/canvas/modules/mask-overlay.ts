/**
 * The mask overlay: a Konva layer whose canvas is written directly, dirty rectangle by dirty rectangle, with
 * putImageData from the screen-space overlay (overlay.ts); Konva never clears or redraws it. A frame costs in
 * proportion to what changed on screen; a new view, size, engine or colour recomputes the whole viewport.
 * Hidden while the original is held; switched off, it shows no tint (the canvas stays, for the outline).
 * While the feather preview is on it shows the blend weight the edit will use (select/feather.ts) instead of
 * the mask, recomputed after each change. The brush outline (brush-cursor.ts) is drawn in the same canvas
 * after the frame's changes: the overlay's pixels under the previous outline are put back first, and the
 * outline is drawn again wherever the pixels under it were rewritten. The ImageData holds the overlay alone.
 */
import Konva from 'konva';
import type { MaskTiles } from '../mask/tiles';
import type { CanvasContext, CanvasModule, FrameInfo } from '../module';
import { overlayLut, renderOverlayRect } from '../overlay';
import { brushRing, drawRing, ringArea, sameRing, type BrushRing } from './brush-cursor';
import { featherWeight, tilesOf } from '../select/feather';
import { intersectRect, type Rect, type View } from '../view';

export class MaskOverlayModule implements CanvasModule {
  readonly name = 'mask-overlay';
  readonly layer = new Konva.Layer({ listening: false, clearBeforeDraw: false });
  private visible = true;
  private lut = overlayLut('#ff3040', 0.5);
  private data: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  /** The whole viewport needs recomputing at the next frame. */
  private full = true;
  /** Shown instead of the mask while set (the feather preview). */
  private preview: MaskTiles | null = null;
  /** The feather radius while the overlay previews the blend weight, else null. */
  private featherRadius: number | null = null;
  /** The brush outline drawn in the canvas now, or null. */
  private ring: BrushRing | null = null;
  /** No tint at all, while the overlay is switched off. */
  private static readonly blank = new Uint32Array(256);

  constructor(private readonly ctx: CanvasContext) {}

  /** The layer's canvas (its pixel size gives the device pixel ratio). */
  get canvas(): HTMLCanvasElement {
    return this.layer.getNativeCanvasElement();
  }

  setOverlay(visible: boolean, color: string, opacity: number): void {
    const lut = overlayLut(color, opacity);
    const changed = lut.some((v, i) => v !== this.lut[i]) || visible !== this.visible;
    this.visible = visible;
    if (changed) {
      this.lut = lut;
      this.full = true;
      this.ctx.requestFrame();
    }
  }

  applyVisibility(): void {
    this.canvas.style.visibility = this.ctx.showingOriginal ? 'hidden' : 'visible';
  }

  inputChanged(): void {
    // The pointer or the brush moved: the outline follows at the next frame.
    this.ctx.requestFrame();
  }

  engineChanged(): void {
    this.full = true;
    this.refreshPreview();
  }

  maskChanged(): void {
    if (this.featherRadius !== null) this.refreshPreview();
  }

  /** Shows the overlay as the edit will blend it (feathered by `radius` px), or the painted mask (null). */
  setFeatherPreview(radius: number | null): void {
    if (radius === this.featherRadius) return;
    this.featherRadius = radius;
    this.refreshPreview();
  }

  /** Recomputes the feathered blend weight shown instead of the mask, or shows the mask again. */
  private refreshPreview(): void {
    const e = this.ctx.engine;
    const r = this.featherRadius;
    this.preview =
      r === null || !e ? null : tilesOf(featherWeight(e.toBytes(), e.width, e.height, r), e.width, e.height);
    this.full = true;
    this.ctx.requestFrame();
  }

  draw({ viewChanged }: FrameInfo): void {
    if (viewChanged) this.full = true;
    const dirty = this.ctx.engine?.takeDirty() ?? null;
    const canvas = this.canvas;
    const c2d = canvas.getContext('2d');
    if (!c2d || canvas.width === 0 || canvas.height === 0) return;
    const k = canvas.width / this.ctx.size.width;
    const ring = brushRing(this.ctx, k);
    // The device-pixel rectangles put back from the ImageData this frame.
    let put: Rect[] = [];
    if (this.full || !this.data || this.data.width !== canvas.width || this.data.height !== canvas.height) {
      this.full = false;
      const r = this.render(null);
      if (r) put = [r];
      this.ring = null; // the whole canvas is the overlay again
    } else if (dirty) {
      const r = this.render(dirty);
      if (r) put.push(r);
    }
    const old = this.ring;
    const oldArea = old ? ringArea(old) : [];
    // The outline is drawn again when it moved or changed, or when pixels under it were rewritten.
    const redraw =
      !sameRing(ring, old) || (old !== null && put.some((p) => oldArea.some((a) => intersectRect(a, p))));
    if (redraw) put.push(...oldArea);
    const whole: Rect = { x: 0, y: 0, width: canvas.width, height: canvas.height };
    for (const p of put) {
      const r = intersectRect(whole, p);
      if (r) c2d.putImageData(this.data!, 0, 0, r.x, r.y, r.width, r.height);
    }
    if (redraw) {
      this.ring = ring;
      if (ring) drawRing(c2d, ring);
    }
  }

  destroy(): void {
    this.data = null;
    this.pixels = null;
  }

  /**
   * Computes the overlay for a photo rectangle (or everything when null) into the ImageData; returns the
   * device-pixel rectangle written, or null when it is off the canvas.
   */
  private render(photoRect: Rect | null): Rect | null {
    const canvas = this.canvas;
    if (!this.data || this.data.width !== canvas.width || this.data.height !== canvas.height) {
      this.data = new ImageData(canvas.width, canvas.height);
      this.pixels = new Uint32Array(this.data.data.buffer);
      photoRect = null;
    }
    const whole: Rect = { x: 0, y: 0, width: canvas.width, height: canvas.height };
    const { view, size } = this.ctx;
    const k = canvas.width / size.width;
    const dv: View = { scale: view.scale * k, x: view.x * k, y: view.y * k };
    const rect = photoRect ? intersectRect(whole, screenBox(photoRect, dv)) : whole;
    if (!rect) return null;
    const engine: MaskTiles | null = this.preview ?? this.ctx.engine;
    const lut = this.visible ? this.lut : MaskOverlayModule.blank;
    if (engine) renderOverlayRect(engine, dv, this.pixels!, canvas.width, rect, lut);
    else this.pixels!.fill(0);
    return rect;
  }
}

/** The device-pixel box covering a photo rectangle, one pixel wider on each side. */
function screenBox(r: Rect, v: View): Rect {
  const x0 = Math.floor(r.x * v.scale + v.x) - 1;
  const y0 = Math.floor(r.y * v.scale + v.y) - 1;
  const x1 = Math.ceil((r.x + r.width) * v.scale + v.x) + 1;
  const y1 = Math.ceil((r.y + r.height) * v.scale + v.y) + 1;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
