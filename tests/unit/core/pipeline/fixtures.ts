import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { ProjectStore } from '../../../../electron/core/project';
import { ProjectSession } from '../../../../electron/core/pipeline';
import { loadPhoto, maskFromFile, type Mask } from '../../../../electron/core/imaging';
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

/** A new project made from chelsea.png (the cat, 451x300) at p in a fresh temporary folder, and a session on it. */
export async function catProject(prefix: string) {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), prefix)), 'p');
  const photoBytes = await fixture('chelsea.png');
  const photo = await loadPhoto(photoBytes);
  const store = await ProjectStore.create(dir, {
    photo: photoBytes,
    name: 'cat',
    width: photo.width,
    height: photo.height,
    format: photo.format,
  });
  const session = new ProjectSession(store);
  return { dir, store, session, photo };
}

/** An ellipse mask of the photo's size, as the pipeline takes it. */
export async function ellipseOn(
  photo: { width: number; height: number },
  cx: number,
  cy: number,
  rx: number,
  ry: number,
): Promise<Mask> {
  return maskFromFile(
    await ellipseMask(photo.width, photo.height, cx, cy, rx, ry),
    photo.width,
    photo.height,
  );
}
