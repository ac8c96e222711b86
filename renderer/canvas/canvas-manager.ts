/**
 * The canvas manager (DOM + Konva, no React), a composition root: it owns the Konva stage, the view
 * transform, the mask engine and the frame loop, and creates the modules that do the work (module.ts), in
 * the fixed order of module-stack.ts, which lists what each does.
 *
 * Bottom to top: the photo's own canvas (modules/photo.ts), the Konva stage with the mask overlay's layer,
 * then the DOM parts (split line, brush outline). Pointer events go through the modules in order (view
 * input first, so a pan or pinch takes the pointer before any tool).
 * Nothing here touches React state while painting: a stroke lives in the engine's buffer and is committed
 * once on release, which is when onMaskChange fires.
 */
import Konva from 'konva';
import { maskInfo, type MaskInfo } from './mask-actions';
import { MaskEngine } from './mask/engine';
import { FrameTimings } from './frame-timings';
import { routePointerEvents } from './pointer-routing';
import { normaliseImage, type EditorImageInput } from './image-source';
import {
  styledDiv,
  type BrushSettings,
  type CanvasContext,
  type CanvasModule,
  type SelectionSettings,
  type Tool,
} from './module';
import type { EditorImage } from './image-source';
import { createModules } from './module-stack';
import type { MaskOverlayModule } from './modules/mask-overlay';
import type { PhotoModule } from './modules/photo';
import type { ViewInputModule } from './modules/view-input';
import { actualSizeView, fitView, resizedView, type Size, type View } from './view';

export type { Tool } from './module';

export interface ManagerOptions {
  onMaskChange?: (info: MaskInfo) => void;
  onViewChange?: (view: View) => void;
  /** A tool failed in a way the user should hear of (an AppError with a one-sentence message). */
  onError?: (e: unknown) => void;
}

export class CanvasManager implements CanvasContext {
  readonly container: HTMLDivElement;
  engine: MaskEngine | null = null;
  view: View = { scale: 1, x: 0, y: 0 };
  size: Size = { width: 0, height: 0 };
  readonly brush: BrushSettings = { tool: 'brush', size: 80, hardness: 70 };
  readonly selection: SelectionSettings = { mode: 'add', tolerance: 32, contiguous: true };
  readonly pointer = { x: 0, y: 0, inside: false };
  /** Frames drawn (for tests and benchmarks). */
  frames = 0;
  private readonly timings = new FrameTimings();

  private readonly opts: ManagerOptions;
  private readonly stageHost: HTMLDivElement;
  private readonly stage: Konva.Stage;
  private readonly resizeObserver: ResizeObserver;
  private readonly unsubs: (() => void)[] = [];
  private readonly viewInput: ViewInputModule;
  private readonly photo: PhotoModule;
  private readonly overlay: MaskOverlayModule;
  /** Every module, in the order they draw and see pointer events. */
  private readonly modules: readonly CanvasModule[];

  private frameId = 0;
  private viewDirty = true;
  private fitPending = true;
  private destroyed = false;
  private maskUnsub: (() => void) | null = null;

  constructor(container: HTMLDivElement, opts: ManagerOptions = {}) {
    this.container = container;
    this.opts = opts;
    Object.assign(container.style, { overflow: 'hidden', touchAction: 'none', userSelect: 'none' });
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    // The stage takes no pointer events: they go to the container, where the modules route them. Konva's
    // own listeners on its content would otherwise run on every move (and measure the stage each time) for
    // nothing, the stage not listening.
    this.stageHost = styledDiv({ position: 'absolute', inset: '0', pointerEvents: 'none' });
    container.appendChild(this.stageHost);
    this.size = { width: Math.max(1, container.clientWidth), height: Math.max(1, container.clientHeight) };
    this.stage = new Konva.Stage({ container: this.stageHost, ...this.size, listening: false });

    const stack = createModules(this, () => this.busy());
    this.viewInput = stack.viewInput;
    this.photo = stack.photo;
    this.overlay = stack.overlay;
    this.modules = stack.all;
    for (const m of this.modules) if (m.layer) this.stage.add(m.layer);
    for (const m of this.modules) m.attach?.();

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    routePointerEvents(this, this.modules);
  }

  destroy(): void {
    this.destroyed = true;
    cancelAnimationFrame(this.frameId);
    this.resizeObserver.disconnect();
    for (const u of this.unsubs) u();
    this.maskUnsub?.();
    for (const m of this.modules) m.destroy();
    this.stage.destroy();
    this.stageHost.remove();
  }

  // ---- the context the modules share --------------------------------------------------------------------

  get photoSize(): Size | null {
    return this.photo.spec;
  }

  get photoImage(): EditorImage | null {
    return this.photo.spec;
  }

  get showingOriginal(): boolean {
    return this.photo.showOriginal;
  }

  get navigating(): boolean {
    return this.viewInput.navigating;
  }

  setView(v: View): void {
    this.view = v;
    this.fitPending = false;
    this.invalidateView();
  }

  dpr(): number {
    const c = this.overlay.canvas;
    return c.width > 0 ? c.width / this.size.width : window.devicePixelRatio || 1;
  }

  requestFrame(): void {
    if (this.frameId || this.destroyed) return;
    this.frameId = requestAnimationFrame(this.frame);
  }

  invalidateView(): void {
    this.viewDirty = true;
    this.requestFrame();
  }

  inputChanged(): void {
    for (const m of this.modules) m.inputChanged?.();
  }

  interrupt(): void {
    for (const m of this.modules) m.interrupt?.();
  }

  reportError(e: unknown): void {
    this.opts.onError?.(e);
  }

  addInputTime(ms: number): void {
    this.timings.addInput(ms);
  }

  listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Window,
    type: K,
    fn: (e: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn as EventListener, opts);
    this.unsubs.push(() => target.removeEventListener(type, fn as EventListener, opts));
  }

  // ---- inputs from the component -----------------------------------------------------------------------

  setImage(input: EditorImageInput | null): void {
    const spec = input ? normaliseImage(input) : null;
    if (!this.photo.setImage(spec)) return;
    if (!spec) this.setEngine(null);
    else if (!this.engine || this.engine.width !== spec.width || this.engine.height !== spec.height) {
      // A new photo size: a new mask at its resolution, shown fitted.
      this.setEngine(new MaskEngine(spec.width, spec.height));
      this.fitPending = true;
    }
    this.invalidateView();
  }

  setOriginal(input: EditorImageInput | null): void {
    if (this.photo.setOriginal(input ? normaliseImage(input) : null)) this.invalidateView();
  }

  setCompare(showOriginal: boolean, split: number | null): void {
    if (!this.photo.setCompare(showOriginal, split)) return;
    this.overlay.applyVisibility();
    this.invalidateView();
  }

  setBrush(tool: Tool, size: number, hardness: number): void {
    Object.assign(this.brush, {
      tool,
      size: Math.max(1, size),
      hardness: Math.min(100, Math.max(0, hardness)),
    });
    this.inputChanged();
  }

  /** The selection tools' mode, and the wand's tolerance (0..255) and contiguity. */
  setSelection(s: Partial<SelectionSettings>): void {
    Object.assign(this.selection, s);
    this.selection.tolerance = Math.min(255, Math.max(0, Math.round(this.selection.tolerance)));
  }

  /** Shows the overlay as the edit will blend it (feathered by `radius` px), or the painted mask (null). */
  setFeatherPreview(radius: number | null): void {
    this.overlay.setFeatherPreview(radius);
  }

  setOverlay(visible: boolean, color: string, opacity: number): void {
    this.overlay.setOverlay(visible, color, opacity);
  }

  fit(): void {
    const spec = this.photo.spec;
    if (spec) this.setView(fitView(spec, this.size));
  }

  actualSize(): void {
    if (this.photo.spec) this.setView(actualSizeView(this.view, this.size));
  }

  /** Screen (stage CSS pixel) position of a photo point. */
  photoToStage(x: number, y: number): { x: number; y: number } {
    return { x: x * this.view.scale + this.view.x, y: y * this.view.scale + this.view.y };
  }

  maskInfo(): MaskInfo {
    return maskInfo(this.engine);
  }

  // ---- frames ------------------------------------------------------------------------------------------

  /** Draws whatever is pending now (also used by tests to flush synchronously). */
  readonly frame = (): void => {
    const t0 = performance.now();
    this.drawFrame();
    this.timings.endFrame(performance.now() - t0);
  };

  /** Per-frame milliseconds of drawing and of input handling since the last call (tests, benchmarks). */
  takeTimings(): { frame: number[]; input: number[] } {
    return this.timings.take();
  }

  private drawFrame(): void {
    this.frameId = 0;
    if (this.destroyed) return;
    this.frames++;
    const spec = this.photo.spec;
    if (this.fitPending && spec) {
      this.view = fitView(spec, this.size);
      this.fitPending = false;
      this.viewDirty = true;
    }
    const viewChanged = this.viewDirty;
    this.viewDirty = false;
    for (const m of this.modules) m.draw?.({ viewChanged });
    if (viewChanged) this.opts.onViewChange?.(this.view);
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    if (w === this.size.width && h === this.size.height) return;
    const from = this.size;
    this.size = { width: w, height: h };
    this.stage.size(this.size);
    // Fitted stays fitted; else the photo point at the centre stays there.
    if (!this.fitPending) this.view = resizedView(this.view, this.photo.spec, from, this.size);
    this.invalidateView();
    // Draw at once so the resized (cleared) canvases never show a blank frame.
    cancelAnimationFrame(this.frameId);
    this.frame();
  }

  private setEngine(engine: MaskEngine | null): void {
    this.maskUnsub?.();
    this.maskUnsub = null;
    this.engine?.cancelStroke();
    this.engine = engine;
    if (engine) {
      this.maskUnsub = engine.onChange(() => {
        this.requestFrame();
        for (const m of this.modules) m.maskChanged?.();
        this.opts.onMaskChange?.(this.maskInfo());
      });
    }
    for (const m of this.modules) m.engineChanged?.(engine);
    this.opts.onMaskChange?.(this.maskInfo());
  }

  private busy(): boolean {
    return this.modules.some((m) => m.busy?.());
  }
}
