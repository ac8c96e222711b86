/**
 * Magic wand and select colour range: a click samples the photo as shown (the current image at full
 * resolution, read once per image and cached, select/photo-pixels.ts) and selects the colours within the
 * tolerance of the clicked one, either the connected region (contiguous) or everywhere in the photo
 * (colour range), in the mode of the modifiers held, as one undo step. The photo is read ahead as soon
 * as the wand is chosen, so the first click does not wait for it.
 */
import type { CanvasContext, CanvasModule, Point } from '../module';
import { applySelection, modeFor } from '../select/combine';
import { wandSelect } from '../select/flood';
import { photoPixels } from '../select/photo-pixels';
import { recordSelection } from '../select/timing';
import { screenToPhoto } from '../view';
import { mayStartSelection } from './marquee';

export class WandModule implements CanvasModule {
  readonly name = 'wand';
  /** Clicks being sampled (the photo may still be read). */
  private pending = 0;
  private destroyed = false;

  constructor(private readonly ctx: CanvasContext) {}

  busy(): boolean {
    return this.pending > 0;
  }

  inputChanged(): void {
    const img = this.ctx.photoImage;
    if (img && this.ctx.brush.tool === 'wand') void photoPixels(img).catch(() => undefined);
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    const img = ctx.photoImage;
    const engine = ctx.engine;
    if (!img || !engine || !mayStartSelection(ctx, e, ['wand'])) return false;
    const q = screenToPhoto(ctx.view, p.x, p.y);
    if (q.x < 0 || q.y < 0 || q.x >= engine.width || q.y >= engine.height) return true;
    const mode = modeFor(e, ctx.selection.mode);
    const opts = { tolerance: ctx.selection.tolerance, contiguous: ctx.selection.contiguous };
    const t0 = performance.now();
    this.pending++;
    photoPixels(img)
      .then((pixels) => {
        // The photo or the mask may have changed while the pixels were read: then the click is void.
        if (this.destroyed || ctx.engine !== engine || ctx.photoImage !== img) return;
        const sel = wandSelect(pixels, q.x, q.y, opts);
        applySelection(engine, engine, sel, mode);
        recordSelection(opts.contiguous ? 'wand' : 'colour-range', performance.now() - t0);
        ctx.requestFrame();
      })
      .catch((e: unknown) => {
        if (!this.destroyed) ctx.reportError(e);
      })
      .finally(() => this.pending--);
    return true;
  }

  destroy(): void {
    this.destroyed = true;
  }
}
