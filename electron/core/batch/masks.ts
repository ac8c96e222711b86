/**
 * One mask for many photos: a mask of the photo's own (upright) size is used as it is; a mask of another size
 * with the same shape (aspect ratios within MASK_ASPECT_TOLERANCE) is scaled to the photo; any other mask is
 * refused for that photo with a sentence that says how to give it its own. An all-black mask, which marks
 * nothing, is refused for the photo in words that fit a file (not the app's "paint over the area").
 */
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { markedMask, maskFromFile, type Mask } from '../imaging';

/** Relative difference of aspect ratios still treated as "the same shape" (rounding of resized exports). */
export const MASK_ASPECT_TOLERANCE = 0.005;

export interface MaskSize {
  width: number;
  height: number;
}

/** The mask's upright size (EXIF orientation applied), or null when the file is not an image. */
export async function maskSize(bytes: Uint8Array): Promise<MaskSize | null> {
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) return null;
    const o = meta.orientation ?? 1;
    return o >= 5 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  } catch {
    return null;
  }
}

/** Whether a mask of size `m` may be scaled onto a photo of size `p` (same shape, not the same size). */
export function sameShape(m: MaskSize, p: MaskSize): boolean {
  const a = m.width / m.height;
  const b = p.width / p.height;
  return Math.abs(a - b) / b <= MASK_ASPECT_TOLERANCE;
}

/**
 * The mask for one photo of the batch. `names` are only for the messages: `photo` the photo's name, `mask`
 * the mask as a noun phrase ("The mask shots/sign.png", "The current mask"), `perPhotoHint` how to give the
 * photo a mask of its own.
 */
export async function fitMask(
  bytes: Uint8Array,
  width: number,
  height: number,
  names: { photo: string; mask: string; perPhotoHint: string },
): Promise<Mask> {
  const size = await maskSize(bytes);
  if (!size)
    throw new AppError(
      'unsupported-image',
      `${names.mask} could not be read as an image; save it as a PNG (white marks the area to change).`,
    );
  const marked = (m: Mask): Mask =>
    markedMask(m, names.mask, ` in ${names.photo}`, 'paint the area to change in white');
  if (size.width === width && size.height === height) return marked(await maskFromFile(bytes, width, height));
  if (!sameShape(size, { width, height }))
    throw new AppError(
      'invalid-input',
      `${names.mask} is ${size.width}x${size.height} but ${names.photo} is ${width}x${height}, another shape; ${names.perPhotoHint}.`,
    );
  // The mask at its own size (same luminance rule as every mask), then scaled as one grey channel.
  const own = marked(await maskFromFile(bytes, size.width, size.height));
  const data = await sharp(Buffer.from(own.data.buffer, own.data.byteOffset, own.data.byteLength), {
    raw: { width: own.width, height: own.height, channels: 1 },
    limitInputPixels: false,
  })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, width * height) };
}
