/**
 * The one table of file formats: what Maskroom opens, what it exports, the extensions and MIME types, and
 * the file associations the installer registers (electron-builder.yml is kept equal to `fileAssociations()`
 * by a unit test). Every list of formats in the code derives from this table.
 *
 * HEIC/HEIF is not here: the bundled libvips has no HEVC decoder, so such a photo cannot be opened, and the
 * installer does not claim it. PSD is exported (layered) but not opened: libvips cannot read it.
 */

export interface FormatInfo {
  /** The format's id: the ExportFormat value for export formats, sharp's name for the others. */
  id: string;
  /** Shown to the user. */
  label: string;
  /** Lower-case extensions without the dot; the first is the one written. */
  extensions: readonly string[];
  mime: string;
  /** A photo of this format can be opened (a project started from it). */
  opens: boolean;
  /** The current image can be exported as this format. */
  exports: boolean;
  /** A photo of this format can be saved back into in place (the same format written again). */
  savesBack: boolean;
  /** The name of the OS file association, or null when the installer does not register the format. */
  association: string | null;
}

export const FORMATS = [
  {
    id: 'jpeg',
    label: 'JPEG',
    extensions: ['jpg', 'jpeg'],
    mime: 'image/jpeg',
    opens: true,
    exports: true,
    savesBack: true,
    association: 'JPEG image',
  },
  {
    id: 'png',
    label: 'PNG',
    extensions: ['png'],
    mime: 'image/png',
    opens: true,
    exports: true,
    savesBack: true,
    association: 'PNG image',
  },
  {
    id: 'tiff',
    label: 'TIFF',
    extensions: ['tif', 'tiff'],
    mime: 'image/tiff',
    opens: true,
    exports: true,
    savesBack: true,
    association: 'TIFF image',
  },
  {
    id: 'webp',
    label: 'WebP',
    extensions: ['webp'],
    mime: 'image/webp',
    opens: true,
    exports: true,
    savesBack: true,
    association: 'WebP image',
  },
  {
    id: 'psd',
    label: 'PSD',
    extensions: ['psd'],
    mime: 'image/vnd.adobe.photoshop',
    opens: false,
    exports: true,
    savesBack: false,
    association: null,
  },
  {
    id: 'avif',
    label: 'AVIF',
    extensions: ['avif'],
    mime: 'image/avif',
    opens: true,
    exports: false,
    savesBack: false,
    association: 'AVIF image',
  },
  {
    id: 'gif',
    label: 'GIF',
    extensions: ['gif'],
    mime: 'image/gif',
    opens: true,
    exports: false,
    savesBack: false,
    association: null,
  },
] as const satisfies readonly FormatInfo[];

type Format = (typeof FORMATS)[number];

/** The formats the current image can be exported as. */
export const EXPORT_FORMAT_IDS = ['jpeg', 'png', 'tiff', 'webp', 'psd'] as const satisfies readonly Extract<
  Format,
  { exports: true }
>['id'][];
export type ExportFormatId = (typeof EXPORT_FORMAT_IDS)[number];

export function formatById(id: string): FormatInfo | undefined {
  return (FORMATS as readonly FormatInfo[]).find((f) => f.id === id.toLowerCase());
}

/** The format a file name's extension names (any case), or undefined. */
export function formatOfName(name: string): FormatInfo | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  return (FORMATS as readonly FormatInfo[]).find((f) => f.extensions.includes(ext));
}

/** The export format a file name asks for, or null. */
export function exportFormatOfName(name: string): ExportFormatId | null {
  const f = formatOfName(name);
  return f && f.exports ? (f.id as ExportFormatId) : null;
}

/** Extensions (without the dot) of the photos Maskroom opens. */
export const OPEN_EXTENSIONS: readonly string[] = FORMATS.filter((f) => f.opens).flatMap((f) => f.extensions);

/** The labels of the formats Maskroom opens, as a sentence's list: "JPEG, PNG, TIFF, WebP, AVIF or GIF". */
export function openLabels(): string {
  const l = FORMATS.filter((f) => f.opens).map((f) => f.label);
  return `${l.slice(0, -1).join(', ')} or ${l[l.length - 1]}`;
}

/** The value of a file input's `accept` for photos Maskroom opens. */
export const OPEN_ACCEPT: string = FORMATS.filter((f) => f.opens)
  .flatMap((f) => [f.mime, ...f.extensions.map((e) => `.${e}`)])
  .join(',');

/** The extension an export format is written with (no dot). */
export function extensionOf(id: ExportFormatId): string {
  return formatById(id)!.extensions[0]!;
}

export function mimeOf(id: ExportFormatId): string {
  return formatById(id)!.mime;
}

/** electron-builder's fileAssociations entries, in the table's order. */
export function fileAssociations(): Array<{
  ext: string | string[];
  name: string;
  mimeType: string;
  role: 'Editor';
}> {
  return (FORMATS as readonly FormatInfo[])
    .filter((f) => f.association !== null)
    .map((f) => ({
      ext: f.extensions.length === 1 ? f.extensions[0]! : [...f.extensions],
      name: f.association!,
      mimeType: f.mime,
      role: 'Editor' as const,
    }));
}

/** The export extensions with their dots, as a sentence's list: ".jpg, .jpeg, .png, … or .psd". */
export function exportExtensions(): string {
  const l = FORMATS.filter((f) => f.exports).flatMap((f) => f.extensions.map((e) => `.${e}`));
  return `${l.slice(0, -1).join(', ')} or ${l[l.length - 1]}`;
}
