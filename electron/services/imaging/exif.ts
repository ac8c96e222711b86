/**
 * Minimal EXIF surgery for export: orientation set to 1 (the pixels are upright) and the embedded
 * thumbnail (IFD1) dropped, since it would show the photo before the edit. Everything else is kept as is.
 */

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** Strips a leading "Exif\0\0" if present, returning the TIFF structure. */
export function exifTiff(exif: Uint8Array): Uint8Array {
  if (exif.length >= 6 && EXIF_HEADER.every((b, i) => exif[i] === b)) return exif.subarray(6);
  return exif;
}

/** Returns a copy of the EXIF TIFF block with Orientation = 1 and no IFD1; null when it cannot be parsed. */
export function normaliseExif(exif: Uint8Array): Uint8Array | null {
  const tiff = new Uint8Array(exifTiff(exif));
  if (tiff.length < 8) return null;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  const be = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!le && !be) return null;
  const dv = new DataView(tiff.buffer);
  if (dv.getUint16(2, le) !== 42) return null;
  const ifd0 = dv.getUint32(4, le);
  if (ifd0 + 2 > tiff.length) return null;
  const n = dv.getUint16(ifd0, le);
  const end = ifd0 + 2 + n * 12;
  if (end + 4 > tiff.length) return null;
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    if (dv.getUint16(e, le) === 0x0112 && dv.getUint16(e + 2, le) === 3) dv.setUint16(e + 8, 1, le);
  }
  dv.setUint32(end, 0, le); // no IFD1 (thumbnail)
  return tiff;
}

/** Reads EXIF Orientation (1 when absent or unreadable). */
export function exifOrientation(exif: Uint8Array): number {
  const tiff = exifTiff(exif);
  if (tiff.length < 8) return 1;
  const le = tiff[0] === 0x49;
  const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd0 = dv.getUint32(4, le);
  if (ifd0 + 2 > tiff.length) return 1;
  const n = dv.getUint16(ifd0, le);
  for (let i = 0; i < n; i++) {
    const e = ifd0 + 2 + i * 12;
    if (e + 12 > tiff.length) return 1;
    if (dv.getUint16(e, le) === 0x0112) return dv.getUint16(e + 8, le);
  }
  return 1;
}
