/**
 * The mask-painting stage as a React component. A thin shell: the CanvasManager (plain TS + Konva) does the
 * work; props are pushed into it in effects, and nothing about a stroke in progress ever reaches React state.
 * onMaskChange fires once per committed change (stroke release, undo/redo, mask actions).
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, type CSSProperties } from 'react';
import { CanvasManager, type Tool } from './canvas-manager';
import { maskActions, type MaskActions, type MaskInfo } from './mask-actions';
import { debugRequested, installDebugHook } from './debug';
import type { EditorImageInput } from './image-source';
import type { SelectMode } from './select/combine';
import { maskToPng, readMaskFile } from './select/mask-io';
import type { View } from './view';
import type { CanvasPort } from '../state/ports';

export interface EditorCanvasProps {
  /** The photo (an image, bitmap or canvas at full resolution, or an EditorImage with a preview/loader). */
  image: EditorImageInput | null;
  /** The original photo, for compare. */
  original?: EditorImageInput | null;
  /** Show the original instead of the current image (hold-to-compare); the mask overlay is hidden meanwhile. */
  showOriginal?: boolean;
  /** Split compare: the original left of this fraction of the stage width (0..1), the current image right; null = off. */
  split?: number | null;
  tool: Tool;
  /** Selection tools: the mode without a modifier key (default add). */
  selectMode?: SelectMode;
  /** Magic wand: 0..255 (default 32). */
  wandTolerance?: number;
  /** Magic wand: the connected region (default) or the colour across the photo. */
  wandContiguous?: boolean;
  /** Feather preview: the overlay shows the blend weight of an edit feathered by this many pixels; null = off. */
  featherPreview?: number | null;
  /** Brush diameter in photo pixels. */
  brushSize: number;
  /** 0..100: 0 = soft edge over the whole radius, 100 = hard. */
  hardness: number;
  overlayVisible?: boolean;
  /** CSS colour of the mask overlay: '#rrggbb', '#rgb' or 'rgb(r,g,b)'. */
  overlayColor?: string;
  /** 0..1 (default 0.5). */
  overlayOpacity?: number;
  onMaskChange?: (info: MaskInfo) => void;
  onViewChange?: (view: View) => void;
  /** A tool failed (an AppError whose message says what to do). */
  onError?: (e: unknown) => void;
  className?: string;
  style?: CSSProperties;
  testId?: string;
  /** Installs window.__maskroomCanvas (see debug.ts); also enabled by ?canvasDebug=1. */
  debug?: boolean;
}

/**
 * Undo, redo, invert, grow, shrink and clear (MaskActions), fit and 100%, and the mask for the edit: the
 * state's CanvasPort (state/ports.ts, where the rest is described), with undo and redo saying whether they did
 * anything.
 */
export interface EditorCanvasHandle extends MaskActions, Omit<CanvasPort, keyof MaskActions> {}

export type { MaskInfo, SelectMode, Tool };

export const EditorCanvas = forwardRef<EditorCanvasHandle, EditorCanvasProps>(
  function EditorCanvas(props, ref) {
    const box = useRef<HTMLDivElement>(null);
    const mgr = useRef<CanvasManager | null>(null);
    // Callbacks change identity every render; the manager calls through this ref.
    const cb = useRef({
      onMaskChange: props.onMaskChange,
      onViewChange: props.onViewChange,
      onError: props.onError,
    });
    useEffect(() => {
      cb.current = {
        onMaskChange: props.onMaskChange,
        onViewChange: props.onViewChange,
        onError: props.onError,
      };
    });

    const { image, original, showOriginal = false, split = null, tool, brushSize, hardness } = props;
    const { selectMode = 'add', wandTolerance = 32, wandContiguous = true, featherPreview = null } = props;
    const { overlayVisible = true, overlayColor = '#ff3040', overlayOpacity = 0.5, debug } = props;

    useEffect(() => {
      const m = new CanvasManager(box.current!, {
        onMaskChange: (i) => cb.current.onMaskChange?.(i),
        onViewChange: (v) => cb.current.onViewChange?.(v),
        onError: (e) => cb.current.onError?.(e),
      });
      mgr.current = m;
      const unhook = debug || debugRequested() ? installDebugHook(m) : () => undefined;
      return () => {
        unhook();
        m.destroy();
        mgr.current = null;
      };
    }, [debug]);

    // Declared after the manager effect so they run after it on mount (and again after a debug remount).
    useEffect(() => mgr.current?.setImage(image ?? null), [image, debug]);
    useEffect(() => mgr.current?.setOriginal(original ?? null), [original, debug]);
    useEffect(() => mgr.current?.setCompare(showOriginal, split), [showOriginal, split, debug]);
    useEffect(() => mgr.current?.setBrush(tool, brushSize, hardness), [tool, brushSize, hardness, debug]);
    useEffect(
      () =>
        mgr.current?.setSelection({ mode: selectMode, tolerance: wandTolerance, contiguous: wandContiguous }),
      [selectMode, wandTolerance, wandContiguous, debug],
    );
    useEffect(() => mgr.current?.setFeatherPreview(featherPreview), [featherPreview, debug]);
    useEffect(
      () => mgr.current?.setOverlay(overlayVisible, overlayColor, overlayOpacity),
      [overlayVisible, overlayColor, overlayOpacity, debug],
    );

    useImperativeHandle(
      ref,
      (): EditorCanvasHandle => ({
        ...maskActions(() => mgr.current?.engine ?? null),
        fit: () => mgr.current?.fit(),
        actualSize: () => mgr.current?.actualSize(),
        getMaskBytes: () => (mgr.current?.engine?.toBytes() as Uint8Array<ArrayBuffer> | undefined) ?? null,
        isMaskEmpty: () => mgr.current?.engine?.isEmpty() ?? true,
        loadMaskFile: async (file) => {
          const e = mgr.current?.engine;
          if (!e) return;
          const data = await readMaskFile(file, e.width, e.height);
          if (mgr.current?.engine === e) e.load(data);
        },
        maskPng: async () => {
          const e = mgr.current?.engine;
          return e ? maskToPng(e.toBytes(), e.width, e.height) : null;
        },
      }),
      [],
    );

    return (
      <div
        ref={box}
        className={props.className}
        data-testid={props.testId}
        style={{ position: 'absolute', inset: 0, ...props.style }}
      />
    );
  },
);

/** Brush size steps for [ and ]: finer when small, coarser when large (like most painting apps). */
export function stepBrushSize(size: number, dir: 1 | -1): number {
  const step = size < 10 ? 1 : size < 50 ? 5 : size < 200 ? 10 : size < 500 ? 25 : 50;
  return Math.min(5000, Math.max(1, Math.round((size + dir * step) / step) * step || 1));
}

/** Hardness steps for Shift+[ and Shift+]: 10 points, 0..100. */
export function stepHardness(h: number, dir: 1 | -1): number {
  return Math.min(100, Math.max(0, Math.round(h / 10) * 10 + dir * 10));
}
