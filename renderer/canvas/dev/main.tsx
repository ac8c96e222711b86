/**
 * Test and benchmark page for the canvas (built as an extra Vite input: canvas/dev/bench.html).
 *   ?mode=test   — EditorCanvas over a synthetic photo; window.__canvasPage.set(props) changes its props.
 *   ?mode=engine — the same, for the benchmark: inject N earlier strokes, then time a continuous stroke.
 *   ?mode=naive  — the react-konva baseline (one Line per stroke) under the same stroke.
 * Common parameters: w, h (photo size, default 6000x4000); photo=flat for a uniform grey photo, photo=object&seed=N for object select's scene (object-scene.ts). The debug hook (window.__maskroomCanvas) is on.
 */
import { StrictMode, createRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { EditorCanvas, type EditorCanvasHandle, type EditorCanvasProps } from '../EditorCanvas';
import { NaiveCanvas, type NaiveHandle } from './naive';
import { makeScenePhoto } from './object-photo';
import { makeTestPhoto, strokePoints } from './photo';

type PageProps = Omit<EditorCanvasProps, 'image' | 'original'> & { withOriginal?: boolean };

export interface StrokeRun {
  intervals: number[];
  frames: number;
  durationMs: number;
}

export interface CanvasPage {
  ready: boolean;
  mode: string;
  width: number;
  height: number;
  maskEvents: Parameters<NonNullable<EditorCanvasProps['onMaskChange']>>[0][];
  handle: () => EditorCanvasHandle | null;
  set(p: Partial<PageProps>): void;
  /** Earlier strokes: n strokes of `points` points (engine: painted through the engine; naive: Lines). */
  inject(n: number, points: number, size: number): Promise<number>;
  /**
   * A continuous stroke driven by pointer events, two per animation frame; returns rAF intervals. With
   * `mark`, each animation frame starts with `console.timeStamp(mark)` (frame boundaries in a trace).
   */
  runStroke(o: { frames: number; maxMs: number; stepPx: number; mark?: string }): Promise<StrokeRun>;
  /** rAF intervals of `frames` frames while nothing happens, marked like runStroke's when `mark` is given. */
  idle(frames: number, mark?: string): Promise<number[]>;
  /** Naive mode: strokes the baseline holds (to check it really painted). */
  naiveCount(): number;
}

declare global {
  interface Window {
    __canvasPage?: CanvasPage;
  }
}

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'test';
const W = Number(params.get('w') ?? 6000);
const H = Number(params.get('h') ?? 4000);
window.__MASKROOM_CANVAS_DEBUG__ = true;

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const [photo, original] = await Promise.all([
    params.get('photo') === 'object'
      ? makeScenePhoto(W, H, Number(params.get('seed') ?? 1))
      : makeTestPhoto(W, H, params.get('photo') === 'flat' ? 'flat' : 'current'),
    makeTestPhoto(W, H, 'original'),
  ]);
  const editorRef = createRef<EditorCanvasHandle>();
  const naiveRef = createRef<NaiveHandle>();
  let setProps: (p: Partial<PageProps>) => void = () => undefined;
  const maskEvents: CanvasPage['maskEvents'] = [];
  let naiveStrokes: number[][] = [];

  function Page() {
    const [p, set] = useState<PageProps>({
      tool: 'brush',
      brushSize: 150,
      hardness: 70,
      overlayColor: '#ff3040',
      overlayVisible: true,
    });
    setProps = (q) => set((old) => ({ ...old, ...q }));
    return (
      <div id="stage">
        <EditorCanvas
          ref={editorRef}
          testId="canvas"
          image={photo}
          original={p.withOriginal ? original : null}
          {...p}
          onMaskChange={(i) => maskEvents.push(i)}
        />
      </div>
    );
  }

  function renderNaive(strokes: number[][], size: number) {
    root.render(
      <div
        id="stage"
        data-testid="canvas"
        onPointerDown={(e) => naiveRef.current?.begin(e.clientX, e.clientY)}
        onPointerMove={(e) => e.buttons & 1 && naiveRef.current?.move(e.clientX, e.clientY)}
        onPointerUp={() => naiveRef.current?.end()}
      >
        <NaiveCanvas
          key={strokes.length}
          ref={naiveRef}
          photo={photo}
          strokes={strokes}
          size={size}
          width={window.innerWidth}
          height={window.innerHeight}
        />
      </div>,
    );
  }

  if (mode === 'naive') renderNaive([], 30);
  else
    root.render(
      <StrictMode>
        <Page />
      </StrictMode>,
    );

  const page: CanvasPage = {
    ready: false,
    mode,
    width: W,
    height: H,
    maskEvents,
    handle: () => editorRef.current,
    set: (p) => setProps(p),
    async inject(n, points, size) {
      const t0 = performance.now();
      if (mode === 'naive') {
        naiveStrokes = Array.from({ length: n }, (_, i) => strokePoints(i + 1, points, 8, W, H).flat());
        renderNaive(naiveStrokes, size);
      } else {
        const hook = window.__maskroomCanvas!;
        for (let i = 0; i < n; i++)
          hook.injectStroke(strokePoints(i + 1, points, 8, W, H), { mode: 'paint', size, hardness: 1 });
        hook.flush();
      }
      await nextFrame();
      await nextFrame();
      return performance.now() - t0;
    },
    async runStroke({ frames, maxMs, stepPx, mark }) {
      const target = document.querySelector<HTMLElement>('[data-testid=canvas]')!;
      const r = target.getBoundingClientRect();
      // Back and forth across the stage (a triangle wave), never jumping.
      const span = r.width - 120;
      const at = (i: number) => ({
        clientX: r.left + 60 + span - Math.abs(((i * stepPx) % (2 * span)) - span),
        clientY: r.top + r.height / 2 + Math.sin(i / 25) * r.height * 0.3,
      });
      const fire = (type: string, i: number) =>
        target.dispatchEvent(
          new PointerEvent(type, {
            ...at(i),
            pointerId: 1,
            pointerType: 'mouse',
            isPrimary: true,
            button: type === 'pointermove' ? -1 : 0,
            buttons: type === 'pointerup' ? 0 : 1,
            bubbles: true,
            cancelable: true,
            composed: true,
          }),
        );
      const times: number[] = [];
      let step = 0;
      await nextFrame();
      fire('pointerdown', step);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const tick = (t: number) => {
          if (mark) console.timeStamp(mark);
          times.push(t);
          if (times.length > frames || t - t0 > maxMs) {
            fire('pointerup', step);
            resolve();
            return;
          }
          fire('pointermove', ++step);
          fire('pointermove', ++step);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      // The frame after release (commit) counts too.
      times.push(await nextFrame());
      if (mark) console.timeStamp(mark);
      const intervals = times.slice(1).map((t, i) => t - times[i]!);
      return { intervals, frames: intervals.length, durationMs: times[times.length - 1]! - times[0]! };
    },
    naiveCount: () => naiveRef.current?.count() ?? -1,
    async idle(frames, mark) {
      const times: number[] = [];
      for (let i = 0; i <= frames; i++) {
        times.push(await nextFrame());
        if (mark) console.timeStamp(mark);
      }
      return times.slice(1).map((t, i) => t - times[i]!);
    },
  };
  window.__canvasPage = page;
  // Ready once the canvas has drawn (engine mode) or the stage exists (naive).
  for (let i = 0; i < 600; i++) {
    await nextFrame();
    if (mode === 'naive' ? document.querySelector('canvas') : window.__maskroomCanvas?.ready()) break;
  }
  page.ready = true;
}

void main();
