/**
 * Object select: drag a loose box around a subject; on release the object inside it is found by an
 * edge-aware segmentation (segment/segment.ts) in a Web Worker and written into the mask, in the mode of
 * the modifiers held when the drag began (select/combine.ts), as one undo step. While it works the stage
 * shows a busy cursor and a note; Esc cancels (the worker is terminated and nothing is written). A new
 * photo, another tool's gesture or a second drag also drops the work in progress.
 */
import type { CanvasContext, CanvasModule, Point } from '../module';
import { BoxDragModule, type BoxDrag } from '../select/box-drag';
import { styledDiv } from '../module';
import type { MaskEngine } from '../mask/engine';
import { applySelection, modeFor, type SelectMode } from '../select/combine';
import { photoPixels } from '../select/photo-pixels';
import { clipToPhoto, dragBox } from '../select/raster';
import { recordSelection } from '../select/timing';
import { SegmentClient } from '../segment/client';
import { cropAround, type Box } from '../segment/segment';
import type { RgbaImage } from '../select/flood';
import { screenToPhoto } from '../view';
import { mayStartSelection } from './marquee';
import { SelectionOutline } from './selection-outline';
import { capture } from './view-input';

interface Drag extends BoxDrag {
  mode: SelectMode;
}

/** The crop of `img` over `r`, RGBA, row-major (a copy: it is transferred to the worker). */
export function cropPixels(img: RgbaImage, r: Box): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const o = ((r.y + y) * img.width + r.x) * 4;
    out.set(img.data.subarray(o, o + r.width * 4), y * r.width * 4);
  }
  return out;
}

export class ObjectSelectModule extends BoxDragModule<Drag> implements CanvasModule {
  readonly name = 'object-select';
  protected readonly outline = new SelectionOutline('object-outline');
  private readonly client = new SegmentClient();
  private readonly note: HTMLDivElement;
  /** The work in progress (reading the photo, then the worker): its number, so a stale answer is dropped. */
  private job = 0;
  private working = false;

  constructor(ctx: CanvasContext) {
    super(ctx);
    this.note = styledDiv({
      position: 'absolute',
      inset: '0',
      display: 'none',
      cursor: 'progress',
      zIndex: '5',
    });
    this.note.setAttribute('data-testid', 'object-select-busy');
    const label = styledDiv({
      position: 'absolute',
      left: '50%',
      top: '12px',
      transform: 'translateX(-50%)',
      padding: '4px 10px',
      borderRadius: '4px',
      background: 'rgba(0,0,0,0.7)',
      color: '#fff',
      font: '12px system-ui, sans-serif',
      pointerEvents: 'none',
    });
    label.textContent = 'Selecting the object… (Esc to cancel)';
    this.note.append(label);
  }

  attach(): void {
    this.ctx.container.append(this.outline.element, this.note);
    // Capture phase: while object select works, Esc is its cancel and reaches nothing else.
    this.ctx.listen(window, 'keydown', (e) => this.onKey(e), { capture: true });
  }

  busy(): boolean {
    return this.drag !== null || this.working;
  }

  pointerDown(e: PointerEvent, p: Point): boolean {
    const { ctx } = this;
    if (this.drag || !mayStartSelection(ctx, e, ['object'])) return false;
    if (this.working) return true; // one object at a time: Esc first
    capture(ctx.container, e.pointerId);
    const a = screenToPhoto(ctx.view, p.x, p.y);
    this.drag = { pointerId: e.pointerId, a, b: a, mode: modeFor(e, ctx.selection.mode) };
    this.show();
    return true;
  }

  pointerUp(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.pointerId !== e.pointerId) return;
    this.drag = null;
    const engine = this.ctx.engine;
    const img = this.ctx.photoImage;
    const box = engine ? clipToPhoto(dragBox(d.a, d.b, false), engine) : null;
    if (!engine || !img || !box || box.width < 4 || box.height < 4) {
      this.outline.set(null, this.ctx.view);
      return;
    }
    void this.select(engine, box, d.mode);
  }

  inputChanged(): void {
    if (this.drag && this.ctx.brush.tool !== 'object') this.dropDrag();
    // Read the photo's pixels ahead as soon as the tool is chosen (once per image, shared with the wand), so
    // the first box does not wait for a 24 MP read.
    const img = this.ctx.photoImage;
    if (img && this.ctx.brush.tool === 'object') void photoPixels(img).catch(() => undefined);
  }

  engineChanged(): void {
    this.dropDrag();
    this.cancel();
  }

  /** Drops the object selection in progress (Esc): nothing is written. */
  cancel(): void {
    if (!this.working) return;
    this.job++;
    this.client.cancel();
    this.finish();
  }

  destroy(): void {
    this.job++;
    this.client.destroy();
    this.outline.element.remove();
    this.note.remove();
  }

  private async select(engine: MaskEngine, box: Box, mode: SelectMode): Promise<void> {
    const { ctx } = this;
    const img = ctx.photoImage;
    if (!img) return;
    const job = ++this.job;
    const t0 = performance.now();
    this.working = true;
    this.note.style.display = 'block';
    try {
      const pixels = await photoPixels(img);
      if (job !== this.job) return;
      const crop = cropAround(box, engine);
      const data = cropPixels(pixels, crop);
      const mask = await this.client.run({
        width: crop.width,
        height: crop.height,
        data,
        box: { x: box.x - crop.x, y: box.y - crop.y, width: box.width, height: box.height },
      });
      // Cancelled, or the photo or its mask changed meanwhile: the answer is void.
      if (!mask || job !== this.job || ctx.engine !== engine || ctx.photoImage !== img) return;
      applySelection(engine, engine, { rect: crop, data: mask }, mode);
      recordSelection('object', performance.now() - t0);
      ctx.requestFrame();
    } catch {
      // A photo that cannot be read or a worker that failed: the mask stays as it was.
    } finally {
      if (job === this.job) this.finish();
    }
  }

  private finish(): void {
    this.working = false;
    this.note.style.display = 'none';
    this.outline.set(null, this.ctx.view);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    if (this.working) {
      this.cancel();
      e.preventDefault();
      e.stopImmediatePropagation();
    } else if (this.drag) {
      this.dropDrag();
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }

  protected show(): void {
    const d = this.drag;
    if (d) this.outline.set({ kind: 'rect', ...dragBox(d.a, d.b, false) }, this.ctx.view);
  }

  protected dropDrag(): void {
    this.drag = null;
    if (!this.working) this.outline.set(null, this.ctx.view);
  }
}
