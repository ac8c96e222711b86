/**
 * Layered export: a PSD whose background layer is the original, with one pixel layer per visible edit
 * placed at its rectangle and its feathered mask as the layer mask, named after its prompt, with the
 * original's ICC profile and the flattened image as the composite (what readers without layers show).
 *
 * The depth follows the original (8 or 16 bits); psd-writer.ts writes the file, streamed, uncompressed. It
 * replaced ag-psd for 8-bit originals, which builds an RGBA canvas of every layer and of the composite plus
 * the file while growing it: at 100 MP that peaked at several GB. Documents past the PSD format's 30,000
 * pixels a side, or whose data would pass 2 GB, are refused (PSB is not written).
 */
import { AppError } from '../../../shared/errors';
import { MemorySink, type ExportSink } from './export-sink';
import { psdSize, writePsd } from './psd-writer';
import type { Patch, Photo } from './types';

/** PSD's own limit on either side; beyond it only the large document format (PSB) can hold the image. */
export const PSD_MAX_SIDE = 30_000;
/** A PSD's sections are addressed with 32-bit lengths; Photoshop itself stops at 2 GB. */
export const PSD_MAX_BYTES = 2 * 1024 ** 3;

export interface PsdEdit {
  /** The layer's name in the PSD (the edit's prompt). */
  name: string;
  patch: Patch;
}

export interface PsdOptions {
  /**
   * 'mask' (default): the layer is opaque in its rectangle and the feathered mask is its layer mask.
   * 'alpha': the mask is the layer's transparency instead, for readers that ignore layer masks.
   */
  maskAs?: 'mask' | 'alpha';
  /** Samples written of all the file's samples, as the writer goes. */
  onProgress?: (done: number, total: number) => void;
}

export interface PsdResult {
  data: Uint8Array;
  /** One sentence per thing the file could not keep (none today: 8 and 16 bits are both kept). */
  warnings: string[];
}

/** Upper bound of the file's size: raw channels of every layer, its mask and the composite. */
function estimateBytes(base: Photo, edits: PsdEdit[]): number {
  let n = base.width * base.height * 4 * 2;
  for (const e of edits) n += e.patch.rect.width * e.patch.rect.height * 5;
  return n * (base.depth === 16 ? 2 : 1);
}

/** Refuses, in one sentence, what a PSD cannot hold. */
function checkPsdLimits(base: Photo, edits: PsdEdit[]): void {
  const { width, height } = base;
  if (width > PSD_MAX_SIDE || height > PSD_MAX_SIDE) {
    throw new AppError(
      'invalid-input',
      `A PSD holds at most ${PSD_MAX_SIDE.toLocaleString('en-US')} pixels a side and this image is ${width}x${height}; export it as TIFF instead.`,
    );
  }
  if (estimateBytes(base, edits) > PSD_MAX_BYTES) {
    throw new AppError(
      'invalid-input',
      `A layered PSD of this ${width}x${height} image with ${edits.length} layers would pass the format's 2 GB limit; hide some layers or export it as TIFF instead.`,
    );
  }
}

/**
 * Writes the layered PSD of `base` (the original) with `edits` (bottom to top) and `composite` (the
 * flattened image, the same size as base) into `sink`. Returns what the file could not keep (nothing today).
 */
export async function writeLayeredPsd(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  sink: ExportSink,
  opts: PsdOptions = {},
): Promise<string[]> {
  checkPsdLimits(base, edits);
  await writePsd(base, edits, composite, sink, opts);
  return [];
}

/** The layered PSD in memory: one buffer of the file's exact size, filled front to back. */
export async function encodePsd(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  opts: PsdOptions = {},
): Promise<PsdResult> {
  checkPsdLimits(base, edits);
  const sink = new MemorySink(psdSize(base, edits, composite, opts.maskAs ?? 'mask'));
  const warnings = await writeLayeredPsd(base, edits, composite, sink, opts);
  return { data: sink.bytes(), warnings };
}
