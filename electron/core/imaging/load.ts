/**
 * Opening photos: header probe with limits, then one full decode (upright, own colour space, 8 or 16 bit),
 * or a check that the whole file decodes without keeping its frame (verifyPhoto), or the decode of one
 * rectangle (loadPhotoRegion); full decodes are cached by content hash in an LRU bounded by bytes. libvips
 * gives no EXIF for a TIFF: its own IFD0 tags and Exif/GPS IFDs are read from the file and made into an EXIF
 * block (`exifFromTiffFile`), so exports keep them.
 * Orientation is applied for every format alike (libvips reads a TIFF's Orientation tag too).
 */
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { exifFromTiffFile } from './tiff';
import type { Rect } from '../../../shared/contract';
import { DEFAULT_LIMITS, type ImagingLimits, type Photo, type PhotoInfo } from './types';
import { checkRegionRect, cutRegion, type PhotoRegion } from './region';
import { SHARP_TIMEOUT_SECONDS, bufToU16, bufToU8, sha256 } from './util';
import { greyToSrgbTable } from './grey-profile';

function limitsOf(l?: Partial<ImagingLimits>): ImagingLimits {
  return { ...DEFAULT_LIMITS, ...(l ?? {}) };
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

function looksLikeHeic(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const s = new TextDecoder('latin1').decode(b.subarray(4, 12));
  return s.startsWith('ftyp') && HEIC_BRANDS.has(s.slice(4, 8));
}

/**
 * The sentences below name the file when the caller says what it is called (`name`: a file name, or the
 * path the user typed), as every other sentence about an input file does; unnamed they say "this file".
 */
const theFile = (name: string | undefined, unnamed: string) => (name ? `The file ${name}` : unnamed);

const heicError = (name?: string) =>
  new AppError(
    'unsupported-image',
    `${name ? `The file ${name} is HEIC, which` : 'HEIC'} is not supported by this build; convert the photo to JPEG, TIFF or PNG and open that.`,
  );
const brokenError = (name: string | undefined, cause?: unknown) =>
  new AppError(
    'unsupported-image',
    `${theFile(name, 'The photo file')} is damaged or incomplete; open an intact copy of it.`,
    { cause },
  );
const unknownError = (name: string | undefined, cause?: unknown) =>
  new AppError(
    'unsupported-image',
    `${theFile(name, 'This file')} is not a supported image; open a JPEG, PNG, TIFF, WebP, AVIF or GIF file.`,
    { cause },
  );

function tooManyPixels(w: number, h: number, l: ImagingLimits): AppError {
  const mp = ((w * h) / 1e6).toFixed(0);
  return new AppError(
    'image-too-large',
    `The photo is ${mp} megapixels, more than the ${(l.maxPixels / 1e6).toFixed(0)} MP Maskroom opens; make a smaller copy of it (fewer pixels) and open that.`,
  );
}

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'avif', 'gif']);

/**
 * Header-only look at a photo: format, upright dimensions, depth; size and pixel limits enforced. `name`
 * (the file's name or path, when the caller knows it) is named in the refusals of a file that is not a photo.
 */
export async function probePhoto(
  bytes: Uint8Array,
  limits?: Partial<ImagingLimits>,
  name?: string,
): Promise<PhotoInfo> {
  const l = limitsOf(limits);
  if (bytes.length === 0)
    throw new AppError('unsupported-image', `${theFile(name, 'The file')} is empty; choose the photo again.`);
  if (bytes.length > l.maxFileBytes) {
    throw new AppError(
      'image-too-large',
      `The file is ${(bytes.length / 2 ** 20).toFixed(0)} MB, more than the ${(l.maxFileBytes / 2 ** 20).toFixed(0)} MB Maskroom opens; save a smaller copy of it (compressed, or fewer pixels) and open that.`,
    );
  }
  let m: sharp.Metadata;
  try {
    m = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (e) {
    if (looksLikeHeic(bytes)) throw heicError(name);
    throw unknownError(name, e);
  }
  if (!m.format || !SUPPORTED.has(m.format) || !m.width || !m.height) throw unknownError(name);
  if (m.format === 'heif' && m.compression === 'hevc' && !heicDecodable()) throw heicError(name);
  if (m.width * m.height > l.maxPixels) throw tooManyPixels(m.width, m.height, l);
  const orientation = m.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  const depth: 8 | 16 = m.depth === 'uchar' || m.depth === 'char' ? 8 : 16;
  return {
    width: swap ? m.height : m.width,
    height: swap ? m.width : m.height,
    format: m.format === 'heif' ? (m.compression === 'av1' ? 'avif' : 'heic') : m.format,
    channels: m.channels ?? 3,
    depth,
    hasAlpha: Boolean(m.hasAlpha),
    space: m.space ?? 'srgb',
    orientation,
    hasIcc: Boolean(m.icc),
    fileBytes: bytes.length,
  };
}

/** Whether the installed libheif can decode HEVC (the prebuilt sharp binaries cannot). Overridable for tests. */
let heicProbe: () => boolean = () => false;
function heicDecodable(): boolean {
  return heicProbe();
}
/** @internal for tests and custom builds of sharp/libvips with HEVC. */
export function setHeicDecodable(fn: () => boolean): void {
  heicProbe = fn;
}

let srgbIcc: Promise<Uint8Array | null> | null = null;

/** The sRGB ICC profile libvips ships, read once: the profile of a photo converted to sRGB on open. */
function srgbProfile(): Promise<Uint8Array | null> {
  srgbIcc ??= sharp({ create: { width: 1, height: 1, channels: 3, background: '#000000' } })
    .withIccProfile('srgb')
    .png()
    .toBuffer()
    .then((b) => sharp(b).metadata())
    .then((m) => (m.icc ? new Uint8Array(m.icc) : null))
    .catch(() => null);
  return srgbIcc;
}

/**
 * How a check of the whole file (verifyPhoto) decodes it: to a frame shrunk about 16 times each way, of
 * `width` x `height`. A JPEG is shrunk by 1/`jpegShrink` while it decodes (libjpeg's DCT scaling: every block
 * is still entropy-decoded, only the inverse transform does less), when that factor divides the file's
 * stored height: libvips' shrunk frame is then as many scanlines as libjpeg gives, all read as in the full
 * decode. Otherwise (libvips rounds the shrunk height down: the last scanline, and the last row of MCUs
 * when that scanline is all it gives, would never be decoded, and a file cut short there would pass) a
 * smaller factor that divides it is taken, down to none for an odd height. sharp chooses its factor from
 * the resize (the largest of 8, 4, 2 that the shrink reaches, halved when the shrink is that factor
 * exactly), so the frame asked for is the photo shrunk 2 x `jpegShrink` times, for which it takes at most
 * that factor. Without one (`jpegShrink` 1, and every other format), a whole-frame extract before the resize
 * keeps sharp from shrinking on load: the file is decoded at full size, a band of rows at a time (the whole
 * frame for an orientation that turns it by 90 degrees), into the small frame.
 */
interface CheckPlan {
  width: number;
  height: number;
  jpegShrink: 1 | 2 | 4 | 8;
}

function checkPlan(info: PhotoInfo): CheckPlan {
  const storedHeight = info.orientation >= 5 && info.orientation <= 8 ? info.width : info.height;
  let f: 1 | 2 | 4 | 8 = 1;
  if (info.format === 'jpeg') {
    if (storedHeight % 8 === 0) f = 8;
    else if (storedHeight % 4 === 0) f = 4;
    else if (storedHeight % 2 === 0) f = 2;
  }
  const by = f === 1 ? 16 : 2 * f;
  return {
    width: Math.max(1, Math.ceil(info.width / by)),
    height: Math.max(1, Math.ceil(info.height / by)),
    jpegShrink: f,
  };
}

/**
 * The full decode, or with `rect` only that rectangle of the upright photo: the same steps (orientation,
 * profile, depth) with libvips' crop after the orientation, so the region is the whole decode's pixels
 * there (tests/unit/core/imaging/load-region.test.ts), and libvips decodes no row below it. With `rect`
 * 'check', the same steps into a small frame (checkPlan): every scanline of the file is read, so a file the
 * full decode refuses is refused in the same words (tests/unit/core/imaging/verify-photo.test.ts), but no
 * full frame is held.
 */
async function decode(
  bytes: Uint8Array,
  info: PhotoInfo,
  l: ImagingLimits,
  rect?: Rect | 'check',
  name?: string,
  decoding?: () => void,
): Promise<Photo> {
  const cmykOrGrey = info.space === 'cmyk' || info.space === 'b-w' || info.space === 'grey16';
  // A CMYK photo's pixels become sRGB: it carries the sRGB profile from then on, so its exports are tagged
  // sRGB (an untagged file would leave the colours to each viewer's guess).
  const convertedIcc = info.space === 'cmyk' ? await srgbProfile() : null;
  // RGB pixels are kept in their own profile (ignoreIcc stops sharp converting them to sRGB); grey and CMYK
  // are converted to sRGB through their profile, since an RGB image cannot carry a grey or CMYK profile.
  const keepProfile = !cmykOrGrey;
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: l.maxPixels, failOn: 'error' }).metadata();
  } catch (e) {
    throw unknownError(name, e);
  }
  const s = sharp(bytes, {
    limitInputPixels: l.maxPixels,
    failOn: 'error',
    sequentialRead: true,
    ignoreIcc: keepProfile,
  })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .autoOrient();
  const check = rect === 'check' ? checkPlan(info) : null;
  const crop = rect === 'check' ? undefined : rect;
  if (check) {
    if (check.jpegShrink === 1) s.extract({ left: 0, top: 0, width: info.width, height: info.height });
    s.resize(check.width, check.height, { fit: 'fill', fastShrinkOnLoad: true });
  } else if (crop) s.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
  const want = check ?? crop ?? { width: info.width, height: info.height };
  const channels: 3 | 4 = info.hasAlpha ? 4 : 3;
  // sharp converts a 16-bit grey photo's samples to RGB without its profile (it does apply an 8-bit grey
  // one's): they are mapped through the profile here, by a table the same colour engine made (grey-profile.ts).
  const greyTable =
    info.space === 'grey16' && meta.icc ? await greyToSrgbTable(new Uint8Array(meta.icc)) : null;
  try {
    if (info.depth === 16) {
      const decoded = s.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      decoding?.();
      const { data, info: out } = await decoded;
      const pixels = bufToU16(data);
      if (greyTable) {
        for (let i = 0; i < pixels.length; i += channels) {
          pixels[i] = greyTable[pixels[i]!]!;
          pixels[i + 1] = greyTable[pixels[i + 1]!]!;
          pixels[i + 2] = greyTable[pixels[i + 2]!]!;
        }
      }
      return finish(pixels, out, 16);
    }
    const decoded = s.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    decoding?.();
    const { data, info: out } = await decoded;
    return finish(bufToU8(data), out, 8);
  } catch (e) {
    if (info.format === 'heic') throw heicError(name);
    const msg = e instanceof Error ? e.message : '';
    if (/pixel limit/i.test(msg)) throw tooManyPixels(info.width, info.height, l);
    throw brokenError(name, e);
  }

  function finish(pixels: Uint8Array | Uint16Array, out: sharp.OutputInfo, depth: 8 | 16): Photo {
    if (out.channels !== channels || out.width !== want.width || out.height !== want.height) {
      throw brokenError(
        name,
        new Error(`unexpected decode shape ${out.width}x${out.height}x${out.channels}`),
      );
    }
    return {
      width: out.width,
      height: out.height,
      channels,
      depth,
      pixels,
      icc: keepProfile && meta.icc ? new Uint8Array(meta.icc) : convertedIcc,
      exif: meta.exif ? new Uint8Array(meta.exif) : info.format === 'tiff' ? exifFromTiffFile(bytes) : null,
      format: info.format,
    };
  }
}

// ---- cache ----

interface Entry {
  photo: Photo;
  bytes: number;
}
const cache = new Map<string, Entry>();
let cacheLimit = 768 * 2 ** 20;
let cachedBytes = 0;
let decodes = 0;
let hits = 0;

function photoBytes(p: Photo): number {
  return p.pixels.byteLength + (p.icc?.length ?? 0) + (p.exif?.length ?? 0);
}

/**
 * Decodes a photo (upright, own profile, 8 or 16 bit). Results are cached by content hash: the same bytes
 * decode once. Treat the returned Photo as immutable; it may be shared. `name` as for probePhoto.
 */
export async function loadPhoto(
  bytes: Uint8Array,
  limits?: Partial<ImagingLimits>,
  name?: string,
): Promise<Photo> {
  const l = limitsOf(limits);
  const info = await probePhoto(bytes, l, name);
  const key = sha256(bytes);
  const hit = cache.get(key);
  if (hit) {
    hits++;
    cache.delete(key);
    cache.set(key, hit);
    return hit.photo;
  }
  const photo = await decode(bytes, info, l, undefined, name);
  decodes++;
  const size = photoBytes(photo);
  if (size <= cacheLimit) {
    cache.set(key, { photo, bytes: size });
    cachedBytes += size;
    evict();
  }
  return photo;
}

/**
 * Checks that a photo decodes completely, as loadPhoto would, without holding its decoded frame: the same
 * refusals in the same sentences (probePhoto's, the pixel limit, HEIC, a damaged or incomplete file, not an
 * image), from a decode that reads every scanline of the file but keeps only a frame shrunk about 16 times
 * each way (checkPlan; a JPEG whose stored height is a multiple of 8 is shrunk by 1/8 while it decodes:
 * about a quarter of a full decode's time at 24 MP; every other photo costs a full decode's time). Gives
 * the header's look at the photo. Nothing is cached: a caller that then needs pixels decodes what it needs
 * (loadPhotoRegion).
 */
export async function verifyPhoto(
  bytes: Uint8Array,
  limits?: Partial<ImagingLimits>,
  name?: string,
): Promise<PhotoInfo> {
  const l = limitsOf(limits);
  const info = await probePhoto(bytes, l, name);
  await decode(bytes, info, l, 'check', name);
  return info;
}

/**
 * Decodes one rectangle of the upright photo (in the same space, depth and profile as loadPhoto gives),
 * without decoding the rest of the frame: for a JPEG libvips stops after the rectangle's last row. The
 * whole photo's decode is used instead when it is already cached. Only for a photo known to decode
 * completely (a project's original, checked when the project was made): a damaged part outside the
 * rectangle goes unnoticed. `decoding` is called once libvips has been handed the decode: the caller's
 * thread waits on it from then on, and can do other work meanwhile. `info`, when given, is probePhoto's of
 * these bytes with these limits, started earlier (while the rectangle was not yet known).
 */
export async function loadPhotoRegion(
  bytes: Uint8Array,
  rect: Rect,
  limits?: Partial<ImagingLimits>,
  decoding?: () => void,
  info: Promise<PhotoInfo> = probePhoto(bytes, limits),
): Promise<PhotoRegion> {
  const l = limitsOf(limits);
  const probed = await info;
  checkRegionRect(rect, probed.width, probed.height);
  // No hash of the file when nothing is cached (the CLI's one edit): about 5 ms of a 24 MP JPEG's bytes
  // before its decode could start.
  const hit = cache.size > 0 ? cache.get(sha256(bytes)) : undefined;
  if (hit) {
    hits++;
    return cutRegion(hit.photo, rect);
  }
  const photo = await decode(bytes, probed, l, rect, undefined, decoding);
  return { rect: { ...rect }, photo, width: probed.width, height: probed.height };
}

function evict(): void {
  for (const [k, e] of cache) {
    if (cachedBytes <= cacheLimit) break;
    cache.delete(k);
    cachedBytes -= e.bytes;
  }
}

export function setPhotoCacheLimit(bytes: number): void {
  cacheLimit = Math.max(0, bytes);
  evict();
}

export function clearPhotoCache(): void {
  cache.clear();
  cachedBytes = 0;
}

export function photoCacheStats(): {
  entries: number;
  bytes: number;
  limit: number;
  decodes: number;
  hits: number;
} {
  return { entries: cache.size, bytes: cachedBytes, limit: cacheLimit, decodes, hits };
}
