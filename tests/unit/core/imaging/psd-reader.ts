/**
 * An independent PSD reader for tests: ImageMagick (identify/convert), not ag-psd, so the writer is checked
 * against a second implementation of the format. .ci/run installs ImageMagick on a fresh machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MagickLayer {
  width: number;
  height: number;
  depth: number;
  x: number;
  y: number;
  label: string;
}

function run(cmd: string, args: string[]): Buffer {
  try {
    return execFileSync(cmd, args, { maxBuffer: 512 * 1024 * 1024, timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new Error(
        `${cmd} is missing: install ImageMagick (apt-get install -y imagemagick) to run the PSD tests`,
        { cause: e },
      );
    throw e;
  }
}

export function psdFile(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'maskroom-psd-'));
  const file = path.join(dir, 'out.psd');
  writeFileSync(file, bytes);
  return file;
}

/** Every image ImageMagick sees in the file: [0] is the composite, then the layers bottom to top. */
export function magickLayers(file: string): MagickLayer[] {
  const text = run('identify', ['-format', '%w\t%h\t%z\t%X\t%Y\t%l\n', file]).toString('utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [w, h, z, x, y, ...label] = line.split('\t');
      return {
        width: Number(w),
        height: Number(h),
        depth: Number(z),
        x: Number(x),
        y: Number(y),
        label: label.join('\t'),
      };
    });
}

/** The composite's pixels as 8-bit RGB, as ImageMagick decodes them (no colour conversion). */
export function magickCompositeRgb(file: string): Uint8Array {
  return new Uint8Array(run('convert', [`${file}[0]`, '-depth', '8', 'rgb:-']));
}

/** The ICC profile ImageMagick finds in the file (empty when none). */
export function magickIcc(file: string): Uint8Array {
  try {
    return new Uint8Array(
      execFileSync('convert', [`${file}[0]`, 'icc:-'], { timeout: 60_000, stdio: 'pipe' }),
    );
  } catch {
    return new Uint8Array(0);
  }
}

/**
 * One image of the file (0 the composite, then the layers bottom to top) as ImageMagick decodes it at 16
 * bits: 'rgb', 'rgba' or 'alpha' samples, interleaved. ImageMagick applies a layer's mask to its alpha.
 */
export function magick16(
  file: string,
  index: number,
  map: 'rgb' | 'rgba' | 'alpha',
  opts: { unblend?: boolean } = {},
): Uint16Array {
  // A transparent composite is stored blended over white; ImageMagick takes the white out unless told not to.
  const defines = opts.unblend === false ? ['-define', 'psd:alpha-unblend=off'] : [];
  const args =
    map === 'alpha'
      ? [...defines, `${file}[${index}]`, '-alpha', 'extract', '-depth', '16', '-endian', 'MSB', 'gray:-']
      : [...defines, `${file}[${index}]`, '-depth', '16', '-endian', 'MSB', `${map}:-`];
  const raw = run('convert', args);
  const out = new Uint16Array(raw.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = raw.readUInt16BE(i * 2);
  return out;
}
