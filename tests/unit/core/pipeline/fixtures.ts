import path from 'node:path';
import { promises as fs } from 'node:fs';
import { ellipseMaskPng, fixturesDir } from '../../../support/fixtures';

export async function fixture(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await fs.readFile(path.join(fixturesDir(), name)));
}

/** A white ellipse on black of the given size (a soft-edged mask PNG, luminance = change). */
export async function ellipseMask(
  ...ellipse: Parameters<typeof ellipseMaskPng>
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await ellipseMaskPng(...ellipse));
}
