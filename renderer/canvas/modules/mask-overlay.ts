/**
 * The mask overlay: a Konva layer whose canvas is written directly, dirty rectangle by dirty rectangle, with
 * putImageData from the screen-space overlay (overlay.ts); Konva never clears or redraws it. A frame costs in
 * proportion to what changed on screen; a new view, size, engine or colour recomputes the whole viewport.
 * Hidden while the overlay is switched off or the original is held. While the feather preview is on it shows
 * the blend weight the edit will use (select/feather.ts) instead of the mask, recomputed after each change.
 */
import Konva from 'konva';
import type { MaskTiles } from '../mask/tiles';
import type { CanvasContext, CanvasModule, FrameInfo } from '../module';
import { overlayLut, renderOverlayRect } from '../overlay';
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

  constructor(private readonly ctx: CanvasContext) {}

  /** The layer's canvas (its pixel size gives the device pixel ratio). */
  get canvas(): HTMLCanvasElement {
    return this.layer.getNativeCanvasElement();
  }

  setOverlay(visible: boolean, color: string, opacity: number): void {
    const lut = overlayLut(color, opacity);
    const changed = lut.some((v, i) => v !== this.lut[i]);
    this.visible = visible;
    this.applyVisibility();
    if (changed) {
      this.lut = lut;
      this.full = true;
      this.ctx.requestFrame();
    }
  }

  applyVisibility(): void {
    this.canvas.style.visibility = this.visible && !this.ctx.showingOriginal ? 'visible' : 'hidden';
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
    if (this.full) {
      this.full = false;
      this.render(null);
    } else if (dirty) {
      this.render(dirty);
    }
  }

  destroy(): void {
    this.data = null;
    this.pixels = null;
  }

  /** Writes the overlay for a photo rectangle (or everything when null) straight into the layer's canvas. */
  private render(photoRect: Rect | null): void {
    const canvas = this.canvas;
    const c2d = canvas.getContext('2d');
    if (!c2d || canvas.width === 0 || canvas.height === 0) return;
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
    if (!rect) return;
    const engine: MaskTiles | null = this.preview ?? this.ctx.engine;
    if (engine) renderOverlayRect(engine, dv, this.pixels!, canvas.width, rect, this.lut);
    else this.pixels!.fill(0);
    c2d.putImageData(this.data, 0, 0, rect.x, rect.y, rect.width, rect.height);
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
