/**
 * ag-psd's reader, for the tests that check our PSDs with it (layer masks, unicode names): its reader
 * allocates pixel buffers through a canvas hook even for raw image data, and Node has no canvas, so the hook
 * is given plain image data here, before any read.
 */
import { initializeCanvas, readPsd } from 'ag-psd';

type ImageDataLike = ReturnType<NonNullable<Parameters<typeof initializeCanvas>[1]>>;
initializeCanvas(
  () => {
    throw new Error('no canvas in Node: read with useImageData');
  },
  (width, height) =>
    ({ width, height, data: new Uint8ClampedArray(width * height * 4) }) as unknown as ImageDataLike,
);

export { readPsd };
