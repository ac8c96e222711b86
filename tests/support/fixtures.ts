/** Test inputs shared by the unit tests: the fixture photos, drawn masks and generated files. */
import path from 'node:path';
import sharp from 'sharp';

/** The shared fixture photos: ../shared/fixtures/photos beside the repo, or MASKROOM_FIXTURES. */
export function fixturesDir(): string {
  return (
    process.env.MASKROOM_FIXTURES || path.resolve(import.meta.dirname, '../../../shared/fixtures/photos')
  );
}

/** A soft-edged white ellipse on black of the given size, as PNG bytes (a mask: luminance = change). */
export async function ellipseMaskPng(
  w: number,
  h: number,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" fill="white"/></svg>`;
  return sharp(Buffer.from(svg)).greyscale().png().toBuffer();
}

/** A JPEG of Gaussian noise (mean 128, sigma 40) of the given size: any export of it differs from its bytes. */
export function noiseJpeg(width: number, height: number, quality: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality })
    .toBuffer();
}

/** The 26-byte header of a Photoshop document (8BPS, version 1, 3 channels, 8 bit, RGB) of the given size. */
export function psdHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(26);
  const v = new DataView(b.buffer);
  b.set(new TextEncoder().encode('8BPS'), 0);
  v.setUint16(4, 1);
  v.setUint16(12, 3);
  v.setUint32(14, height);
  v.setUint32(18, width);
  v.setUint16(22, 8);
  v.setUint16(24, 3);
  return b;
}
