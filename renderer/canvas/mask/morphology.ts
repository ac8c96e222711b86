/**
 * Grey-level grow (dilation) and shrink (erosion) of an 8-bit mask, pure TS, in place.
 *
 * The structuring element is round: the disc of radius r of shared/mask-morphology.ts, the same code the
 * imaging core grows and shrinks masks with, so the mask sent for an edit is grown exactly as the one on
 * screen. Pixels outside the buffer are ignored (each window is cut at the border), so shrinking does not
 * eat a mask from the photo's edge. Cost: about 3·(2r + 1) operations per pixel of the buffer.
 */
import { dilateDisc, erodeDisc } from '../../../shared/mask-morphology';

/** Grey-level dilation by a disc of radius r (in place). */
export function dilate(buf: Uint8Array, w: number, h: number, r: number): void {
  dilateDisc(buf, w, h, r);
}

/** Grey-level erosion by a disc of radius r (in place): the dual of dilate, with the border ignored. */
export function erode(buf: Uint8Array, w: number, h: number, r: number): void {
  erodeDisc(buf, w, h, r);
}
