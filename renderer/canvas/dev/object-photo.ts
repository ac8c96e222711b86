/** Object select's synthetic scene (object-scene.ts) as an ImageBitmap: the test page's photo=object. */
import { makeScene } from './object-scene';

export async function makeScenePhoto(width: number, height: number, seed: number): Promise<ImageBitmap> {
  const s = makeScene(width, height, seed);
  return createImageBitmap(new ImageData(s.data as Uint8ClampedArray<ArrayBuffer>, width, height));
}
