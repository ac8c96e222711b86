/**
 * The canvas manager (DOM + Konva, no React): owns the Konva stage and the modules that draw into it, the
 * mask engine, the view transform and pointer/wheel/keyboard input.
 *
 * Layers, bottom to top:
 * - photo: Konva.Image of the screen-sized cached copy, cropped to what is visible; swapped for the
 *   full-resolution image once the zoom passes the copy's resolution. Redrawn only when the view changes.
 *   The "original" (compare) is a second image above it, clipped at the split position.
 * - mask: a Konva layer whose canvas is written directly, dirty rectangle by dirty rectangle, with
 *   putImageData from the screen-space overlay (overlay.ts); Konva never clears or redraws it.
 * - brush outline and split line: plain absolutely-positioned divs (moving them costs no canvas work).
 *
 * Nothing here touches React state while painting: a stroke lives in the engine's buffer and is committed
 * once on release, which is when onMaskChange fires.
 */
import Konva from 'konva';
import { MaskEngine } from './mask-engine';
import { overlayLut, renderOverlayRect, type PixelRect } from './overlay';
import {
  makePreview,
  normaliseImage,
  type Drawable,
  type EditorImage,
  type EditorImageInput,
} from './image-source';
import {
  actualSizeView,
  fitView,
  intersectRect,
  screenToPhoto,
  visiblePhotoRect,
  wheelZoomFactor,
  zoomAt,
  type Rect,
  type Size,
  type View,
} from './view';

export type Tool = 'brush' | 'eraser';

export interface MaskInfo {
  empty: boolean;
  canUndo: boolean;
  canRedo: boolean;
}

export interface ManagerOptions {
  onMaskChange?: (info: MaskInfo) => void;
  onViewChange?: (view: View) => void;
}

interface ImageState {
  spec: EditorImage;
  preview: Drawable | null;
  full: Drawable | null;
  loadingFull: boolean;
}

export class CanvasManager {
  readonly container: HTMLDivElement;
  engine: MaskEngine | null = null;
  view: View = { scale: 1, x: 0, y: 0 };
  size: Size = { width: 0, height: 0 };
  /** Frames drawn (for tests and benchmarks). */
  frames = 0;
  private timings = { frame: [] as number[], input: [] as number[], inputAcc: 0 };

  private readonly opts: ManagerOptions;
  private readonly stageHost: HTMLDivElement;
  private readonly stage: Konva.Stage;
  private readonly photoLayer: Konva.Layer;
  private readonly photoNode: Konva.Image;
  private readonly originalGroup: Konva.Group;
  private readonly originalNode: Konva.Image;
  private readonly maskLayer: Konva.Layer;
  private readonly outline: HTMLDivElement;
  private readonly outlineCore: HTMLDivElement;
  private readonly splitLine: HTMLDivElement;
  private readonly resizeObserver: ResizeObserver;
  private readonly unsubs: (() => void)[] = [];

  private image: ImageState | null = null;
  private original: ImageState | null = null;
  private showOriginal = false;
  private split: number | null = null;
  private tool: Tool = 'brush';
  private brushSize = 80;
  private hardness = 70;
  private overlayVisible = true;
  private lut = overlayLut('#ff3040', 0.5);
  private overlayData: ImageData | null = null;
  private overlayPixels: Uint32Array | null = null;

  private frameId = 0;
  private viewDirty = true;
  private overlayFull = true;
  private fitPending = true;
  private destroyed = false;

  private pointer: { x: number; y: number; inside: boolean } = { x: 0, y: 0, inside: false };
  private strokePointer: number | null = null;
  private pan: { id: number; x: number; y: number } | null = null;
  private spaceHeld = false;
  private touches = new Map<number, { x: number; y: number }>();
  private pinch: { d0: number; m0: { x: number; y: number }; v0: View } | null = null;
  private maskUnsub: (() => void) | null = null;

  constructor(container: HTMLDivElement, opts: ManagerOptions = {}) {
    this.container = container;
    this.opts = opts;
    Object.assign(container.style, { overflow: 'hidden', touchAction: 'none', userSelect: 'none' });
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    this.stageHost = el('div', { position: 'absolute', inset: '0' });
    container.appendChild(this.stageHost);
    this.size = { width: Math.max(1, container.clientWidth), height: Math.max(1, container.clientHeight) };
    this.stage = new Konva.Stage({
      container: this.stageHost,
      width: this.size.width,
      height: this.size.height,
      listening: false,
    });
    this.photoLayer = new Konva.Layer({ listening: false });
    this.photoNode = new Konva.Image({ image: undefined, listening: false, visible: false });
    this.originalNode = new Konva.Image({ image: undefined, listening: false });
    this.originalGroup = new Konva.Group({ listening: false, visible: false });
    this.originalGroup.add(this.originalNode);
    this.photoLayer.add(this.photoNode, this.originalGroup);
    this.maskLayer = new Konva.Layer({ listening: false, clearBeforeDraw: false });
    this.stage.add(this.photoLayer, this.maskLayer);

    this.splitLine = el('div', {
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
    this.outline = el('div', {
      position: 'absolute',
      left: '0',
      top: '0',
      borderRadius: '50%',
      border: '1px solid rgba(255,255,255,0.95)',
      boxShadow: '0 0 0 1px rgba(0,0,0,0.55), inset 0 0 0 1px rgba(0,0,0,0.35)',
      pointerEvents: 'none',
      display: 'none',
      boxSizing: 'border-box',
      willChange: 'transform',
    });
    this.outlineCore = el('div', {
      position: 'absolute',
      borderRadius: '50%',
      border: '1px dashed rgba(255,255,255,0.6)',
      boxSizing: 'border-box',
      pointerEvents: 'none',
    });
    this.outline.appendChild(this.outlineCore);
    container.append(this.splitLine, this.outline);

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.listen(container, 'pointerdown', this.onPointerDown);
    this.listen(container, 'pointermove', this.onPointerMove);
    this.listen(container, 'pointerup', this.onPointerUp);
    this.listen(container, 'pointercancel', this.onPointerCancel);
    this.listen(container, 'pointerleave', this.onPointerLeave);
    this.listen(container, 'wheel', this.onWheel, { passive: false });
    this.listen(container, 'contextmenu', (e) => e.preventDefault());
    this.listen(container, 'auxclick', (e) => e.preventDefault());
    this.listen(window, 'keydown', this.onKey);
    this.listen(window, 'keyup', this.onKey);
    this.listen(window, 'blur', () => this.setSpace(false));
    this.updateCursor();
  }

  destroy(): void {
    this.destroyed = true;
    cancelAnimationFrame(this.frameId);
    clearTimeout(this.compactTimer);
    this.resizeObserver.disconnect();
    for (const u of this.unsubs) u();
    this.maskUnsub?.();
    this.stage.destroy();
    this.stageHost.remove();
    this.outline.remove();
    this.splitLine.remove();
  }

  // ---- inputs from the component -----------------------------------------------------------------------

  setImage(input: EditorImageInput | null): void {
    if (!input) {
      this.image = null;
      this.setEngine(null);
      this.invalidate(true);
      return;
    }
    const spec = normaliseImage(input);
    if (
      this.image?.spec === spec ||
      (this.image && this.image.spec.full && this.image.spec.full === spec.full && !spec.preview)
    )
      return;
    const sameSize = this.engine && this.engine.width === spec.width && this.engine.height === spec.height;
    this.image = this.loadImage(spec);
    if (!sameSize) {
      // A new photo size: a new mask at its resolution, shown fitted.
      this.setEngine(new MaskEngine(spec.width, spec.height));
      this.fitPending = true;
    }
    this.invalidate(true);
  }

  setOriginal(input: EditorImageInput | null): void {
    if (!input) {
      this.original = null;
    } else {
      const spec = normaliseImage(input);
      if (this.original?.spec === spec || (this.original?.spec.full && this.original.spec.full === spec.full))
        return;
      this.original = this.loadImage(spec);
    }
    this.invalidate(true);
  }

  setCompare(showOriginal: boolean, split: number | null): void {
    const s =
      split === null || split === undefined || !Number.isFinite(split)
        ? null
        : Math.min(1, Math.max(0, split));
    if (showOriginal === this.showOriginal && s === this.split) return;
    this.showOriginal = showOriginal;
    this.split = s;
    this.applyMaskVisibility();
    this.invalidate(true);
  }

  setBrush(tool: Tool, size: number, hardness: number): void {
    this.tool = tool;
    this.brushSize = Math.max(1, size);
    this.hardness = Math.min(100, Math.max(0, hardness));
    this.updateOutline();
  }

  setOverlay(visible: boolean, color: string, opacity: number): void {
    const lut = overlayLut(color, opacity);
    const changed = lut.some((v, i) => v !== this.lut[i]);
    this.overlayVisible = visible;
    this.applyMaskVisibility();
    if (changed) {
      this.lut = lut;
      this.overlayFull = true;
      this.requestFrame();
    }
  }

  fit(): void {
    if (!this.image) return;
    this.setView(fitView(this.image.spec, this.size));
  }

  actualSize(): void {
    if (!this.image) return;
    this.setView(actualSizeView(this.view, this.size));
  }

  setView(v: View): void {
    this.view = v;
    this.fitPending = false;
    this.invalidate(true);
  }

  /** Screen (stage CSS pixel) position of a photo point. */
  photoToStage(x: number, y: number): { x: number; y: number } {
    return { x: x * this.view.scale + this.view.x, y: y * this.view.scale + this.view.y };
  }

  maskInfo(): MaskInfo {
    const e = this.engine;
    return { empty: !e || e.isEmpty(), canUndo: !!e?.canUndo, canRedo: !!e?.canRedo };
  }

  // ---- images ------------------------------------------------------------------------------------------

  private loadImage(spec: EditorImage): ImageState {
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
          this.invalidate(true);
        },
        () => undefined, // keep drawing from the full image
      );
    }
    return st;
  }

  private sourceFor(st: ImageState): Drawable | null {
    const dpr = this.dpr();
    const need = this.view.scale * dpr; // source pixels per photo pixel needed for a sharp picture
    const p = st.preview;
    const pScale = p ? srcWidth(p) / st.spec.width : 0;
    if (p && (need <= pScale * 1.001 || (!st.full && !st.spec.loadFull))) return p;
    if (st.full) return st.full;
    if (st.spec.loadFull && !st.loadingFull) {
      st.loadingFull = true;
      st.spec.loadFull().then(
        (f) => {
          st.full = f;
          if (!this.destroyed) this.invalidate(true);
        },
        () => undefined,
      );
    }
    return p;
  }

  private place(node: Konva.Image, st: ImageState | null): boolean {
    if (!st) {
      node.visible(false);
      return false;
    }
    const vis = visiblePhotoRect(this.view, this.size, st.spec);
    const src = this.sourceFor(st);
    if (!src || vis.width <= 0 || vis.height <= 0) {
      node.visible(false);
      return false;
    }
    const kx = srcWidth(src) / st.spec.width;
    const ky = srcHeight(src) / st.spec.height;
    node.image(src as CanvasImageSource);
    node.crop({ x: vis.x * kx, y: vis.y * ky, width: vis.width * kx, height: vis.height * ky });
    const s = this.view.scale;
    node.position({ x: vis.x * s + this.view.x, y: vis.y * s + this.view.y });
    node.size({ width: vis.width * s, height: vis.height * s });
    node.visible(true);
    return true;
  }

  // ---- drawing -----------------------------------------------------------------------------------------

  private invalidate(view: boolean): void {
    if (view) this.viewDirty = true;
    this.requestFrame();
  }

  requestFrame(): void {
    if (this.frameId || this.destroyed) return;
    this.frameId = requestAnimationFrame(this.frame);
  }

  /** Draws whatever is pending now (also used by tests to flush synchronously). */
  readonly frame = (): void => {
    const t0 = performance.now();
    this.drawFrame();
    const tm = this.timings;
    if (tm.frame.length < 10000) {
      tm.frame.push(performance.now() - t0);
      tm.input.push(tm.inputAcc);
    }
    tm.inputAcc = 0;
  };

  /** Per-frame milliseconds of drawing and of input handling since the last call (tests, benchmarks). */
  takeTimings(): { frame: number[]; input: number[] } {
    const { frame, input } = this.timings;
    this.timings = { frame: [], input: [], inputAcc: this.timings.inputAcc };
    return { frame, input };
  }

  private drawFrame(): void {
    this.frameId = 0;
    if (this.destroyed) return;
    this.frames++;
    if (this.fitPending && this.image) {
      this.view = fitView(this.image.spec, this.size);
      this.fitPending = false;
      this.viewDirty = true;
    }
    if (this.viewDirty) {
      this.viewDirty = false;
      this.drawPhoto();
      this.overlayFull = true;
      this.updateOutline();
      this.opts.onViewChange?.(this.view);
    }
    const dirty = this.engine?.takeDirty() ?? null;
    if (this.overlayFull) {
      this.overlayFull = false;
      this.drawOverlay(null);
    } else if (dirty) {
      this.drawOverlay(dirty);
    }
  }

  private drawPhoto(): void {
    const showOrig = this.showOriginal && !!this.original;
    this.photoLayer.imageSmoothingEnabled(this.view.scale * this.dpr() < 2);
    this.place(this.photoNode, showOrig ? null : this.image);
    const splitting = !showOrig && this.split !== null && !!this.original && !!this.image;
    if ((showOrig || splitting) && this.original && this.place(this.originalNode, this.original)) {
      this.originalGroup.visible(true);
      const w = showOrig ? this.size.width : this.split! * this.size.width;
      this.originalGroup.clip({ x: 0, y: 0, width: w, height: this.size.height });
    } else {
      this.originalGroup.visible(false);
    }
    if (splitting) {
      this.splitLine.style.display = 'block';
      this.splitLine.style.left = `${this.split! * this.size.width}px`;
    } else {
      this.splitLine.style.display = 'none';
    }
    this.photoLayer.draw();
  }

  /** Writes the overlay for a photo rectangle (or everything when null) straight into the mask layer's canvas. */
  private drawOverlay(photoRect: Rect | null): void {
    const canvas = this.maskLayer.getNativeCanvasElement();
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return;
    if (
      !this.overlayData ||
      this.overlayData.width !== canvas.width ||
      this.overlayData.height !== canvas.height
    ) {
      this.overlayData = new ImageData(canvas.width, canvas.height);
      this.overlayPixels = new Uint32Array(this.overlayData.data.buffer);
      photoRect = null;
    }
    const full: PixelRect = { x: 0, y: 0, width: canvas.width, height: canvas.height };
    const k = canvas.width / this.size.width;
    const dv: View = { scale: this.view.scale * k, x: this.view.x * k, y: this.view.y * k };
    let rect: PixelRect | null = full;
    if (photoRect) {
      const x0 = Math.floor(photoRect.x * dv.scale + dv.x) - 1;
      const y0 = Math.floor(photoRect.y * dv.scale + dv.y) - 1;
      const x1 = Math.ceil((photoRect.x + photoRect.width) * dv.scale + dv.x) + 1;
      const y1 = Math.ceil((photoRect.y + photoRect.height) * dv.scale + dv.y) + 1;
      rect = intersectRect(full, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    if (!rect) return;
    if (this.engine) renderOverlayRect(this.engine, dv, this.overlayPixels!, canvas.width, rect, this.lut);
    else this.overlayPixels!.fill(0);
    ctx.putImageData(this.overlayData, 0, 0, rect.x, rect.y, rect.width, rect.height);
  }

  private applyMaskVisibility(): void {
    const c = this.maskLayer.getNativeCanvasElement();
    c.style.visibility = this.overlayVisible && !this.showOriginal ? 'visible' : 'hidden';
  }

  private updateOutline(): void {
    const show =
      this.pointer.inside &&
      !!this.engine &&
      !this.spaceHeld &&
      !this.pan &&
      !this.pinch &&
      !this.showOriginal;
    if (!show) {
      this.outline.style.display = 'none';
      return;
    }
    const d = Math.max(1, this.brushSize * this.view.scale);
    this.outline.style.display = 'block';
    this.outline.style.width = `${d}px`;
    this.outline.style.height = `${d}px`;
    this.outline.style.transform = `translate(${this.pointer.x - d / 2}px, ${this.pointer.y - d / 2}px)`;
    this.outline.style.borderStyle = this.tool === 'eraser' ? 'dashed' : 'solid';
    // The hard core of a soft brush, where coverage is full.
    const core = d * (this.hardness / 100);
    const showCore = this.hardness < 95 && core > 6;
    this.outlineCore.style.display = showCore ? 'block' : 'none';
    if (showCore) {
      const off = (d - core) / 2 - 1;
      Object.assign(this.outlineCore.style, {
        width: `${core}px`,
        height: `${core}px`,
        left: `${off}px`,
        top: `${off}px`,
      });
    }
  }

  private updateCursor(): void {
    this.container.style.cursor = this.pan ? 'grabbing' : this.spaceHeld ? 'grab' : 'crosshair';
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    if (w === this.size.width && h === this.size.height) return;
    // Keep the photo point at the centre where it was.
    const c = screenToPhoto(this.view, this.size.width / 2, this.size.height / 2);
    this.size = { width: w, height: h };
    this.stage.size(this.size);
    if (!this.fitPending)
      this.view = { ...this.view, x: w / 2 - c.x * this.view.scale, y: h / 2 - c.y * this.view.scale };
    this.overlayFull = true;
    this.invalidate(true);
    // Draw at once so the resized (cleared) canvases never show a blank frame.
    cancelAnimationFrame(this.frameId);
    this.frame();
  }

  private dpr(): number {
    const c = this.maskLayer.getNativeCanvasElement();
    return c.width > 0 ? c.width / this.size.width : window.devicePixelRatio || 1;
  }

  private setEngine(engine: MaskEngine | null): void {
    this.maskUnsub?.();
    this.maskUnsub = null;
    this.engine?.cancelStroke();
    this.strokePointer = null;
    this.engine = engine;
    if (engine) {
      this.maskUnsub = engine.onChange(() => {
        this.requestFrame();
        this.scheduleCompact();
        this.opts.onMaskChange?.(this.maskInfo());
      });
    }
    this.overlayFull = true;
    this.opts.onMaskChange?.(this.maskInfo());
  }

  private compactTimer = 0;

  /** Packs the undo history's raw tiles in small slices while nothing is being painted. */
  private scheduleCompact(): void {
    if (this.compactTimer || this.destroyed) return;
    this.compactTimer = window.setTimeout(() => {
      this.compactTimer = 0;
      const e = this.engine;
      if (!e || this.destroyed) return;
      if (this.strokePointer !== null || e.compact(6)) this.scheduleCompact();
    }, 120);
  }

  // ---- input -------------------------------------------------------------------------------------------

  private listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Window,
    type: K,
    fn: (e: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn as EventListener, opts);
    this.unsubs.push(() => target.removeEventListener(type, fn as EventListener, opts));
  }

  private local(
    e: { clientX: number; clientY: number },
    r = this.container.getBoundingClientRect(),
  ): { x: number; y: number } {
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private readonly onPointerDown = (e: PointerEvent): void => {
    const p = this.local(e);
    this.pointer = { ...p, inside: true };
    if (e.pointerType === 'touch') {
      this.touches.set(e.pointerId, p);
      if (this.touches.size === 2) {
        // Second finger: this is a pinch, not a stroke.
        if (this.strokePointer !== null) {
          this.engine?.cancelStroke();
          this.strokePointer = null;
          this.requestFrame();
        }
        const [a, b] = [...this.touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
        this.pinch = { d0: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), m0: mid(a, b), v0: this.view };
        capture(this.container, e.pointerId);
        this.updateOutline();
        return;
      }
      if (this.touches.size > 2) return;
    }
    if (e.button === 1 || (e.button === 0 && this.spaceHeld)) {
      e.preventDefault();
      this.pan = { id: e.pointerId, x: p.x, y: p.y };
      capture(this.container, e.pointerId);
      this.updateCursor();
      this.updateOutline();
      return;
    }
    if (e.button !== 0 || !this.engine || this.strokePointer !== null || this.showOriginal) return;
    capture(this.container, e.pointerId);
    this.strokePointer = e.pointerId;
    this.engine.beginStroke({
      mode: this.tool === 'eraser' ? 'erase' : 'paint',
      size: this.brushSize,
      hardness: this.hardness / 100,
    });
    const q = screenToPhoto(this.view, p.x, p.y);
    this.engine.strokeTo(q.x, q.y, pressureOf(e));
    this.requestFrame();
    this.updateOutline();
  };

  private readonly onPointerMove = (e: PointerEvent): void => {
    const r = this.container.getBoundingClientRect();
    const p = this.local(e, r);
    this.pointer = { ...p, inside: true };
    if (this.pinch && this.touches.has(e.pointerId)) {
      this.touches.set(e.pointerId, p);
      const [a, b] = [...this.touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const m = mid(a, b);
      const { d0, m0, v0 } = this.pinch;
      const z = zoomAt(v0, m0.x, m0.y, (v0.scale * Math.hypot(a.x - b.x, a.y - b.y)) / d0);
      this.setView({ scale: z.scale, x: z.x + m.x - m0.x, y: z.y + m.y - m0.y });
      return;
    }
    if (this.pan && e.pointerId === this.pan.id) {
      this.setView({ ...this.view, x: this.view.x + p.x - this.pan.x, y: this.view.y + p.y - this.pan.y });
      this.pan = { id: e.pointerId, x: p.x, y: p.y };
      return;
    }
    if (this.strokePointer === e.pointerId && this.engine) {
      const t0 = performance.now();
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ev of events.length ? events : [e]) {
        const lp = this.local(ev, r);
        const q = screenToPhoto(this.view, lp.x, lp.y);
        this.engine.strokeTo(q.x, q.y, pressureOf(ev));
      }
      this.timings.inputAcc += performance.now() - t0;
      this.requestFrame();
    }
    this.updateOutline();
  };

  private readonly onPointerUp = (e: PointerEvent): void => {
    this.touches.delete(e.pointerId);
    if (this.pinch && this.touches.size < 2) this.pinch = null;
    if (this.pan && e.pointerId === this.pan.id) {
      this.pan = null;
      this.updateCursor();
    }
    if (this.strokePointer === e.pointerId) {
      this.strokePointer = null;
      this.engine?.endStroke(); // one commit per stroke; fires onMaskChange
      this.requestFrame();
    }
    this.updateOutline();
  };

  private readonly onPointerCancel = (e: PointerEvent): void => {
    if (this.strokePointer === e.pointerId) {
      this.strokePointer = null;
      this.engine?.cancelStroke();
      this.requestFrame();
    }
    this.onPointerUp(e);
  };

  private readonly onPointerLeave = (e: PointerEvent): void => {
    if (e.pointerType === 'touch') return;
    this.pointer.inside = false;
    this.updateOutline();
  };

  private readonly onWheel = (e: WheelEvent): void => {
    if (!this.image) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.size.height : 1;
    const p = this.local(e);
    this.pointer = { ...p, inside: true };
    // ctrl+wheel is what trackpad pinches send.
    const factor = wheelZoomFactor(e.deltaY * unit, e.ctrlKey);
    this.setView(zoomAt(this.view, p.x, p.y, this.view.scale * factor));
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.code !== 'Space' && e.key !== ' ') return;
    if (isEditable(e.target)) return;
    const down = e.type === 'keydown';
    // Space over the stage pans; stop it scrolling the page or pressing a focused button.
    if (this.pointer.inside || this.pan) e.preventDefault();
    this.setSpace(down);
  };

  private setSpace(held: boolean): void {
    if (this.spaceHeld === held) return;
    this.spaceHeld = held;
    this.updateCursor();
    this.updateOutline();
  }
}

/** Pointer capture keeps a stroke or pan going outside the stage; synthetic events (tests) have no capturable pointer. */
function capture(el: HTMLElement, id: number): void {
  try {
    el.setPointerCapture(id);
  } catch {
    // not an active pointer: nothing to capture
  }
}

function pressureOf(e: PointerEvent): number {
  // Mice report 0.5 while a button is down: only pens carry real pressure.
  return e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : 1;
}

function mid(a: { x: number; y: number }, b: { x: number; y: number }): { x: number; y: number } {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function isEditable(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement)
    return !['range', 'checkbox', 'radio', 'button', 'submit', 'color', 'file'].includes(t.type);
  return false;
}

function srcWidth(d: Drawable): number {
  return d instanceof HTMLImageElement ? d.naturalWidth : d.width;
}
function srcHeight(d: Drawable): number {
  return d instanceof HTMLImageElement ? d.naturalHeight : d.height;
}

function el(tag: 'div', style: Partial<CSSStyleDeclaration>): HTMLDivElement {
  const e = document.createElement(tag);
  Object.assign(e.style, style);
  return e;
}
