/**
 * The photo layer and compare. The photo is a Konva.Image of a screen-sized cached copy, cropped to what is
 * visible, swapped for the full-resolution image once the zoom needs more pixels than the copy has (drawn
 * without smoothing from 2 device pixels per photo pixel). The original (compare) is a second image above
 * it, clipped at the split position, or shown alone while held; the split line is a plain div. The layer
 * redraws only when the view changes.
 */
import Konva from 'konva';
import { drawableSize, makePreview, type Drawable, type EditorImage } from '../image-source';
import { styledDiv, type CanvasContext, type CanvasModule, type FrameInfo } from '../module';
import { visiblePhotoRect } from '../view';

interface ImageState {
  spec: EditorImage;
  preview: Drawable | null;
  full: Drawable | null;
  loadingFull: boolean;
}

export class PhotoModule implements CanvasModule {
  readonly name = 'photo';
  readonly layer = new Konva.Layer({ listening: false });
  private readonly photoNode = new Konva.Image({ image: undefined, listening: false, visible: false });
  private readonly originalNode = new Konva.Image({ image: undefined, listening: false });
  private readonly originalGroup = new Konva.Group({ listening: false, visible: false });
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
    this.originalGroup.add(this.originalNode);
    this.layer.add(this.photoNode, this.originalGroup);
  }

  /** The photo being shown, or null. */
  get spec(): EditorImage | null {
    return this.image?.spec ?? null;
  }

  attach(): void {
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
    this.layer.imageSmoothingEnabled(this.ctx.view.scale * this.ctx.dpr() < 2);
    this.place(this.photoNode, showOrig ? null : this.image);
    const splitting = !showOrig && this.split !== null && !!this.original && !!this.image;
    if ((showOrig || splitting) && this.original && this.place(this.originalNode, this.original)) {
      this.originalGroup.visible(true);
      const w = showOrig ? size.width : this.split! * size.width;
      this.originalGroup.clip({ x: 0, y: 0, width: w, height: size.height });
    } else {
      this.originalGroup.visible(false);
    }
    if (splitting) {
      this.splitLine.style.display = 'block';
      this.splitLine.style.left = `${this.split! * size.width}px`;
    } else {
      this.splitLine.style.display = 'none';
    }
    this.layer.draw();
  }

  destroy(): void {
    this.destroyed = true;
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

  /** Shows the visible part of an image in a node; false (node hidden) when there is nothing to show. */
  private place(node: Konva.Image, st: ImageState | null): boolean {
    if (!st) {
      node.visible(false);
      return false;
    }
    const { view, size } = this.ctx;
    const vis = visiblePhotoRect(view, size, st.spec);
    const src = this.sourceFor(st);
    if (!src || vis.width <= 0 || vis.height <= 0) {
      node.visible(false);
      return false;
    }
    const s = drawableSize(src);
    const kx = s.width / st.spec.width;
    const ky = s.height / st.spec.height;
    node.image(src as CanvasImageSource);
    node.crop({ x: vis.x * kx, y: vis.y * ky, width: vis.width * kx, height: vis.height * ky });
    node.position({ x: vis.x * view.scale + view.x, y: vis.y * view.scale + view.y });
    node.size({ width: vis.width * view.scale, height: vis.height * view.scale });
    node.visible(true);
    return true;
  }
}
