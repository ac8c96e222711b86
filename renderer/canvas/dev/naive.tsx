/**
 * The naive baseline for the benchmark: react-konva with one Line per stroke, the stroke in progress in React
 * state (a new points array on every move), over the photo drawn as one Konva.Image. Every move re-renders the
 * component and Konva redraws every Line of the layer.
 */
import { useImperativeHandle, useMemo, useState, forwardRef } from 'react';
import { Group, Image as KonvaImage, Layer, Line, Stage } from 'react-konva';

export interface NaiveHandle {
  begin(x: number, y: number): void;
  move(x: number, y: number): void;
  end(): void;
  /** Strokes held (the earlier ones plus every finished one). */
  count(): number;
}

interface Props {
  photo: ImageBitmap;
  strokes: number[][];
  size: number;
  width: number;
  height: number;
}

export const NaiveCanvas = forwardRef<NaiveHandle, Props>(function NaiveCanvas(
  { photo, strokes: initial, size, width, height },
  ref,
) {
  const [strokes, setStrokes] = useState(initial);
  const [current, setCurrent] = useState<number[] | null>(null);
  const scale = Math.min((width - 32) / photo.width, (height - 32) / photo.height);
  const ox = (width - photo.width * scale) / 2;
  const oy = (height - photo.height * scale) / 2;
  const toPhoto = (x: number, y: number) => [(x - ox) / scale, (y - oy) / scale];
  useImperativeHandle(ref, () => ({
    begin: (x, y) => setCurrent(toPhoto(x, y)),
    move: (x, y) => setCurrent((c) => (c ? [...c, ...toPhoto(x, y)] : c)),
    end: () =>
      setCurrent((c) => {
        if (c) setStrokes((s) => [...s, c]);
        return null;
      }),
    count: () => strokes.length,
  }));
  const lines = useMemo(
    () => strokes.map((pts, i) => <Line key={i} points={pts} {...lineStyle(size)} />),
    [strokes, size],
  );
  return (
    <Stage width={width} height={height}>
      <Layer listening={false}>
        <KonvaImage image={photo} x={ox} y={oy} width={photo.width * scale} height={photo.height * scale} />
      </Layer>
      <Layer listening={false} opacity={0.5}>
        <Group x={ox} y={oy} scaleX={scale} scaleY={scale}>
          {lines}
          {current && <Line points={current} {...lineStyle(size)} />}
        </Group>
      </Layer>
    </Stage>
  );
});

/** How every stroke of the baseline is drawn: one round-capped red line of the brush's width. */
function lineStyle(size: number) {
  return {
    stroke: '#ff3040',
    strokeWidth: size,
    lineCap: 'round',
    lineJoin: 'round',
    listening: false,
  } as const;
}
