/**
 * Paths main accepts: only from an open dialog, a file the OS asked Maskroom to open (command line,
 * second launch, macOS open-file) or the library. The renderer never names a path. Every path is checked
 * here before it is read: an existing regular file, a photo by its extension, not absurdly large.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { AppError } from '../../shared/errors';
import { OPEN_EXTENSIONS, openLabels } from '../../shared/formats';

/** The photo types Maskroom opens: the open rows of shared/formats.ts. */
export const PHOTO_EXTENSIONS: readonly string[] = OPEN_EXTENSIONS;
export const MAX_PHOTO_BYTES = 1024 * 1024 * 1024;

export function isPhotoName(p: string): boolean {
  const ext = path.extname(p).slice(1).toLowerCase();
  return PHOTO_EXTENSIONS.includes(ext);
}

/**
 * The photo a launch asks to open: the last argument that is not a switch and names a photo, made
 * absolute against the launching process's working directory. Works for a packaged app
 * ([exe, file]), a development run ([electron, '.', file]) and a second instance's argv (which Chromium
 * may pad with its own --switches).
 */
export function photoFromArgv(argv: readonly string[], cwd: string): string | null {
  for (let i = argv.length - 1; i >= 1; i--) {
    const a = argv[i];
    if (!a || a.startsWith('-')) continue;
    if (a.startsWith('file://')) {
      try {
        const p = decodeURIComponent(new URL(a).pathname);
        if (isPhotoName(p)) return path.resolve(p);
      } catch {
        // not a usable URL: ignore it
      }
      continue;
    }
    if (isPhotoName(a)) return path.resolve(cwd, a);
  }
  return null;
}

export interface CheckedPhoto {
  path: string;
  name: string;
  size: number;
}

export interface PathFs {
  realpath(p: string): Promise<string>;
  stat(p: string): Promise<{ isFile(): boolean; size: number }>;
}

const nodeFs: PathFs = { realpath: (p) => fsp.realpath(p), stat: (p) => fsp.stat(p) };

/** Throws an AppError that says what to do when the path is not a photo Maskroom may open. */
export async function checkPhotoPath(p: unknown, fs: PathFs = nodeFs): Promise<CheckedPhoto> {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0') || !path.isAbsolute(p)) {
    throw new AppError(
      'invalid-input',
      'Maskroom was given a file location it cannot use; open the photo with File > Open Photo instead.',
    );
  }
  if (!isPhotoName(p)) {
    throw new AppError(
      'unsupported-image',
      `"${path.basename(p)}" is not a photo Maskroom opens; open a ${openLabels()} file instead.`,
    );
  }
  let real: string;
  let st: { isFile(): boolean; size: number };
  try {
    real = await fs.realpath(p);
    st = await fs.stat(real);
  } catch {
    throw new AppError(
      'not-found',
      `The photo "${path.basename(p)}" could not be found; check that it still exists and open it again.`,
    );
  }
  if (!st.isFile()) {
    throw new AppError(
      'unsupported-image',
      `"${path.basename(p)}" is not a file; open a photo file instead.`,
    );
  }
  if (!isPhotoName(real)) {
    throw new AppError(
      'unsupported-image',
      `"${path.basename(p)}" links to something that is not a photo; open the photo itself.`,
    );
  }
  if (st.size === 0 || st.size > MAX_PHOTO_BYTES) {
    throw new AppError(
      'image-too-large',
      `"${path.basename(p)}" is empty or larger than 1 GB; open a smaller photo.`,
    );
  }
  return { path: real, name: path.basename(p), size: st.size };
}
