/**
 * Child process for measuring an export's peak memory: makes a photo of the given size, resets the peak
 * resident set (Linux: /proc/self/clear_refs), exports it, and prints one JSON line with the resident set
 * before the export and its peak during it (bytes). Usage: export-memory-child.ts <format> <width> <height>
 * [depth]. The measurement is memory, never time.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { exportImage, type Photo } from '../../../../electron/core/imaging';

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function main(): Promise<void> {
  const [format, w, h, d] = process.argv.slice(2);
  const width = Number(w);
  const height = Number(h);
  const depth = d === '16' ? 16 : 8;
  sharp.cache(false);
  const n = width * height * 3;
  const pixels = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = depth === 16 ? 65535 : 255;
  // A smooth picture with a little grain: a JPEG of it is photo-sized, not noise-sized.
  let s = 12345;
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++, i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const v = ((x + y * (c + 1)) / (width + height * 3)) * max + ((s >>> 24) - 128) * (max / 2550);
        pixels[i] = Math.max(0, Math.min(max, v));
      }
  const photo: Photo = { width, height, channels: 3, depth, pixels, format: 'png', icc: null, exif: null };
  const before = statusKb('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const out = await exportImage(photo, {
    format: format as 'jpeg' | 'tiff' | 'png' | 'webp',
    quality: 90,
  });
  const peak = statusKb('VmHWM');
  process.stdout.write(`${JSON.stringify({ before, peak, bytes: out.length })}\n`);
}

void main();
