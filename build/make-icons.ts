/**
 * Packaging icons from assets/icons/app-icon.svg (run: npx tsx build/make-icons.ts). Writes
 * build/icon.png (1024 px: electron-builder makes the macOS .icns from it), build/icons/NxN.png (Linux),
 * and build/icon.ico (Windows, PNG-compressed entries). The outputs are committed so
 * packaging needs nothing but electron-builder.
 */
import sharp from 'sharp';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const svg = readFileSync(path.join(root, 'assets/icons/app-icon.svg'));
const out = path.join(root, 'build');
mkdirSync(path.join(out, 'icons'), { recursive: true });

const render = (size: number) =>
  sharp(svg, { density: Math.max(72, (72 * size) / 1024) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer();

await sharp(await render(1024)).toFile(path.join(out, 'icon.png'));
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  writeFileSync(path.join(out, 'icons', `${size}x${size}.png`), await render(size));
}

// ICO: a 6-byte header, one 16-byte entry per image, then the PNG data (Vista+ reads PNG entries).
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const pngs = await Promise.all(icoSizes.map(render));
const header = Buffer.alloc(6 + 16 * pngs.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(pngs.length, 4);
let offset = header.length;
pngs.forEach((png, i) => {
  const size = icoSizes[i] ?? 0;
  const e = 6 + 16 * i;
  header.writeUInt8(size >= 256 ? 0 : size, e);
  header.writeUInt8(size >= 256 ? 0 : size, e + 1);
  header.writeUInt8(0, e + 2);
  header.writeUInt8(0, e + 3);
  header.writeUInt16LE(1, e + 4);
  header.writeUInt16LE(32, e + 6);
  header.writeUInt32LE(png.length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += png.length;
});
writeFileSync(path.join(out, 'icon.ico'), Buffer.concat([header, ...pngs]));
console.log(`Wrote build/icon.png, build/icon.ico and build/icons/*.png from assets/icons/app-icon.svg.`);
