/**
 * Child process for measuring an export's peak memory: makes a photo of the given size, resets the peak
 * resident set (Linux: /proc/self/clear_refs), exports it, and prints one JSON line with the resident set
 * before the export and its peak during it (bytes). Usage:
 *   export-memory-child.ts <jpeg|png|webp|tiff|psd> <width> <height> [8|16]
 * A PSD is the layered one: the photo as the original, 4 small edit layers and a composite (a second frame,
 * made before the measurement starts, as a session holds it). The measurement is memory, never time.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import os from 'node:os';
import path from 'node:path';
import * as imaging from '../../../../electron/core/imaging';
import { applyPatches, exportImage, type Patch, type Photo } from '../../../../electron/core/imaging';
import * as psd from '../../../../electron/core/imaging/export-psd';
import { grainyPhoto } from './helpers';

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Four 400x300 edits spread over the photo, soft-edged. */
function smallPatches(photo: Photo): Patch[] {
  const max = photo.depth === 16 ? 65535 : 255;
  return [0, 1, 2, 3].map((k) => {
    const width = Math.min(400, photo.width);
    const height = Math.min(300, photo.height);
    const x = Math.floor(((photo.width - width) * (k + 1)) / 5);
    const y = Math.floor(((photo.height - height) * (4 - k)) / 5);
    const n = width * height * 4;
    const rgba = photo.depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const px = (i / 4) % width;
      rgba[i] = (px * max) / width;
      rgba[i + 1] = max / 2;
      rgba[i + 2] = max - (px * max) / width;
      rgba[i + 3] = px < 20 ? (px * max) / 20 : max;
    }
    return { rect: { x, y, width, height }, depth: photo.depth, rgba };
  });
}

async function main(): Promise<void> {
  const [format, w, h, d, where] = process.argv.slice(2);
  const width = Number(w);
  const height = Number(h);
  const depth = d === '16' ? 16 : 8;
  sharp.cache(false);
  const photo = grainyPhoto(width, height, depth);
  const patches = format === 'psd' ? smallPatches(photo) : [];
  const composite = format === 'psd' ? applyPatches(photo, patches) : photo;
  const before = statusKb('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const edits = patches.map((patch, i) => ({ name: `edit ${i}`, patch }));
  const opts = { format: format as 'jpeg' | 'tiff' | 'png' | 'webp', quality: 90 };
  let bytes: number;
  if (where === 'file') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maskroom-export-memory-'));
    const file = path.join(dir, `out.${format}`);
    try {
      bytes =
        format === 'psd'
          ? await imaging.writeStreamedFile(file, (sink) =>
              psd.writeLayeredPsd(photo, edits, composite, sink),
            )
          : await imaging.exportImageToFile(photo, opts, file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const out =
      format === 'psd' ? (await psd.encodePsd(photo, edits, composite)).data : await exportImage(photo, opts);
    bytes = out.length;
  }
  const peak = statusKb('VmHWM');
  process.stdout.write(`${JSON.stringify({ before, peak, bytes })}\n`);
}

void main();
