/**
 * Stand-in for the mask-painting canvas (renderer/canvas) until it lands: shows the photo fitted, and
 * answers the handle with an empty mask. Replaced by EditorCanvas; kept tiny on purpose.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { Image as KonvaImage, Layer, Stage } from 'react-konva';
import type { MaskCanvasHandle } from '../state/canvas-handle';

export interface PlaceholderCanvasProps {
  image: HTMLImageElement | null;
}

export const PlaceholderCanvas = forwardRef<MaskCanvasHandle, PlaceholderCanvasProps>(
  function PlaceholderCanvas({ image }, ref) {
    const box = useRef<HTMLDivElement>(null);
    const [size, setSize] = useState({ width: 0, height: 0 });
    const [zoom, setZoom] = useState<'fit' | 1>('fit');

    useEffect(() => {
      const el = box.current;
      if (!el) return;
      const ro = new ResizeObserver(([entry]) => {
        if (entry)
          setSize({
            width: Math.floor(entry.contentRect.width),
            height: Math.floor(entry.contentRect.height),
          });
      });
      ro.observe(el);
      return () => ro.disconnect();
    }, []);

    useImperativeHandle(ref, () => ({
      undo: () => undefined,
      redo: () => undefined,
      invert: () => undefined,
      grow: () => undefined,
      shrink: () => undefined,
      clear: () => undefined,
      fit: () => setZoom('fit'),
      actualSize: () => setZoom(1),
      getMaskBytes: () => null,
      setMaskBytes: () => undefined,
      isMaskEmpty: () => true,
    }));

    let placement = { x: 0, y: 0, width: 0, height: 0 };
    if (image && size.width > 0) {
      const iw = image.naturalWidth;
      const ih = image.naturalHeight;
      const scale = zoom === 'fit' ? Math.min((size.width - 32) / iw, (size.height - 32) / ih, 1) : 1;
      placement = {
        width: iw * scale,
        height: ih * scale,
        x: (size.width - iw * scale) / 2,
        y: (size.height - ih * scale) / 2,
      };
    }

    return (
      <div ref={box} className="stage-box" data-testid="stage">
        {size.width > 0 && size.height > 0 && (
          <Stage width={size.width} height={size.height}>
            <Layer>{image && <KonvaImage image={image} {...placement} />}</Layer>
          </Stage>
        )}
      </div>
    );
  },
);
