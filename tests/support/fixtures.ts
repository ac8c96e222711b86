/** Test inputs shared by the unit tests: the fixture photos and drawn masks. */
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
