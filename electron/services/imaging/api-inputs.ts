/** The two files the service gets: the region in sRGB at the API size, and the RGBA mask of the same size. */
import sharp from 'sharp';
import { cropMask } from './mask';
import { apiDims } from './region';
import type { ApiInputs, Mask, Photo, RegionPlan } from './types';
import { SHARP_TIMEOUT_SECONDS, bufToU8, extract8, fromProfileToSrgb, invalid } from './util';

export async function buildApiInputs(base: Photo, mask: Mask, plan: RegionPlan): Promise<ApiInputs> {
  if (mask.width !== base.width || mask.height !== base.height) {
    throw invalid(
      `The mask is ${mask.width}x${mask.height} but the photo is ${base.width}x${base.height}; paint the mask on this photo again.`,
    );
  }
  const { crop, pad } = plan;
  const api = apiDims(plan.apiSize);
  const extend = { ...pad, extendWith: 'copy' as const };

  // Image: crop (8 bit, RGB) -> edge-extend -> one uniform resize -> sRGB -> PNG.
  const rgb = extract8(base, crop, 3);
  const scaled = await sharp(rgb, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .extend(extend)
    .resize(api.width, api.height, { fit: 'fill', kernel: plan.scale < 1 ? 'lanczos3' : 'mitchell' })
    .raw()
    .toBuffer();
  const image = await fromProfileToSrgb(bufToU8(scaled), api.width, api.height, 3, base.icc)
    .png({ compressionLevel: 3 })
    .toBuffer();

  // Mask: same geometry; padding is "keep"; any painted pixel is "change" (alpha 0).
  const m = cropMask(mask, crop);
  const mScaled = await sharp(m.data, { raw: { width: crop.width, height: crop.height, channels: 1 } })
    .extend({ ...pad, background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .resize(api.width, api.height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  if (mScaled.length !== api.width * api.height) throw new Error('API mask has an unexpected shape');
  const rgba = new Uint8Array(api.width * api.height * 4);
  for (let i = 0, n = api.width * api.height; i < n; i++) rgba[i * 4 + 3] = mScaled[i]! > 0 ? 0 : 255;
  const maskPng = await sharp(rgba, { raw: { width: api.width, height: api.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { plan, image: bufToU8(image), mask: bufToU8(maskPng) };
}
