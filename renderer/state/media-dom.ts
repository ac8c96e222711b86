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
