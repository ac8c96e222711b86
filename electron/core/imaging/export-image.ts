/**
 * Export of the full image (full resolution, the original's ICC profile and EXIF kept, orientation 1) in
 * every format, written through an `ExportSink`: `exportImage` returns the file in memory, and
 * `exportImageToFile` writes it to disk as it is encoded (atomically: a temporary file beside the target,
 * flushed, then renamed), so a 100 MP export never holds a PNG, TIFF or PSD in memory.
 *
 * What each encoder holds beyond the photo: PNG one strip of filtered rows plus zlib's window; TIFF one
 * strip; PSD one strip of samples (uncompressed, so the file's size is known up front); JPEG the encoded
 * file (libjpeg streams); WebP libwebp's whole-picture buffers (it cannot stream). A 16-bit photo adds one
 * 8-bit frame for JPEG and WebP. In memory, the file itself comes on top (PSD: exactly once; PNG and TIFF:
 * once, and twice for the moment the pieces are joined).
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { syncDir, tempPathFor } from '../fs-atomic';
import { normaliseExif } from './exif';
import { exportFlat } from './export-flat';
import { encodePsd, writeLayeredPsd } from './export-psd';
import { FileSink, MemorySink, type ExportSink } from './export-sink';
import { iccpChunk, pngChunk } from './png';
import { writePngStreamed } from './png-stream';
import { writeTiff } from './tiff';
import type { ExportOptions, Photo } from './types';

/** The PNG's metadata chunks: the photo's profile and its (normalised) EXIF. */
function pngMetadata(image: Photo): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  if (image.icc) chunks.push(iccpChunk(image.icc));
  const exif = image.exif ? normaliseExif(image.exif) : null;
  if (exif) chunks.push(pngChunk('eXIf', exif));
  return chunks;
}

/** Writes the export of `image` into `sink`. */
export async function exportImageTo(image: Photo, opts: ExportOptions, sink: ExportSink): Promise<void> {
  const progress = opts.onProgress;
  if (opts.format === 'png') {
    // Exact pixels at any depth, streamed (png-stream.ts).
    await writePngStreamed(image, sink, {
      level: 6,
      chunks: pngMetadata(image),
      ...(progress ? { onProgress: progress } : {}),
    });
    return;
  }
  // sharp writes TIFF at 8 bit only and no EXIF: our writer keeps 16 bit, the profile and the EXIF tags.
  if (opts.format === 'tiff') return writeTiff(image, sink, progress);
  // A PSD of one image is the flat image as its only layer; the layered one is core/export-layered.ts.
  if (opts.format === 'psd') {
    await writeLayeredPsd(image, [], image, sink, progress ? { onProgress: progress } : {});
    return;
  }
  await sink.write(await flatFile(image, opts.format, opts));
}

/**
 * A JPEG or WebP, encoded by libvips in one call (one step of progress), quality 1..100 (default 92). Pixels
 * stay in the photo's profile (no conversion) and that profile is attached again.
 */
async function flatFile(image: Photo, format: 'jpeg' | 'webp', opts: ExportOptions): Promise<Uint8Array> {
  const q = Math.min(100, Math.max(1, Math.round(opts.quality ?? 92)));
  opts.onProgress?.(0, 1);
  const data = await exportFlat(image, format, q);
  opts.onProgress?.(1, 1);
  return data;
}

/** The export of `image` as one buffer of the file's exact length. */
export async function exportImage(image: Photo, opts: ExportOptions): Promise<Uint8Array> {
  // A PSD's size is known before it is written: one buffer, filled in place.
  if (opts.format === 'psd')
    return (await encodePsd(image, [], image, opts.onProgress ? { onProgress: opts.onProgress } : {})).data;
  // Already one buffer of the file: not copied through a sink.
  if (opts.format === 'jpeg' || opts.format === 'webp') return flatFile(image, opts.format, opts);
  const sink = new MemorySink();
  await exportImageTo(image, opts, sink);
  return sink.bytes();
}

/**
 * Writes the export of `image` to `file` as it is encoded: into a temporary file beside it (`mode`, default
 * 0644), flushed to disk, then renamed over `file`, so a crash or a full disk leaves the old file or none,
 * never a torn one. Returns the file's size in bytes. System errors are rethrown as they are (the caller
 * words them for its user, as for writeFileAtomic; `neededBytes` says how large the file is when the disk
 * filled up).
 */
export async function exportImageToFile(
  image: Photo,
  opts: ExportOptions,
  file: string,
  o: FileWriteOptions = {},
): Promise<number> {
  const { onProgress, ...quiet } = opts;
  return writeStreamedFile(
    file,
    (sink) => exportImageTo(image, onProgress ? { ...quiet, onProgress } : quiet, sink),
    o.mode,
    (sink) => exportImageTo(image, quiet, sink),
    o.beforeRename,
  );
}

/** How a streamed export puts its file in place. */
export interface FileWriteOptions {
  /** The file's permissions (default 0644). */
  mode?: number;
  /**
   * Runs once the temporary file is complete and flushed, just before it is renamed over the file (given
   * the temporary file's path): what must be on disk before the file changes (save back's record of the
   * file it is about to write, save-back.ts). When it fails, the temporary file is removed and nothing is
   * renamed.
   */
  beforeRename?: (tmp: string) => Promise<void>;
}

/** Counts what is written and keeps nothing. */
class CountingSink implements ExportSink {
  length = 0;
  write(chunk: Uint8Array): Promise<void> {
    this.length += chunk.length;
    return Promise.resolve();
  }
  patch(): Promise<void> {
    return Promise.resolve();
  }
}

const fileSizes = new WeakMap<object, number>();

/**
 * The size of the file a streamed write failed to finish because the disk filled up (what the user must free
 * room for), or undefined for other errors.
 */
export function neededBytes(e: unknown): number | undefined {
  return e && typeof e === 'object' ? fileSizes.get(e) : undefined;
}

function diskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Runs `write` into a temporary file beside `file`, then renames it over `file` (see exportImageToFile).
 * `measure` writes the same bytes without side effects (no progress): it is run into a counter when the
 * disk fills up.
 */
export async function writeStreamedFile(
  file: string,
  write: (sink: ExportSink) => Promise<unknown>,
  mode?: number,
  measure: (sink: ExportSink) => Promise<unknown> = write,
  beforeRename?: FileWriteOptions['beforeRename'],
): Promise<number> {
  const tmp = tempPathFor(file);
  const sink = await FileSink.create(
    tmp,
    fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
    mode,
  );
  try {
    await write(sink);
    await sink.finish();
  } catch (e) {
    await sink.abandon();
    await fs.rm(tmp, { force: true });
    // The file's size is known only once it is encoded: on a full disk it is encoded again, kept nowhere,
    // so the message can say how much room the export needs.
    if (diskFull(e) && e && typeof e === 'object') {
      const count = new CountingSink();
      await measure(count).catch(() => undefined);
      fileSizes.set(e, count.length);
    }
    throw e;
  }
  try {
    await beforeRename?.(tmp);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
  return sink.length;
}
