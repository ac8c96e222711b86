/**
 * The one lifecycle every canvas module has, and what the manager shares with them.
 *
 * The manager (canvas-manager.ts) creates its modules in a fixed order (module-stack.ts) and then drives them
 * through this interface only: attach once, draw on each animation frame, pointer events in order, and
 * destroy. Every hook but destroy is optional. A module reaches the rest of the canvas through the
 * CanvasContext it was constructed with (the view, the mask engine, the brush settings, frame requests), never
 * through another module, so a new tool is one more module in the list.
 */
import type Konva from 'konva';
import type { EditorImage } from './image-source';
import type { MaskEngine } from './mask/engine';
import type { SelectMode } from './select/combine';
import type { Size, View } from './view';

/** The painting tools. */
export type PaintTool = 'brush' | 'eraser';
/** The selection tools: each writes its selection into the mask in the current mode (select/combine.ts). */
export type SelectTool = 'rect' | 'ellipse' | 'lasso' | 'polygon' | 'wand' | 'object';
export type Tool = PaintTool | SelectTool;

export const selectTools: readonly SelectTool[] = ['rect', 'ellipse', 'lasso', 'polygon', 'wand', 'object'];

export function isSelectTool(t: Tool): t is SelectTool {
  return (selectTools as readonly string[]).includes(t);
}

/** What the selection tools share, set from the tool options bar. */
export interface SelectionSettings {
  /** The mode without a modifier key (Shift adds, Alt subtracts, Shift+Alt intersects). */
  mode: SelectMode;
  /** Magic wand: 0..255, the largest difference over R, G and B from the sampled colour. */
  tolerance: number;
  /** Magic wand: the connected region (true) or the colour across the whole photo (false). */
  contiguous: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface BrushSettings {
  tool: Tool;
  /** Diameter in photo pixels, at least 1. */
  size: number;
  /** 0..100. */
  hardness: number;
}

/** What a frame has to draw. */
export interface FrameInfo {
  /** The view or the stage size changed since the last frame (or the photo did): redraw what follows it. */
  viewChanged: boolean;
}

export interface CanvasModule {
  /** Short name, for debugging. */
  readonly name: string;
  /** A Konva layer of its own: the manager adds the layers to the stage in module order, bottom first. */
  readonly layer?: Konva.Layer;
  /** Once, after every module exists: add DOM elements to the container (in module order, later on top). */
  attach?(): void;
  /** A new mask engine (a photo of another size) or none: drop anything in progress on the old one. */
  engineChanged?(engine: MaskEngine | null): void;
  /** After each committed change of the mask (stroke release, undo, redo, an action). */
  maskChanged?(): void;
  /** Once per animation frame, in module order. */
  draw?(frame: FrameInfo): void;
  /**
   * Pointer input, in module order, at stage position `p`. pointerDown and pointerMove return true when the
   * module took the event: later modules do not see it. pointerUp and pointerCancel reach every module.
   */
  pointerDown?(e: PointerEvent, p: Point): boolean;
  pointerMove?(e: PointerEvent, p: Point, stage: DOMRect): boolean;
  pointerUp?(e: PointerEvent): void;
  pointerCancel?(e: PointerEvent): void;
  /** The pointer, a modifier or the brush changed: update what follows them (the brush outline). */
  inputChanged?(): void;
  /** Another gesture takes over (a second finger): abandon the gesture in progress without committing it. */
  interrupt?(): void;
  /** True while a gesture of this module is in progress (idle work waits for it). */
  busy?(): boolean;
  /** Removes everything the module added (DOM, timers, listeners); Konva layers go with the stage. */
  destroy(): void;
}

export interface CanvasContext {
  readonly container: HTMLDivElement;
  /** Photo → stage transform (CSS pixels): stage = photo · scale + (x, y). */
  readonly view: View;
  /** The stage size in CSS pixels. */
  readonly size: Size;
  /** The mask of the current photo, or null without a photo. */
  readonly engine: MaskEngine | null;
  /** The photo's size, or null without a photo. */
  readonly photoSize: Size | null;
  readonly brush: BrushSettings;
  readonly selection: SelectionSettings;
  /** The photo as shown (the image the wand samples), or null. */
  readonly photoImage: EditorImage | null;
  /** The pointer's last stage position and whether it is over the stage. */
  readonly pointer: Point & { inside: boolean };
  /** The original is shown in place of the photo (hold-to-compare): no painting, no overlay. */
  readonly showingOriginal: boolean;
  /** Panning or zooming owns the pointer (space held, a pan or a pinch): tools stay idle. */
  readonly navigating: boolean;
  setView(v: View): void;
  /** Device pixels per CSS pixel of the stage's canvases. */
  dpr(): number;
  requestFrame(): void;
  /** Redraw with the view (photo, overlay, outline) at the next frame. */
  invalidateView(): void;
  /** Tells every module that the pointer or a modifier changed (inputChanged). */
  inputChanged(): void;
  /** Tells every module to abandon its gesture (interrupt). */
  interrupt(): void;
  /** Milliseconds of input handling to count in this frame's timings. */
  addInputTime(ms: number): void;
  /** A tool could not do what was asked (e.g. the photo's pixels could not be read): shown to the user. */
  reportError(e: unknown): void;
  /** Adds an event listener removed when the canvas is destroyed. */
  listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Window,
    type: K,
    fn: (e: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void;
}

/** A div with inline style, for the DOM parts of the canvas (outline, split line). */
export function styledDiv(style: Partial<CSSStyleDeclaration>): HTMLDivElement {
  const e = document.createElement('div');
  Object.assign(e.style, style);
  return e;
}
