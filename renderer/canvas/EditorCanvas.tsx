/**
 * The mask-painting stage as a React component. A thin shell: the CanvasManager (plain TS + Konva) does the
 * work; props are pushed into it in effects, and nothing about a stroke in progress ever reaches React state.
 * onMaskChange fires once per committed change (stroke release, undo/redo, mask actions).
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, type CSSProperties } from 'react';
import { CanvasManager, type MaskInfo, type Tool } from './canvas-manager';
import { debugRequested, installDebugHook } from './debug';
import type { EditorImageInput } from './image-source';
import type { View } from './view';

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
  className?: string;
  style?: CSSProperties;
  testId?: string;
  /** Installs window.__maskroomCanvas (see debug.ts); also enabled by ?canvasDebug=1. */
  debug?: boolean;
}

export interface EditorCanvasHandle {
  undo(): void;
  redo(): void;
  invert(): void;
  grow(px: number): void;
  shrink(px: number): void;
  clear(): void;
  fit(): void;
  actualSize(): void;
  /** The mask at the photo's full size, one byte per pixel, row-major (255 = change); null without a photo. */
  getMaskBytes(): Uint8Array<ArrayBuffer> | null;
  /** Replaces the mask (width·height bytes) as one undoable step; throws if the size does not match. */
  setMaskBytes(bytes: Uint8Array): void;
  isMaskEmpty(): boolean;
  /** The mask's size (= the photo's), or null without a photo. */
  getMaskSize(): { width: number; height: number } | null;
  getView(): View;
  setZoom(scale: number): void;
}

export type { MaskInfo, Tool };

export const EditorCanvas = forwardRef<EditorCanvasHandle, EditorCanvasProps>(
  function EditorCanvas(props, ref) {
    const box = useRef<HTMLDivElement>(null);
    const mgr = useRef<CanvasManager | null>(null);
    // Callbacks change identity every render; the manager calls through this ref.
    const cb = useRef({ onMaskChange: props.onMaskChange, onViewChange: props.onViewChange });
    useEffect(() => {
      cb.current = { onMaskChange: props.onMaskChange, onViewChange: props.onViewChange };
    });

    const { image, original, showOriginal = false, split = null, tool, brushSize, hardness } = props;
    const { overlayVisible = true, overlayColor = '#ff3040', overlayOpacity = 0.5, debug } = props;

    useEffect(() => {
      const m = new CanvasManager(box.current!, {
        onMaskChange: (i) => cb.current.onMaskChange?.(i),
        onViewChange: (v) => cb.current.onViewChange?.(v),
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
      () => mgr.current?.setOverlay(overlayVisible, overlayColor, overlayOpacity),
      [overlayVisible, overlayColor, overlayOpacity, debug],
    );

    useImperativeHandle(
      ref,
      (): EditorCanvasHandle => ({
        undo: () => void mgr.current?.engine?.undo(),
        redo: () => void mgr.current?.engine?.redo(),
        invert: () => mgr.current?.engine?.invert(),
        grow: (px) => mgr.current?.engine?.grow(px),
        shrink: (px) => mgr.current?.engine?.shrink(px),
        clear: () => mgr.current?.engine?.clear(),
        fit: () => mgr.current?.fit(),
        actualSize: () => mgr.current?.actualSize(),
        getMaskBytes: () => (mgr.current?.engine?.toBytes() as Uint8Array<ArrayBuffer> | undefined) ?? null,
        setMaskBytes: (bytes) => mgr.current?.engine?.load(bytes),
        isMaskEmpty: () => mgr.current?.engine?.isEmpty() ?? true,
        getMaskSize: () => {
          const e = mgr.current?.engine;
          return e ? { width: e.width, height: e.height } : null;
        },
        getView: () => ({ ...(mgr.current?.view ?? { scale: 1, x: 0, y: 0 }) }),
        setZoom: (scale) => {
          const m = mgr.current;
          if (m) m.setView(zoomCentre(m.view, m.size, scale));
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

function zoomCentre(v: View, size: { width: number; height: number }, scale: number): View {
  const cx = size.width / 2;
  const cy = size.height / 2;
  const px = (cx - v.x) / v.scale;
  const py = (cy - v.y) / v.scale;
  return { scale, x: cx - px * scale, y: cy - py * scale };
}

/** Brush size steps for [ and ]: finer when small, coarser when large (like most painting apps). */
export function stepBrushSize(size: number, dir: 1 | -1): number {
  const step = size < 10 ? 1 : size < 50 ? 5 : size < 200 ? 10 : size < 500 ? 25 : 50;
  return Math.min(5000, Math.max(1, Math.round((size + dir * step) / step) * step || 1));
}

/** Hardness steps for Shift+[ and Shift+]: 10 points, 0..100. */
export function stepHardness(h: number, dir: 1 | -1): number {
  return Math.min(100, Math.max(0, Math.round(h / 10) * 10 + dir * 10));
}
