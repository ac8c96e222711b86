import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';

/** The shared fixture photos: ../shared/fixtures/photos from the repo root, or MASKROOM_FIXTURES. */
export function fixturesDir(): string {
  return (
    process.env.MASKROOM_FIXTURES || path.resolve(import.meta.dirname, '../../../../shared/fixtures/photos')
  );
}

export async function fixture(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await fs.readFile(path.join(fixturesDir(), name)));
}

/** A white ellipse on black of the given size (a soft-edged mask PNG, luminance = change). */
export async function ellipseMask(
  w: number,
  h: number,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" fill="white"/></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).greyscale().png().toBuffer());
}
