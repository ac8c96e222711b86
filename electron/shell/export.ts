/** The Export As… dialog's file types, and the format a chosen file name asks for. */
import path from 'node:path';
import type { ExportFormat } from '../../shared/contract';

export const exportFilters: { name: string; extensions: string[] }[] = [
  { name: 'JPEG', extensions: ['jpg', 'jpeg'] },
  { name: 'PNG', extensions: ['png'] },
  { name: 'TIFF', extensions: ['tif', 'tiff'] },
  { name: 'WebP', extensions: ['webp'] },
];

export function exportFormatFromPath(file: string): ExportFormat | null {
  const ext = path.extname(file).slice(1).toLowerCase();
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'png') return 'png';
  if (ext === 'tif' || ext === 'tiff') return 'tiff';
  if (ext === 'webp') return 'webp';
  return null;
}
