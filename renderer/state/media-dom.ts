/** The browser's media for the store: images decoded by the DOM, object URLs, the screen's size. */
import type { Drawable as CanvasDrawable } from '../canvas';
import { localError } from './errors';
import type { Media } from './ports';

declare module './ports' {
  interface DrawableTypes {
    drawable: CanvasDrawable;
  }
}

function blob(data: Uint8Array, mime: string): Blob {
  return new Blob([data as Uint8Array<ArrayBuffer>], { type: mime });
}

export function domMedia(): Media {
  return {
    async decode(data, mime) {
      const url = URL.createObjectURL(blob(data, mime));
      const element = new Image();
      element.src = url;
      try {
        await element.decode();
      } catch {
        URL.revokeObjectURL(url);
        throw localError(
          'unsupported-image',
          'Maskroom could not display the rendered image; reopen the project.',
        );
      }
      return { url, drawable: element };
    },
    bitmap: (data, mime) => createImageBitmap(blob(data, mime)),
    async paste(base, data, mime, at) {
      const size =
        base instanceof HTMLImageElement
          ? { width: base.naturalWidth, height: base.naturalHeight }
          : { width: base.width, height: base.height };
      const canvas = document.createElement('canvas');
      canvas.width = size.width;
      canvas.height = size.height;
      const g = canvas.getContext('2d');
      if (!g)
        throw localError('unsupported-image', 'Maskroom could not draw the new layer; reopen the project.');
      g.drawImage(base, 0, 0);
      const patch = await createImageBitmap(blob(data, mime));
      g.imageSmoothingQuality = 'high';
      g.drawImage(patch, at.x, at.y, at.width, at.height);
      patch.close();
      return canvas;
    },
    objectUrl: (data, mime) => URL.createObjectURL(blob(data, mime)),
    revoke: (url) => URL.revokeObjectURL(url),
    /** The screen in device pixels, within reason. */
    previewSize() {
      const dpr = window.devicePixelRatio || 1;
      const side = Math.max(window.screen?.width ?? 1920, window.screen?.height ?? 1080) * dpr;
      return Math.max(1024, Math.min(4096, Math.ceil(side)));
    },
    now: () => performance.now(),
  };
}
