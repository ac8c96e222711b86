/**
 * The photo layer and compare. The photo is the visible part of a screen-sized cached copy, swapped for the
 * full-resolution image once the zoom needs more pixels than the copy has (drawn without smoothing from 2
 * device pixels per photo pixel). The original (compare) is drawn above it, clipped at the split position,
 * or alone while held; the split line is a plain div. It is redrawn only when the view changes.
 *
 * The layer is its own canvas under the Konva stage, shown through an `ImageBitmapRenderingContext`: each
 * redraw is drawn into an OffscreenCanvas and handed over as one ImageBitmap. Chromium copies every 2D
 * canvas of the page into the compositor's memory at each frame it commits, changed or not (in software
 * compositing a full-window copy, about 0.4 ms); a bitmap canvas is copied only when it gets a new bitmap,
 * so painting frames, which never change the photo, no longer pay for it. The drawing is Konva's for an
 * image node in a layer, call for call (the scale by the pixel ratio, the node's translation, the cropped
 * drawImage; the compare clip as a rectangle path), so the pixels are those a Konva layer would show.
 */
import Konva from 'konva';
import { drawableSize, makePreview, type Drawable, type EditorImage } from '../image-source';
import { styledDiv, type CanvasContext, type CanvasModule, type FrameInfo } from '../module';
import { visiblePhotoRect, type Rect } from '../view';

interface ImageState {
  spec: EditorImage;
  preview: Drawable | null;
  full: Drawable | null;
  loadingFull: boolean;
}

/** What to draw of one image: the source, its crop (source pixels) and where (stage CSS pixels). */
interface Placed {
  src: Drawable;
  crop: Rect;
  dest: Rect;
}

export class PhotoModule implements CanvasModule {
  readonly name = 'photo';
  /** The canvas shown under the stage. */
  readonly canvas = document.createElement('canvas');
  /** Shows each redraw's bitmap, or null where the browser has no bitmap canvases (drawn in 2D then). */
  private readonly bitmap: ImageBitmapRenderingContext | null;
  private offscreen: OffscreenCanvas | null = null;
  private readonly splitLine = styledDiv({
    position: 'absolute',
    top: '0',
    bottom: '0',
    width: '2px',
    marginLeft: '-1px',
    background: 'rgba(255,255,255,0.9)',
    boxShadow: '0 0 0 1px rgba(0,0,0,0.45)',
    pointerEvents: 'none',
    display: 'none',
  });
  private image: ImageState | null = null;
  private original: ImageState | null = null;
  private split: number | null = null;
  private destroyed = false;
  /** The original is shown in place of the photo (hold-to-compare). */
  showOriginal = false;

  constructor(private readonly ctx: CanvasContext) {
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    this.bitmap = typeof OffscreenCanvas === 'function' ? this.canvas.getContext('bitmaprenderer') : null;
  }

  /** The photo being shown, or null. */
  get spec(): EditorImage | null {
    return this.image?.spec ?? null;
  }

  attach(): void {
    // Below the Konva stage (the container's first child) and everything else.
    this.ctx.container.prepend(this.canvas);
    this.ctx.container.append(this.splitLine);
  }

  /** Shows a photo; false when it is the one already shown (the same spec, or the same full image without a new preview). */
  setImage(spec: EditorImage | null): boolean {
    if (!spec) {
      this.image = null;
      return true;
    }
    const cur = this.image?.spec;
    if (cur === spec || (cur?.full && cur.full === spec.full && !spec.preview)) return false;
    this.image = this.load(spec);
    return true;
  }

  /** The original for compare; false when it is the one already set. */
  setOriginal(spec: EditorImage | null): boolean {
    if (!spec) {
      this.original = null;
      return true;
    }
    const cur = this.original?.spec;
    if (cur === spec || (cur?.full && cur.full === spec.full)) return false;
    this.original = this.load(spec);
    return true;
  }

  /** Hold-to-compare and the split position (0..1, null = off); false when nothing changed. */
  setCompare(showOriginal: boolean, split: number | null): boolean {
    const s =
      split === null || split === undefined || !Number.isFinite(split)
        ? null
        : Math.min(1, Math.max(0, split));
    if (showOriginal === this.showOriginal && s === this.split) return false;
    this.showOriginal = showOriginal;
    this.split = s;
    return true;
  }

  draw({ viewChanged }: FrameInfo): void {
    if (!viewChanged) return;
    const { size } = this.ctx;
    const showOrig = this.showOriginal && !!this.original;
    const photo = showOrig ? null : this.place(this.image);
    const splitting = !showOrig && this.split !== null && !!this.original && !!this.image;
    const original = showOrig || splitting ? this.place(this.original) : null;
    const clipWidth = showOrig ? size.width : (this.split ?? 0) * size.width;
    if (splitting) {
      this.splitLine.style.display = 'block';
      this.splitLine.style.left = `${this.split! * size.width}px`;
    } else {
      this.splitLine.style.display = 'none';
    }
    this.paint(photo, original && { ...original, clipWidth });
  }

  destroy(): void {
    this.destroyed = true;
    this.canvas.remove();
    this.offscreen = null;
    this.splitLine.remove();
  }

  private load(spec: EditorImage): ImageState {
    const st: ImageState = {
      spec,
      preview: spec.preview ?? null,
      full: spec.full ?? null,
      loadingFull: false,
    };
    if (!st.preview && st.full) {
      const full = st.full;
      const dpr = window.devicePixelRatio || 1;
      const longSide = Math.min(4096, Math.max(1024, Math.ceil(Math.max(screen.width, screen.height) * dpr)));
      makePreview(full, spec.width, spec.height, longSide).then(
        (p) => {
          if (this.destroyed || st.preview) return;
          st.preview = p;
          this.ctx.invalidateView();
        },
        () => undefined, // keep drawing from the full image
      );
    }
    return st;
  }

  /** The source sharp enough for the current zoom: the preview, or the full image (loaded on first need). */
  private sourceFor(st: ImageState): Drawable | null {
    const need = this.ctx.view.scale * this.ctx.dpr(); // source pixels per photo pixel for a sharp picture
    const p = st.preview;
    const pScale = p ? drawableSize(p).width / st.spec.width : 0;
    if (p && (need <= pScale * 1.001 || (!st.full && !st.spec.loadFull))) return p;
    if (st.full) return st.full;
    if (st.spec.loadFull && !st.loadingFull) {
      st.loadingFull = true;
      st.spec.loadFull().then(
        (f) => {
          st.full = f;
          if (!this.destroyed) this.ctx.invalidateView();
        },
        () => undefined,
      );
    }
    return p;
  }

  /** The visible part of an image and where it goes, or null when there is nothing to show. */
  private place(st: ImageState | null): Placed | null {
    if (!st) return null;
    const { view, size } = this.ctx;
    const vis = visiblePhotoRect(view, size, st.spec);
    const src = this.sourceFor(st);
    if (!src || vis.width <= 0 || vis.height <= 0) return null;
    const s = drawableSize(src);
    const kx = s.width / st.spec.width;
    const ky = s.height / st.spec.height;
    return {
      src,
      crop: { x: vis.x * kx, y: vis.y * ky, width: vis.width * kx, height: vis.height * ky },
      dest: {
        x: vis.x * view.scale + view.x,
        y: vis.y * view.scale + view.y,
        width: vis.width * view.scale,
        height: vis.height * view.scale,
      },
    };
  }

  /**
   * Redraws the layer: the photo, then the original clipped to [0, clipWidth) — what Konva's draw of a layer
   * holding the two image nodes does, on a canvas of the stage's bitmap size.
   */
  private paint(photo: Placed | null, original: (Placed & { clipWidth: number }) | null): void {
    const { size } = this.ctx;
    // Konva's layer canvases: the stage size times the pixel ratio, rounded down.
    const ratio = Konva.pixelRatio || window.devicePixelRatio || 1;
    const w = Math.floor(size.width * ratio);
    const h = Math.floor(size.height * ratio);
    const c = this.canvas;
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    c.style.width = `${size.width}px`;
    c.style.height = `${size.height}px`;
    let target: OffscreenCanvas | HTMLCanvasElement = c;
    if (this.bitmap) {
      // A transferred OffscreenCanvas starts again with a new blank bitmap of its size.
      if (!this.offscreen || this.offscreen.width !== w || this.offscreen.height !== h)
        this.offscreen = new OffscreenCanvas(w, h);
      target = this.offscreen;
    }
    const g = target.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    if (!g) return;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, w, h);
    if (w > 0 && h > 0) {
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.imageSmoothingEnabled = this.ctx.view.scale * this.ctx.dpr() < 2;
      if (photo) drawPlaced(g, photo);
      if (original) {
        g.save();
        g.beginPath();
        g.rect(0, 0, original.clipWidth, size.height);
        g.clip();
        drawPlaced(g, original);
        g.restore();
      }
    }
    if (this.bitmap && this.offscreen)
      this.bitmap.transferFromImageBitmap(this.offscreen.transferToImageBitmap());
  }
}

/** One image as Konva draws an image node: translated to its position, the crop drawn at its size. */
function drawPlaced(
  g: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D,
  { src, crop, dest }: Placed,
): void {
  g.save();
  g.transform(1, 0, 0, 1, dest.x, dest.y);
  g.drawImage(
    src as CanvasImageSource,
    crop.x,
    crop.y,
    crop.width,
    crop.height,
    0,
    0,
    dest.width,
    dest.height,
  );
  g.restore();
}
