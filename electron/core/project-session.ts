/**
 * ProjectSession is one open project in memory: the store plus the decoded original and a cache of the
 * current flattened image, so a second edit neither re-decodes the photo nor re-applies every layer. It also
 * renders previews (screen-sized, cached on disk by stack) and keeps the flattened image on disk
 * (cache/current.bin) for deep stacks.
 */
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { AppError } from '../../shared/errors';
import {
  applyPatches,
  decodePatch,
  encodeMaskPng,
  loadPhoto,
  renderPreview,
  type ImagingLimits,
  type Mask,
  type Patch,
  type Photo,
  type RegionPlan,
} from './imaging';
// Not re-exported by the imaging index; used on a private copy only (see applyStream).
import {
  applyPatchInPlace,
  checkInside,
  filtersKnown,
  inflateRows,
  readPatch,
  unfilterRows,
  type PatchRows,
} from './imaging/patch';
import {
  AreaCover,
  bandBytes,
  bandsMatch,
  blendCoveredRows8,
  coverage,
  inflateBands,
  neededRows,
  parseBandIndex,
  readPatchHead,
  topOpaque,
  type BandIndex,
} from './imaging/patch-bands';
import {
  FlattenStripes,
  rowCosts,
  StripeFailure,
  type RunSource,
  type TopMap,
} from './imaging/flatten-stripes';
import { maskSourcePng } from './imaging/mask';
import { loadPhotoRegion } from './imaging/load';
import { checkRegionRect, cutRegion, sameRect, wholeRegion, type PhotoRegion } from './imaging/region';
import type { ProjectStore } from './project';
import { CACHE_DIR, type StoredLayer } from './project';
import type { Rect } from '../../shared/contract';
import { PreviewCache, previewKey } from './project/preview-cache';
import { damagedLayerFix } from './damaged-layer-fix';
import { readAhead } from './read-ahead';

export interface SessionOptions {
  limits?: Partial<ImagingLimits>;
  /** Keep the flattened image on disk (cache/current.bin) once at least this many layers are visible. Default 8. */
  diskCacheMinLayers?: number;
  /**
   * Rewrite cache/current.bin only once the stack has grown this many layers past the one it holds (a
   * prefix of the stack is applied from in a moment), so an edit rarely pays for a full-frame write. Default 8.
   */
  diskCacheRefreshLayers?: number;
  /**
   * Write cache/current.bin in the background after a new current image is flattened, when persistCache
   * would (default true; the write waits behind the answer and close() waits for it).
   */
  persistInBackground?: boolean;
  /** Told how many of the layers being applied are applied, every 8 layers (0 first): long flattens show it. */
  onFlattenProgress?: (applied: number, total: number) => void;
  /**
   * An edit decodes and flattens only the region it sends (editSource -> currentRegion), for a host that
   * needs no whole image after it: the CLI's edit, whose process ends with the edit. Default false: the app
   * keeps the whole current image, which it shows next (the new layer is then applied to it, not flattened
   * again from the original).
   */
  regionEdits?: boolean;
  /**
   * Called each time a region of the original has been handed to libvips to decode (currentRegion): the main
   * thread waits on it for tens of ms, which the CLI uses to load the edit client's module.
   */
  whileRegionDecodes?: () => void;
  /**
   * A region of the original already being decoded (the CLI starts it as soon as the mask is read, while the
   * project opens), with the plan it was decoded for, or null while there is none yet: asked the first time
   * currentRegion would decode the original, and used when it is of the same rectangle (otherwise
   * currentRegion decodes its own). Asked once per session: the layers are applied onto the region in place,
   * so a second use would start from a region already written.
   */
  originalRegion?: () => { plan: RegionPlan; region: Promise<PhotoRegion> } | null;
  /**
   * Worker threads that inflate and blend a planned flatten, one horizontal stripe of the frame each
   * (flatten-stripes.ts); 0 does it all on the main thread. Default 2 (the development machine's cores).
   */
  flattenWorkers?: number;
  /** Stacks of fewer layers are flattened on the main thread (starting workers costs more). Default 8. */
  flattenWorkersFrom?: number;
  /** Most bytes a flatten holds read ahead of the layer it applies (AHEAD_BYTES, 256 MB, by default). */
  aheadBytes?: number;
}

/** What a preview shows: the original, the current image, or the image right after a layer. */
export type PreviewTarget = { kind: 'original' } | { kind: 'current' } | { kind: 'layer'; layerId: string };

export interface RenderedPreview {
  data: Uint8Array;
  width: number;
  height: number;
  /** Whether it came from cache/ (no pixel of the photo was decoded). */
  cached: boolean;
}

/** Decoded patches a flatten keeps ahead of the one it applies (each at most a few tens of MB). */
const DECODE_AHEAD = 6;
/** onFlattenProgress is told after every this many layers (and after the last). */
const PROGRESS_EVERY = 8;
/** Worker threads of a planned flatten (one stripe of the frame each), and the stacks that get them. */
const FLATTEN_WORKERS = 2;
const FLATTEN_WORKERS_FROM = 8;
/** Files a striped flatten reads ahead of the layer it hands out (reads only: nothing is inflated here). */
const READ_AHEAD = 16;
/**
 * Most bytes a flatten holds read ahead of the layer it applies (DECODE_AHEAD's inflated rows, READ_AHEAD's
 * deflated bands): a few tens of MB on a 24 MP stack, but a 100 MP frame's patch inflates to 400 MB (800 MB
 * at 16 bit), and six or sixteen of them would be gigabytes beside the image itself.
 */
const AHEAD_BYTES = 256 * 2 ** 20;
/** Bytes read of each patch file for its header and band index before the flatten (more when it is longer). */
const HEAD_BYTES = 32 * 1024;

/** A banded patch's index as the flatten's first pass read it, and where its stream lies in the file. */
interface PatchIndex {
  index: BandIndex;
  depth: 8 | 16;
  idatAt: number;
  idatLength: number;
}

/**
 * A patch read for a front-to-back planned flatten: the runs of bands that hold rows it needs (rows relative
 * to its rectangle), or, for a file without a usable index, the whole patch; `need` is each row's end (neededRows).
 */
type CoveredPatch =
  | {
      kind: 'bands';
      rect: Rect;
      depth: 8 | 16;
      runs: Array<{ y: number; rows: Uint8Array }>;
      need: Uint32Array;
    }
  | { kind: 'whole'; patch: Patch | PatchRows; need: Uint32Array }
  /** A banded file whose parts are not what its index (read first) says: the plan is dropped. */
  | { kind: 'replan' };

/** What applyStriped reads of a layer: as CoveredPatch, but banded files' runs still deflated. */
type CoveredPart =
  | { kind: 'bands'; rect: Rect; depth: 8 | 16; runs: RunSource[]; need: Uint32Array }
  | Exclude<CoveredPatch, { kind: 'bands' }>;

const inflate = promisify(zlib.inflate);
/** The current cache file: raw pixels, read straight into the image. */
const CACHE_MAGIC = 'MRFLAT2\n';
/** The first version (deflated pixels), still read so an older project reopens from its cache. */
const CACHE_MAGIC_V1 = 'MRFLAT1\n';

interface CacheHeader {
  key: string[];
  width: number;
  height: number;
  channels: 3 | 4;
  depth: 8 | 16;
  format: string;
  icc: string | null;
  exif: string | null;
  /** Version 2: CRC-32 of the pixel bytes. */
  crc32?: number;
}

/** Where the pixels start: after magic, header length and header, rounded up to 8 bytes (aligned samples). */
function pixelOffset(headerLength: number): number {
  return Math.ceil((CACHE_MAGIC.length + 4 + headerLength) / 8) * 8;
}

/**
 * The flattened image as a cache file: magic, header length (u32 LE), JSON header, zero padding to a multiple
 * of 8 bytes, then the raw pixels in host order (little-endian on every platform Maskroom runs on). Raw
 * rather than deflated: a photo's pixels deflate only to about 70% (level 1), and inflating 70 MB costs
 * several hundred ms on every open while reading 100 MB costs tens.
 */
function encodeFlat(key: string[], p: Photo): Uint8Array {
  const px = Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);
  const header: CacheHeader = {
    key,
    width: p.width,
    height: p.height,
    channels: p.channels,
    depth: p.depth,
    format: p.format,
    icc: p.icc ? Buffer.from(p.icc).toString('base64') : null,
    exif: p.exif ? Buffer.from(p.exif).toString('base64') : null,
    crc32: zlib.crc32(px),
  };
  const h = Buffer.from(JSON.stringify(header));
  const start = pixelOffset(h.length);
  // Not zero-filled first (a full frame: tens of ms on the event loop); every byte is written below.
  const out = Buffer.allocUnsafe(start + px.length);
  out.write(CACHE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(h.length, CACHE_MAGIC.length);
  h.copy(out, CACHE_MAGIC.length + 4);
  out.fill(0, CACHE_MAGIC.length + 4 + h.length, start);
  px.copy(out, start);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The cached image, or null for a file that is damaged, cut short or of another version. */
async function decodeFlat(bytes: Uint8Array): Promise<{ key: string[]; photo: Photo } | null> {
  try {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = b.subarray(0, CACHE_MAGIC.length).toString('latin1');
    if (magic !== CACHE_MAGIC && magic !== CACHE_MAGIC_V1) return null;
    const hl = b.readUInt32LE(CACHE_MAGIC.length);
    const start = CACHE_MAGIC.length + 4;
    const h = JSON.parse(b.subarray(start, start + hl).toString()) as CacheHeader;
    const size = h.width * h.height * h.channels * (h.depth / 8);
    let raw: Buffer;
    if (magic === CACHE_MAGIC) {
      raw = b.subarray(pixelOffset(hl));
      if (raw.length !== size || zlib.crc32(raw) !== h.crc32) return null;
    } else {
      raw = await inflate(b.subarray(start + hl));
      if (raw.length !== size) return null;
    }
    const pixels =
      h.depth === 16
        ? raw.byteOffset % 2 === 0
          ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2)
          : new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length))
        : new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const photo: Photo = {
      width: h.width,
      height: h.height,
      channels: h.channels,
      depth: h.depth,
      pixels,
      format: h.format,
      icc: h.icc ? new Uint8Array(Buffer.from(h.icc, 'base64')) : null,
      exif: h.exif ? new Uint8Array(Buffer.from(h.exif, 'base64')) : null,
    };
    return { key: h.key, photo };
  } catch {
    return null;
  }
}

/** Whether r lies inside a frame of width x height. */
function inside(r: Rect, width: number, height: number): boolean {
  return r.x >= 0 && r.y >= 0 && r.x + r.width <= width && r.y + r.height <= height;
}

/** The smallest rectangle holding all of these (at least one). */
function boundingBox(rects: Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.width));
  const y1 = Math.max(...rects.map((r) => r.y + r.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const w = Math.min(a.x + a.width, b.x + b.width) - x;
  const h = Math.min(a.y + a.height, b.y + b.height) - y;
  return w > 0 && h > 0 ? { x, y, width: w, height: h } : null;
}

/** The part of a patch inside box (a copy of those rows), the patch itself when it lies inside, or null. */
function clipPatch(p: Patch, box: Rect): Patch | null {
  const r = intersect(p.rect, box);
  if (!r) return null;
  if (r.width === p.rect.width && r.height === p.rect.height) return p;
  const rgba =
    p.depth === 16 ? new Uint16Array(r.width * r.height * 4) : new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y - p.rect.y + y) * p.rect.width + (r.x - p.rect.x)) * 4;
    rgba.set(p.rgba.subarray(from, from + r.width * 4), y * r.width * 4);
  }
  return { rect: r, depth: p.depth, rgba };
}

/** Copies the pixels of src inside box into dst (same size and layout). */
function copyRect(src: Photo, dst: Photo, box: Rect): void {
  const ch = src.channels;
  for (let y = box.y; y < box.y + box.height; y++) {
    const from = (y * src.width + box.x) * ch;
    dst.pixels.set(src.pixels.subarray(from, from + box.width * ch), from);
  }
}

function isPrefix(prefix: string[], of: string[]): boolean {
  return prefix.length <= of.length && prefix.every((id, i) => of[i] === id);
}

/** One open project: the store, the decoded original, the current image cached by its visible stack. */
export class ProjectSession {
  private original: Promise<Photo> | null = null;
  private flat: { key: string[]; photo: Promise<Photo> } | null = null;
  /** Whether SessionOptions.originalRegion has been asked (it is asked once). */
  private aheadAsked = false;
  /** The stack the on-disk cache holds (undefined: not read yet). */
  private diskKey: string[] | null | undefined = undefined;
  private disk: Promise<{ key: string[]; photo: Photo } | null> | null = null;
  private readonly previews: PreviewCache;
  /** Preview and cache files being written; close() waits for them. */
  private readonly writes = new Set<Promise<void>>();
  /** The rectangle of every layer this session flattened, for rebuilding without one deleted since. */
  private readonly seenRects = new Map<string, Rect>();
  /** cache/current.bin writes, one after another. */
  private cacheWrites: Promise<unknown> = Promise.resolve();
  /** The full-frame edit mask encoded once, for every variation that shares it. */
  private readonly maskPngs = new WeakMap<Mask, Promise<Uint8Array>>();

  constructor(
    readonly store: ProjectStore,
    private readonly opts: SessionOptions = {},
  ) {
    this.previews = new PreviewCache(path.join(store.dir, CACHE_DIR), () => !store.readOnly);
  }

  /**
   * The edit mask as PNG, encoded once per mask (the variations of one edit share theirs). A mask read from a
   * PNG file (maskFromFile) is journaled as that file: it reads back as the same mask, and the full frame is
   * not encoded at all.
   */
  maskPng(mask: Mask): Promise<Uint8Array> {
    let p = this.maskPngs.get(mask);
    if (!p) {
      const file = maskSourcePng(mask);
      p = file ? Promise.resolve(file) : encodeMaskPng(mask);
      this.maskPngs.set(mask, p);
      p.catch(() => this.maskPngs.delete(mask));
    }
    return p;
  }

  /**
   * A screen-sized preview (sRGB JPEG, longest side maxSize) of a target. It is kept in cache/ by the stack
   * it shows, so reopening a deep project, or going back to a state the history shows, reads one small file
   * instead of decoding the original and applying every layer; full resolution is decoded only when asked
   * for (zoom, export, an edit).
   */
  async preview(target: PreviewTarget, maxSize: number): Promise<RenderedPreview> {
    const stack =
      target.kind === 'original'
        ? []
        : target.kind === 'current'
          ? this.usableVisible()
          : this.stackUpTo(target.layerId);
    const key = previewKey(
      stack.map((l) => l.id),
      maxSize,
    );
    const k = Math.min(1, maxSize / Math.max(this.store.width, this.store.height));
    const width = Math.max(1, Math.round(this.store.width * k));
    const height = Math.max(1, Math.round(this.store.height * k));
    // A layer whose files are gone is said so (as rendering it from its files would), not shown from cache.
    const usable = target.kind !== 'layer' || !this.store.damaged(target.layerId);
    const hit = usable ? await this.previews.get(key) : null;
    if (hit) return { data: hit, width, height, cached: true };
    const photo =
      target.kind === 'original'
        ? await this.originalPhoto()
        : target.kind === 'current'
          ? await this.current()
          : await this.flatten(stack);
    const data = await renderPreview(photo, maxSize);
    // Written behind the answer: the preview is on screen before its file is on disk.
    const w = this.previews.put(key, data).catch(() => undefined);
    this.writes.add(w);
    void w.then(() => this.writes.delete(w));
    return { data, width, height, cached: false };
  }

  /** Waits for preview files still being written (tests, close). */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  /** The original photo, decoded once per session. */
  originalPhoto(): Promise<Photo> {
    if (!this.original) {
      this.original = this.store
        .readOriginal()
        .then((b) => loadPhoto(b, this.opts.limits))
        .then((p) => this.checkedSize(p, p));
      this.original.catch(() => (this.original = null));
    }
    return this.original;
  }

  /**
   * `value`, once the original photo's decoded size is the one project.json gives (every layer's rectangle
   * and every mask are checked against that size, so a photo of another size is refused, not drawn into).
   */
  private checkedSize<T>(value: T, size: { width: number; height: number }): T {
    const { width, height } = this.store;
    if (size.width === width && size.height === height) return value;
    throw new AppError(
      'corrupt-project',
      `The project's original photo (${this.store.snapshot().original.file}) is ${size.width}x${size.height} pixels but project.json says ${width}x${height}; the photo is untouched, restore project.json from a backup or start a new project from the original.`,
    );
  }

  /** A layer's patch, decoded (its damage, when the file is missing or does not decode, said as such). */
  patchOf(layer: StoredLayer): Promise<Patch> {
    return this.readLayerPatch(layer, decodePatch);
  }

  /** A layer's patch as the flatten applies it (our own files as their inflated rows; see readPatch). */
  private rowsOf(layer: StoredLayer): Promise<Patch | PatchRows> {
    return this.readLayerPatch(layer, readPatch);
  }

  private async readLayerPatch<T>(
    layer: StoredLayer,
    decode: (bytes: Uint8Array, rect: Rect) => Promise<T>,
  ): Promise<T> {
    const damaged = this.store.damaged(layer.id);
    if (damaged) throw damagedLayerError(this.store, layer, damaged);
    try {
      const bytes = await this.store.readLayerFile(layer.id, 'patch');
      return await decode(bytes, layer.rect);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `layers/${layer.files.patch} is missing`
          : `layers/${layer.files.patch} cannot be read (${code ?? 'it does not decode'})`;
      this.store.markDamaged(layer.id, reason);
      throw damagedLayerError(this.store, layer, reason);
    }
  }

  /** The visible layers that can be applied (a damaged layer is left out of the image, never dropped). */
  usableVisible(): StoredLayer[] {
    return this.store.visibleLayers().filter((l) => !this.store.damaged(l.id));
  }

  /** Visible layers whose files are damaged, with their 1-based position in the stack (for messages). */
  damagedVisible(): Array<{ position: number; layer: StoredLayer; reason: string }> {
    return this.store
      .layers()
      .map((layer, i) => ({ position: i + 1, layer, reason: this.store.damaged(layer.id) }))
      .filter(
        (x): x is { position: number; layer: StoredLayer; reason: string } =>
          x.layer.visible && x.reason !== null,
      );
  }

  /** The original with the given layers applied in order. */
  async flatten(layers: StoredLayer[]): Promise<Photo> {
    const ids = layers.map((l) => l.id);
    for (const l of layers) this.seenRects.set(l.id, l.rect);
    const cached = this.flat;
    // Reuse the cached image when its stack is a prefix of the wanted one: apply only the new layers.
    if (cached && isPrefix(cached.key, ids)) {
      const rest = layers.slice(cached.key.length);
      if (rest.length === 0) return cached.photo;
      return this.applyStream(cached.photo, rest);
    }
    // The flattened image a previous session left on disk, when it is a prefix of this stack.
    const disk = await this.diskCache();
    if (disk && disk.key.length > 0 && isPrefix(disk.key, ids)) {
      return this.applyStream(disk.photo, layers.slice(disk.key.length));
    }
    // Layers hidden or deleted from a stack held in memory or on disk (an undo hides the top one): rebuilt
    // only inside those layers' box, from the original and the layers that reach into it.
    const held = cached
      ? await cached.photo.then(
          (photo) => ({ key: cached.key, photo }),
          () => null,
        )
      : null;
    for (const h of [held, disk]) {
      const rebuilt = h && h.key.length > 0 ? await this.rebuildWithout(h, layers) : null;
      if (rebuilt) return rebuilt;
    }
    // The original decodes while the first patches do.
    return this.applyStream(this.originalPhoto(), layers);
  }

  /**
   * The image of `layers` made from a held image of a stack that holds them all in the same order plus some
   * others (hidden or deleted since): outside the box around the others' rectangles no pixel changed, since
   * the same layers apply there in the same order; inside it the original's pixels are put back and every
   * layer that reaches into the box is applied again, cut to it. Bit-identical to a flatten from the
   * original. Null when that does not fit (a layer of the held stack was deleted before this session saw it,
   * or the box covers more than half the frame, where the full flatten costs little more).
   */
  private async rebuildWithout(
    held: { key: string[]; photo: Photo },
    layers: StoredLayer[],
  ): Promise<Photo | null> {
    let j = 0;
    for (const id of held.key) if (j < layers.length && layers[j]!.id === id) j++;
    if (j !== layers.length || held.key.length === layers.length) return null;
    const wanted = new Set(layers.map((l) => l.id));
    const rects = held.key
      .filter((id) => !wanted.has(id))
      .map((id) => (this.store.hasLayer(id) ? this.store.layer(id).rect : this.seenRects.get(id)));
    if (!rects.every((r): r is Rect => r !== undefined)) return null;
    const box = boundingBox(rects);
    if (box.width * box.height > 0.5 * this.store.width * this.store.height) return null;
    const original = await this.originalPhoto();
    if (original.width !== held.photo.width || original.height !== held.photo.height) return null;
    const out = applyPatches(held.photo, []);
    copyRect(original, out, box);
    const touching = layers.filter((l) => intersect(l.rect, box) !== null);
    return this.applyStream(out, touching, { owned: true, clip: box });
  }

  /**
   * Applies the layers' patches in order onto a copy of base, decoding them as a stream: up to
   * DECODE_AHEAD patches inflate on libuv's pool (our own patch files; any other PNG decodes with sharp,
   * there too) while the main thread unfilters and blends the one before them,
   * and base (the original, still decoding, or a cached image) is awaited only when the first patch is
   * ready. Memory holds at most DECODE_AHEAD decoded patches, never the whole stack.
   */
  private async applyStream(
    base: Photo | Promise<Photo>,
    layers: StoredLayer[],
    o: { owned?: boolean; clip?: Rect } = {},
  ): Promise<Photo> {
    const n = layers.length;
    if (n === 0) return base;
    if (!o.clip && !o.owned && n > 1) {
      const planned = await this.applyPlanned(base, layers);
      if (planned) return planned;
    }
    const take = readAhead(n, DECODE_AHEAD, (j) => this.rowsOf(layers[j]!), {
      cost: (j) => decodedBytes(layers[j]!.rect),
      budget: this.aheadBytes,
    });
    const progress = this.opts.onFlattenProgress;
    progress?.(0, n);
    let img: Photo | null = o.owned ? await base : null;
    for (let i = 0; i < n; i++) {
      const decoded = (await take(i))!;
      const patch = o.clip ? clipPatch('rows' in decoded ? unfilterRows(decoded) : decoded, o.clip) : decoded;
      // One copy (base may be the shared original or the cached image), then in place.
      if (!patch) continue;
      if (!img) img = applyPatches(await base, [patch]);
      else applyPatchInPlace(img, patch);
      if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === n) progress?.(i + 1, n);
    }
    return img ?? base;
  }

  /**
   * applyStream planned front to back, for stacks of banded patches (patch-bands.ts): first every layer's
   * band index is read (a few KB of each file, while the original decodes), and from the opaque runs they
   * record, the topmost layer opaque at each pixel. Then the layers are applied in order as before, but a
   * layer reads and inflates only the bands holding a row that some pixel no layer above covers can change,
   * blends only those rows and pixels (8 bit on 8 bit), and a layer with no such row is not read at all. The
   * samples are those of applying every patch whole: a pixel left out is one that a layer above it writes
   * exactly (alpha at its maximum), whatever lay there. Files without an index are read whole and claim no
   * cover. Null when no layer above another has an index (nothing to plan: applyStream goes on as before).
   *
   * A stack of flattenWorkersFrom layers or more whose banded patches are 8 bit is inflated and blended by
   * flattenWorkers worker threads, one stripe of the frame each (applyStriped); when a worker fails, the
   * flatten is done here on the main thread from the start (the workers' image is dropped, never shown).
   */
  private async applyPlanned(base: Photo | Promise<Photo>, layers: StoredLayer[]): Promise<Photo | null> {
    const threads = this.opts.flattenWorkers ?? FLATTEN_WORKERS;
    const { width, height } = this.store;
    // Started at once: the workers start while the band indexes are read and the original decodes.
    const pool =
      threads > 0 && layers.length >= (this.opts.flattenWorkersFrom ?? FLATTEN_WORKERS_FROM)
        ? new FlattenStripes(threads, width, height)
        : null;
    try {
      return await this.planAndApply(pool, base, layers);
    } finally {
      pool?.close();
    }
  }

  private async planAndApply(
    pool: FlattenStripes | null,
    base: Photo | Promise<Photo>,
    layers: StoredLayer[],
  ): Promise<Photo | null> {
    const heads = await Promise.all(layers.map((l) => this.indexOf(l)));
    if (!heads.some((h, i) => h !== null && i > 0)) return null;
    const { width, height } = this.store;
    // Workers only for 8-bit patches (the photo is then 8 bit; another image is found when it decodes).
    const workers = pool !== null && heads.every((h) => !h || h.depth === 8);
    const top = topOpaque(
      width,
      height,
      layers.map((l, i) => ({ rect: l.rect, index: heads[i]?.index ?? null })),
      workers,
    );
    const cover = coverage(top, width, height);
    // A rectangle outside the frame is read and applied, so that it fails as it always did.
    const needs = layers.map((l, j) =>
      inside(l.rect, width, height)
        ? neededRows(cover, l.rect, heads[j]?.index ?? null, j + 1)
        : new Uint32Array(l.rect.height).fill(l.rect.width),
    );
    if (workers) {
      try {
        return await this.applyStriped(pool, base, layers, heads, needs, top);
      } catch (e) {
        if (!(e instanceof StripeFailure)) throw e;
        // A band that does not read: as below, the stack is applied whole as the files now are.
        if (e.reason === 'replan') return null;
      }
    }
    return this.applyPlannedHere(base, layers, heads, needs, top);
  }

  /** Most bytes a flatten holds read ahead of the layer it applies. */
  private get aheadBytes(): number {
    return this.opts.aheadBytes ?? AHEAD_BYTES;
  }

  /**
   * A planned flatten's reads ahead of the layer it applies: up to `ahead` layers, within aheadBytes of what
   * they hold (plannedBytes, `as` deflated bands or inflated rows); a wholly hidden layer reads nothing.
   */
  private plannedAhead<T>(
    layers: StoredLayer[],
    headOf: (j: number) => PatchIndex | null,
    needs: Array<Uint32Array | null>,
    ahead: number,
    as: 'bands' | 'rows',
    read: (l: StoredLayer, head: PatchIndex | null, need: Uint32Array) => Promise<T>,
  ): (i: number) => Promise<T | null> {
    return readAhead(
      layers.length,
      ahead,
      (j) => {
        const need = needs[j]!;
        return need ? read(layers[j]!, headOf(j), need) : null;
      },
      { cost: (j) => plannedBytes(layers[j]!, headOf(j), needs[j]!, as), budget: this.aheadBytes },
    );
  }

  /** The planned rows of each layer (readPlanned), up to DECODE_AHEAD files read ahead within the budget. */
  private rowsAhead(
    layers: StoredLayer[],
    heads: Array<PatchIndex | null>,
    needs: Array<Uint32Array | null>,
  ): (i: number) => Promise<CoveredPatch | null> {
    return this.plannedAhead(
      layers,
      (j) => heads[j] ?? null,
      needs,
      DECODE_AHEAD,
      'rows',
      (l, h, need) => this.readPlanned(l, h, need),
    );
  }

  /** applyPlanned on the main thread: the rows are inflated on libuv's pool and blended here. */
  private async applyPlannedHere(
    base: Photo | Promise<Photo>,
    layers: StoredLayer[],
    heads: Array<PatchIndex | null>,
    needs: Array<Uint32Array | null>,
    top: TopMap,
  ): Promise<Photo | null> {
    const { width, height } = this.store;
    const n = layers.length;
    const take = this.rowsAhead(layers, heads, needs);
    const progress = this.opts.onFlattenProgress;
    progress?.(0, n);
    let img: Photo | null = null;
    for (let i = 0; i < n; i++) {
      const decoded = await take(i);
      // A file whose parts are not its index's (damaged, or replaced since its head was read): what layers
      // below left out by that index may show, so the stack is applied whole as the files now are.
      if (decoded?.kind === 'replan') return null;
      if (decoded) {
        if (!img) {
          const b = await base;
          // The plan is in the project's frame: an image of another size takes the plain stream.
          if (b.width !== width || b.height !== height) return null;
          img = applyPatches(b, []);
        }
        applyCovered(img, decoded, top, i + 1);
      }
      if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === n) progress?.(i + 1, n);
    }
    return img ?? base;
  }

  /**
   * applyPlanned by the workers of `pool`: this thread reads the bands each layer needs (not inflated) and
   * hands them out in stack order, up to READ_AHEAD files read ahead; the original, once decoded, is copied
   * into the shared image the workers blend into. A layer the workers do not take (a file without an index
   * that libvips decoded, or a rectangle outside the frame) is applied here, once every layer below it is.
   * Throws StripeFailure when a worker fails or finds a band that does not read.
   */
  private async applyStriped(
    pool: FlattenStripes,
    base: Photo | Promise<Photo>,
    layers: StoredLayer[],
    heads: Array<PatchIndex | null>,
    needs: Array<Uint32Array | null>,
    top: TopMap,
  ): Promise<Photo | null> {
    const { width, height } = this.store;
    const n = layers.length;
    const cost = rowCosts(
      height,
      layers.map((l, j) => ({ rect: l.rect, need: needs[j]!, bandRows: heads[j]?.index.bandRows ?? 0 })),
    );
    await pool.plan(top, cost, (applied) => {
      if (applied % PROGRESS_EVERY === 0 || applied === n) this.opts.onFlattenProgress?.(applied, n);
    });
    // The shared image once the original is decoded; null for a photo the plan does not fit (the plain
    // stream takes it), StripeFailure for one that is not 8 bit (the main thread's plan takes it).
    const shared = Promise.resolve(base).then((b) => {
      if (b.width !== width || b.height !== height) return null;
      if (b.depth !== 8) throw new StripeFailure('worker');
      return pool.image(b);
    });
    // Without an image the workers apply nothing: the pool is ended, so that no wait on them lasts.
    shared.then(
      (img) => img ?? pool.close(),
      () => pool.close(),
    );
    // A rectangle outside the frame is read whole and applied here, to fail as it always did.
    const headOf = (j: number) => (inside(layers[j]!.rect, width, height) ? (heads[j] ?? null) : null);
    const take = this.plannedAhead(layers, headOf, needs, READ_AHEAD, 'bands', (l, h, need) =>
      this.readParts(l, h, need),
    );
    this.opts.onFlattenProgress?.(0, n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const part = await take(i);
      if (!part) {
        pool.skip(i + 1);
        continue;
      }
      if (part.kind === 'replan') return null;
      any = true;
      const r = layers[i]!.rect;
      if (part.kind === 'bands') {
        await pool.layer(i + 1, r, part.need, part.runs);
      } else if (inside(r, width, height) && 'rows' in part.patch && part.patch.depth === 8) {
        await pool.layer(i + 1, r, part.need, [{ y: 0, count: r.height, rows: part.patch.rows }]);
      } else {
        const img = await shared;
        if (!img) return null;
        await pool.sync();
        applyCovered(img, part, top, i + 1);
        pool.skip(i + 1);
      }
    }
    const img = await shared;
    if (!img) return null;
    await pool.finish();
    return any ? img : base;
  }

  /**
   * What applyStriped hands out of a layer: for a banded file, the deflate bytes of the runs of bands holding
   * a needed row (read, not inflated: the workers check and inflate them); otherwise as readPlanned.
   */
  private async readParts(l: StoredLayer, head: PatchIndex | null, need: Uint32Array): Promise<CoveredPart> {
    if (!head || this.store.damaged(l.id)) return { kind: 'whole', patch: await this.rowsOf(l), need };
    const { index } = head;
    try {
      const runs = await Promise.all(
        neededSpans(index, l.rect.height, need).map(async (s) => {
          const { from, to } = bandBytes(index, s.first, s.last);
          const data = await this.store.readLayerFilePart(l.id, 'patch', to - from, head.idatAt + from);
          return { y: s.y, count: s.count, bands: { index, first: s.first, last: s.last, data } };
        }),
      );
      return { kind: 'bands', rect: l.rect, depth: head.depth, runs, need };
    } catch {
      return { kind: 'replan' };
    }
  }

  /** A layer's band index (its patch file's head), or null: not banded, damaged, unreadable or inconsistent. */
  private async indexOf(l: StoredLayer): Promise<PatchIndex | null> {
    if (this.store.damaged(l.id)) return null;
    try {
      let bytes = await this.store.readLayerFilePart(l.id, 'patch', HEAD_BYTES);
      let head = readPatchHead(bytes);
      if (head && 'need' in head && bytes.length >= HEAD_BYTES) {
        bytes = await this.store.readLayerFilePart(l.id, 'patch', head.need);
        head = readPatchHead(bytes);
      }
      if (!head || 'need' in head || !head.index) return null;
      if (head.width !== l.rect.width || head.height !== l.rect.height) return null;
      const index = parseBandIndex(head.index, head.width, head.height);
      // One IDAT chunk holding exactly the stream the index describes (as encodeBandedPatch writes it).
      if (!index || head.idatLength !== index.offsets[index.offsets.length - 1]! + 6) return null;
      return { index, depth: head.depth, idatAt: head.idatAt, idatLength: head.idatLength };
    } catch {
      // Read again (and its damage said) when the layer is applied.
      return null;
    }
  }

  /**
   * Reads what a planned flatten needs of a layer: for a banded file (its index read in the first pass), only
   * the deflate bytes of the runs of bands holding a needed row, each run read and inflated on libuv's pool,
   * every band checked against its CRC-32 in the index (a layer needing every band reads its whole stream,
   * whose Adler-32 zlib checks, and its bands' CRC-32s); a file without an index, the whole file as readPatch
   * reads it. When a part does not read, check or inflate, 'replan': the index the plan was made from is not
   * this file's (damaged, or replaced since), so applyPlanned gives up and the plain stream reads every file
   * whole (and says any damage as before).
   */
  private async readPlanned(
    l: StoredLayer,
    head: PatchIndex | null,
    need: Uint32Array,
  ): Promise<CoveredPatch> {
    const whole = async (): Promise<CoveredPatch> => ({ kind: 'whole', patch: await this.rowsOf(l), need });
    if (!head || this.store.damaged(l.id)) return whole();
    const { index } = head;
    const stride = 1 + l.rect.width * 4 * (head.depth / 8);
    const nBands = index.offsets.length - 1;
    const spans = neededSpans(index, l.rect.height, need);
    try {
      const inflated = await Promise.all(
        spans.map(async (s) => {
          const size = s.count * stride;
          let rows: Uint8Array | null;
          if (s.first === 0 && s.last === nBands - 1) {
            // Every band: the whole stream, inflated with its header and Adler-32 checked.
            const idat = await this.store.readLayerFilePart(l.id, 'patch', head.idatLength, head.idatAt);
            // Its bands checked too: a replaced file's stream of the same length has its own Adler-32.
            const data = idat.subarray(2, idat.length - 4);
            rows =
              idat.length === head.idatLength && bandsMatch(data, index, 0, nBands - 1)
                ? await inflateRows(idat, size)
                : null;
          } else {
            const { from, to } = bandBytes(index, s.first, s.last);
            const data = await this.store.readLayerFilePart(l.id, 'patch', to - from, head.idatAt + from);
            rows = await inflateBands(data, index, s.first, s.last, size);
          }
          return rows && filtersKnown(rows, s.count) ? rows : null;
        }),
      );
      if (inflated.some((r) => r === null)) return { kind: 'replan' };
      const runs = spans.map((s, i) => ({ y: s.y, rows: inflated[i]! }));
      return { kind: 'bands', rect: l.rect, depth: head.depth, runs, need };
    } catch {
      return { kind: 'replan' };
    }
  }

  private diskCache(): Promise<{ key: string[]; photo: Photo } | null> {
    if (!this.disk) {
      this.disk = this.store.readCache().then((b) => (b ? decodeFlat(b) : null));
      void this.disk.then((d) => (this.diskKey = d?.key ?? null));
    }
    return this.disk;
  }

  /**
   * Writes the current flattened image to the project's cache when the stack is deep enough for that to pay
   * off and the cache holds another stack. Derived data: a crash while writing it loses nothing. One write
   * at a time: a call made during a write waits for it, then decides again.
   */
  persistCache(): Promise<boolean> {
    return this.queueWrite(() => this.writeCacheIfDue(false));
  }

  private queueWrite(fn: () => Promise<boolean>): Promise<boolean> {
    const run = this.cacheWrites.then(fn);
    this.cacheWrites = run.catch(() => false);
    return run;
  }

  /**
   * @param onlyHeld write only the image this session already holds for the visible stack (a background
   *   write must never flatten again, e.g. after forgetDecoded).
   */
  private async writeCacheIfDue(onlyHeld: boolean): Promise<boolean> {
    const visible = this.usableVisible().map((l) => l.id);
    if (this.store.readOnly || visible.length < (this.opts.diskCacheMinLayers ?? 8)) return false;
    if (this.diskKey === undefined) await this.diskCache();
    if (this.diskKey && sameIds(this.diskKey, visible)) return false;
    // A prefix a few layers short is nearly as good: rewriting the full frame after every edit is not.
    const refresh = this.opts.diskCacheRefreshLayers ?? 8;
    if (this.diskKey && this.diskKey.length > 0 && isPrefix(this.diskKey, visible)) {
      if (visible.length - this.diskKey.length < refresh) return false;
    }
    if (onlyHeld) {
      if (!(this.flat && sameIds(this.flat.key, visible))) return false;
      // Behind the answer, only for new layers: a hide or an undo is rebuilt from the file as it is (see
      // flatten), so toggling a layer does not rewrite a full frame (into a synced folder, say) each time.
      const onDisk = new Set(this.diskKey ?? []);
      if (this.diskKey && visible.filter((id) => !onDisk.has(id)).length < refresh) return false;
    }
    const photo = await this.current();
    if (
      !sameIds(
        this.usableVisible().map((l) => l.id),
        visible,
      )
    )
      return false;
    await this.store.writeCache(encodeFlat(visible, photo));
    this.diskKey = visible;
    this.disk = Promise.resolve({ key: visible, photo });
    return true;
  }

  /**
   * After a new current image is flattened, writes it to cache/current.bin behind the answer when due (see
   * persistCache) and the stack holds at least diskCacheRefreshLayers layers the file does not (none: no
   * usable file), so a deep project reopens from it even when the app is not closed cleanly. close() waits
   * for it.
   */
  private persistInBackground(): void {
    if (this.store.readOnly || this.opts.persistInBackground === false) return;
    const w = this.queueWrite(() => this.writeCacheIfDue(true)).then(
      () => undefined,
      () => undefined,
    );
    this.writes.add(w);
    void w.then(() => this.writes.delete(w));
  }

  /** The current image: the original with the visible (undamaged) layers applied. Cached. */
  current(): Promise<Photo> {
    const visible = this.usableVisible();
    const key = visible.map((l) => l.id);
    if (this.flat && sameIds(this.flat.key, key)) return this.flat.photo;
    const photo = this.flatten(visible);
    const entry = { key, photo };
    this.flat = entry;
    photo.then(
      () => this.persistInBackground(),
      () => {
        if (this.flat === entry) this.flat = null;
      },
    );
    return photo;
  }

  /**
   * The current image inside `rect` only, sample for sample what current() holds there: what an edit reads
   * before it is sent (the API inputs and the composite's preparation use only the crop). The image made and
   * the plan's maps are the rectangle's size; what is read and inflated is not bounded by it:
   * - The base: a cut of an image held in memory, or the original decoded in `rect` (loadPhotoRegion: a
   *   JPEG's rows below it are not decoded at all; the original was checked whole when the project was
   *   made). An image this session holds of a part of the visible stack (an earlier stack's current image,
   *   cache/current.bin once read) is cut instead of the original, and only the layers after it are
   *   applied. One held of the whole visible stack is returned whole (wholeRegion: no copy; callers find
   *   `rect` in it with inRegion).
   * - The visible layers that reach into `rect`, planned over the rectangle alone (regionPlanned): a layer
   *   whose rectangle opaque pixels of layers above hide inside `rect` reads nothing; a banded layer reads
   *   only the bands holding a row of `rect` that some pixel left uncovered there can change, but inflates
   *   them at its own full width (memory grows with the layer's width times those bands' rows). A layer
   *   without a band index (an old project's file, or libpng's) is read and inflated whole, and so is every
   *   layer reaching into `rect` when the plan is dropped (a file replaced or damaged since its index was
   *   read): for a layer as large as the frame, a read and a buffer of the frame's size.
   * A layer hidden inside `rect` (or away from it) is never opened, so damage to its file goes unseen here:
   * the region is still right (that layer cannot change a pixel of it) where current() would throw
   * damaged-layer. That is deliberate: opening the file only to say so would read what the plan saves; the
   * next whole flatten (current(), an export) says it. A rectangle not inside the frame is refused, whatever
   * is held (checkRegionRect).
   */
  async currentRegion(rect: Rect): Promise<PhotoRegion> {
    // Before anything held is used: a held image would be cut (or returned whole) without a look at `rect`.
    checkRegionRect(rect, this.store.width, this.store.height);
    const visible = this.usableVisible();
    const key = visible.map((l) => l.id);
    // An image of the whole visible stack at hand (held, or cache/current.bin as read) is returned whole,
    // not cut (see above).
    const held = await this.heldPrefix(key);
    if (held && held.key.length === key.length) return wholeRegion(held.photo);
    const layers = visible.slice(held?.key.length ?? 0).filter((l) => intersect(l.rect, rect) !== null);
    const base = (): Promise<PhotoRegion> =>
      held
        ? Promise.resolve(cutRegion(held.photo, rect))
        : this.original
          ? this.original.then((o) => cutRegion(o, rect))
          : (
              this.originalAhead(rect) ??
              this.store
                .readOriginal()
                .then((b) => loadPhotoRegion(b, rect, this.opts.limits, this.opts.whileRegionDecodes))
            ).then((r) => this.checkedSize(r, r));
    // The original decodes while the band indexes are read.
    const first = base();
    // A file whose parts are not what its index said (replaced since, or damaged): the plan is dropped and
    // every layer reaching into the rectangle is read whole as it now is, cut to it, on a fresh base.
    return (
      (await this.regionPlanned(first, rect, layers, true)) ??
      (await this.regionPlanned(base(), rect, layers, false))!
    );
  }

  /** The region SessionOptions.originalRegion gives for `rect`, the first time only; else null. */
  private originalAhead(rect: Rect): Promise<PhotoRegion> | null {
    if (this.aheadAsked || !this.opts.originalRegion) return null;
    this.aheadAsked = true;
    const a = this.opts.originalRegion();
    return a && sameRect(a.plan.crop, rect) ? a.region : null;
  }

  /**
   * The longest image held in memory whose stack is a prefix of `ids` (this session's current image of an
   * earlier stack, or cache/current.bin as this session has already read it), or null. cache/current.bin is
   * never read for a region: its pixels are checked by one CRC-32 over all of them, so using any part of it
   * means reading and holding the whole frame (72 MB at 24 MP, 300 at 100 MP), far more than the original's
   * file and the bands a rectangle needs, and a buffer of the frame's size, which a region must not take.
   */
  private async heldPrefix(ids: string[]): Promise<{ key: string[]; photo: Photo } | null> {
    const found: Array<{ key: string[]; photo: Photo } | null> = [];
    const flat = this.flat;
    if (flat && isPrefix(flat.key, ids))
      found.push(
        await flat.photo.then(
          (photo) => ({ key: flat.key, photo }),
          () => null,
        ),
      );
    if (this.disk && this.diskKey && isPrefix(this.diskKey, ids)) found.push(await this.disk);
    const { width, height } = this.store;
    let best: { key: string[]; photo: Photo } | null = null;
    for (const h of found)
      if (
        h &&
        h.photo.width === width &&
        h.photo.height === height &&
        (!best || h.key.length > best.key.length)
      )
        best = h;
    return best;
  }

  /**
   * The layers (in stack order, each reaching into `rect`) applied onto the region `base` resolves to,
   * planned over the rectangle as applyPlanned plans the frame, with maps of the rectangle's size only.
   * `planned`: the layers' band indexes are read from the top of the stack down, and a layer whose rectangle
   * the opaque runs of those above hide inside `rect` (AreaCover) is not read at all, not even its head; the
   * map of the topmost opaque layer at each pixel of `rect` (topOpaque) gives each layer's needed rows there
   * (neededRows: rows outside `rect` have none), readPlanned reads the bands holding them, and applyCovered
   * blends them cut to the rectangle. Without `planned` no index is read: every layer is read whole and
   * applied cut to the rectangle (an old project's files without an index are read so either way). Null
   * when a banded file's parts are not what its index said (readPlanned's 'replan').
   */
  private async regionPlanned(
    base: Promise<PhotoRegion>,
    rect: Rect,
    layers: StoredLayer[],
    planned: boolean,
  ): Promise<PhotoRegion | null> {
    // Awaited only once a layer is to be applied; a failure must not go unhandled when a read ends the call.
    base.catch(() => undefined);
    const { width, height } = this.store;
    // As the whole flatten does, a rectangle outside the photo fails (the project is damaged).
    for (const l of layers) checkInside(this.store, l.rect);
    const heads: Array<PatchIndex | null> = layers.map(() => null);
    const hidden = layers.map(() => false);
    if (planned) {
      const above = new AreaCover(rect);
      for (let j = layers.length - 1; j >= 0; j--) {
        const l = layers[j]!;
        if (above.hides(l.rect)) hidden[j] = true;
        else if ((heads[j] = await this.indexOf(l))) above.add(l.rect, heads[j]!.index);
      }
    }
    const top = topOpaque(
      width,
      height,
      layers.map((l, j) => ({ rect: l.rect, index: heads[j]?.index ?? null })),
      false,
      rect,
    );
    const cover = coverage(top, rect.width, rect.height, rect.x, rect.y);
    const needs = layers.map((l, j) =>
      hidden[j] ? null : neededRows(cover, l.rect, heads[j]?.index ?? null, j + 1),
    );
    const take = this.rowsAhead(layers, heads, needs);
    let region: PhotoRegion | null = null;
    for (let i = 0; i < layers.length; i++) {
      const read = await take(i);
      if (!read) continue;
      if (read.kind === 'replan') return null;
      region ??= await base;
      applyCovered(region.photo, read, top, i + 1, rect);
    }
    return region ?? base;
  }

  /**
   * What an edit builds its inputs from: the region holding `crop` with regionEdits (currentRegion), else
   * the whole current image (as a region covering all of it).
   */
  async editSource(crop: Rect): Promise<PhotoRegion> {
    return this.opts.regionEdits ? this.currentRegion(crop) : wholeRegion(await this.current());
  }

  /** The image right after this layer: the visible stack before it, plus the layer itself. */
  async upTo(layerId: string): Promise<Photo> {
    return this.flatten(this.stackUpTo(layerId));
  }

  private stackUpTo(layerId: string): StoredLayer[] {
    const layers = this.store.layers();
    const idx = layers.findIndex((l) => l.id === layerId);
    if (idx < 0) this.store.layer(layerId); // throws not-found
    return layers.slice(0, idx + 1).filter((l, i) => i === idx || (l.visible && !this.store.damaged(l.id)));
  }

  /**
   * Lets go of the decoded photo and the flattened image (they are decoded again when next needed): a batch
   * calls it while an edit waits on the service, so waiting photos hold no pixels.
   */
  forgetDecoded(): void {
    this.flat = null;
    this.original = null;
    this.disk = null;
    this.diskKey = undefined;
  }

  async close(): Promise<void> {
    await this.settled();
    this.flat = null;
    this.disk = null;
    this.original = null;
    await this.store.close();
  }
}

/**
 * Applies what readPlanned read of layer k (1-based) in place: the needed rows, uncovered pixels (8 bit).
 * Without `area`, img is the whole frame (and a layer outside it fails); with it, img is that rectangle of
 * the frame (currentRegion: the layer was checked against the frame), `top` is laid out as img is, and the
 * layer is applied cut to it.
 */
function applyCovered(
  img: Photo,
  c: Exclude<CoveredPatch, { kind: 'replan' }>,
  top: ArrayLike<number>,
  k: number,
  area?: Rect,
): void {
  const rect = c.kind === 'whole' ? c.patch.rect : c.rect;
  if (!area) checkInside(img, rect);
  // The layer's rectangle in img's own coordinates, and its first column inside img.
  const at = area ? { ...rect, x: rect.x - area.x, y: rect.y - area.y } : rect;
  const from = Math.max(0, -at.x);
  if (c.kind === 'whole') {
    const p = c.patch;
    if ('rows' in p && img.depth === 8 && p.depth === 8)
      blendCoveredRows8(img, at, 0, p.rows, c.need, top, k, from);
    else applyCut(img, { ...p, rect: at });
    return;
  }
  const stride = 1 + c.rect.width * 4 * (c.depth / 8);
  for (const run of c.runs) {
    if (img.depth === 8 && c.depth === 8) {
      blendCoveredRows8(img, at, run.y, run.rows, c.need, top, k, from);
    } else {
      const r = { ...at, y: at.y + run.y, height: run.rows.length / stride };
      applyCut(img, { rect: r, depth: c.depth, rows: run.rows });
    }
  }
}

/** A patch applied to img, cut to it when it does not lie inside (its rectangle in img's coordinates). */
function applyCut(img: Photo, p: Patch | PatchRows): void {
  if (inside(p.rect, img.width, img.height)) return applyPatchInPlace(img, p);
  const cut = clipPatch('rows' in p ? unfilterRows(p) : p, {
    x: 0,
    y: 0,
    width: img.width,
    height: img.height,
  });
  if (cut) applyPatchInPlace(img, cut);
}

/** A patch of `rect` inflated to its filtered rows, at most: 16 bit RGBA plus each row's filter byte. */
function decodedBytes(rect: Rect): number {
  return Math.max(0, rect.height) * (1 + Math.max(0, rect.width) * 8);
}

/**
 * What a planned flatten holds of a layer once read (0 for one it does not read): the needed bands, as
 * their deflated bytes (`bands`, applyStriped) or their inflated rows (`rows`, applyPlannedHere); a file
 * without a usable index is read and inflated whole.
 */
function plannedBytes(
  l: StoredLayer,
  head: PatchIndex | null,
  need: Uint32Array | null,
  as: 'bands' | 'rows',
): number {
  if (!need) return 0;
  if (!head) return decodedBytes(l.rect);
  const stride = 1 + l.rect.width * 4 * (head.depth / 8);
  let bytes = 0;
  for (const s of neededSpans(head.index, l.rect.height, need)) {
    if (as === 'rows') bytes += s.count * stride;
    else {
      const { from, to } = bandBytes(head.index, s.first, s.last);
      bytes += to - from;
    }
  }
  return bytes;
}

/**
 * The runs of adjacent bands holding a row with a need (neededRows), each with its first row (relative to
 * the rectangle) and its number of rows.
 */
function neededSpans(
  index: BandIndex,
  height: number,
  need: Uint32Array,
): Array<{ first: number; last: number; y: number; count: number }> {
  const { bandRows } = index;
  const nBands = index.offsets.length - 1;
  const spans: Array<{ first: number; last: number; y: number; count: number }> = [];
  for (let b = 0; b < nBands; b++) {
    let needed = false;
    for (let y = b * bandRows; y < Math.min(height, (b + 1) * bandRows) && !needed; y++)
      needed = need[y]! > 0;
    if (!needed) continue;
    const last = spans[spans.length - 1];
    if (last && last.last === b - 1) last.last = b;
    else spans.push({ first: b, last: b, y: b * bandRows, count: 0 });
  }
  for (const sp of spans) sp.count = Math.min(height, (sp.last + 1) * bandRows) - sp.y;
  return spans;
}

/** The one-sentence error for a layer whose files cannot be used. */
function damagedLayerError(store: ProjectStore, layer: StoredLayer, reason: string): AppError {
  const n = store.layers().findIndex((l) => l.id === layer.id) + 1;
  return new AppError(
    'damaged-layer',
    `Layer ${n} ("${layer.prompt}", ${layer.id}) cannot be used because ${reason}; ${damagedLayerFix(reason)} or hide that layer.`,
  );
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
