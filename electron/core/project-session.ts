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
} from './imaging';
// Not re-exported by the imaging index; used on a private copy only (see applyInBatches).
import { applyPatchInPlace } from './imaging/patch';
import { maskSourcePng } from './imaging/mask';
import type { ProjectStore } from './project';
import { CACHE_DIR, type StoredLayer } from './project';
import { PreviewCache, previewKey } from './project/preview-cache';

export interface SessionOptions {
  limits?: Partial<ImagingLimits>;
  /** Keep the flattened image on disk (cache/current.bin) once at least this many layers are visible. Default 8. */
  diskCacheMinLayers?: number;
  /**
   * Rewrite cache/current.bin only once the stack has grown this many layers past the one it holds (a
   * prefix of the stack is applied from in a moment), so an edit rarely pays for a full-frame write. Default 8.
   */
  diskCacheRefreshLayers?: number;
  /** Told how many of the layers being applied are applied, after each batch (0 first): long flattens show it. */
  onFlattenProgress?: (applied: number, total: number) => void;
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

const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);
const CACHE_MAGIC = 'MRFLAT1\n';

interface CacheHeader {
  key: string[];
  width: number;
  height: number;
  channels: 3 | 4;
  depth: 8 | 16;
  format: string;
  icc: string | null;
  exif: string | null;
}

/** The flattened image as a cache file: magic, header length, JSON header, deflated pixels (little-endian). */
async function encodeFlat(key: string[], p: Photo): Promise<Uint8Array> {
  const header: CacheHeader = {
    key,
    width: p.width,
    height: p.height,
    channels: p.channels,
    depth: p.depth,
    format: p.format,
    icc: p.icc ? Buffer.from(p.icc).toString('base64') : null,
    exif: p.exif ? Buffer.from(p.exif).toString('base64') : null,
  };
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length);
  const px = await deflate(Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength), {
    level: 1,
  });
  return new Uint8Array(Buffer.concat([Buffer.from(CACHE_MAGIC), len, h, px]));
}

async function decodeFlat(bytes: Uint8Array): Promise<{ key: string[]; photo: Photo } | null> {
  try {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (b.subarray(0, CACHE_MAGIC.length).toString() !== CACHE_MAGIC) return null;
    const hl = b.readUInt32LE(CACHE_MAGIC.length);
    const start = CACHE_MAGIC.length + 4;
    const h = JSON.parse(b.subarray(start, start + hl).toString()) as CacheHeader;
    const raw = await inflate(b.subarray(start + hl));
    if (raw.length !== h.width * h.height * h.channels * (h.depth / 8)) return null;
    const pixels =
      h.depth === 16
        ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
        : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
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

function isPrefix(prefix: string[], of: string[]): boolean {
  return prefix.length <= of.length && prefix.every((id, i) => of[i] === id);
}

/** One open project: the store, the decoded original, the current image cached by its visible stack. */
export class ProjectSession {
  private original: Promise<Photo> | null = null;
  private flat: { key: string[]; photo: Promise<Photo> } | null = null;
  /** The stack the on-disk cache holds (undefined: not read yet). */
  private diskKey: string[] | null | undefined = undefined;
  private disk: Promise<{ key: string[]; photo: Photo } | null> | null = null;
  private readonly previews: PreviewCache;
  /** Preview files being written; close() waits for them. */
  private readonly writes = new Set<Promise<void>>();
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
      this.original = this.store.readOriginal().then((b) => loadPhoto(b, this.opts.limits));
      this.original.catch(() => (this.original = null));
    }
    return this.original;
  }

  async patchOf(layer: StoredLayer): Promise<Patch> {
    const damaged = this.store.damaged(layer.id);
    if (damaged) throw damagedLayerError(this.store, layer, damaged);
    try {
      const bytes = await this.store.readLayerFile(layer.id, 'patch');
      return await decodePatch(bytes, layer.rect);
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
    const cached = this.flat;
    // Reuse the cached image when its stack is a prefix of the wanted one: apply only the new layers.
    if (cached && isPrefix(cached.key, ids)) {
      const rest = layers.slice(cached.key.length);
      if (rest.length === 0) return cached.photo;
      return this.applyInBatches(await cached.photo, rest);
    }
    // The flattened image a previous session left on disk, when it is a prefix of this stack.
    const disk = await this.diskCache();
    if (disk && disk.key.length > 0 && isPrefix(disk.key, ids)) {
      return this.applyInBatches(disk.photo, layers.slice(disk.key.length));
    }
    return this.applyInBatches(await this.originalPhoto(), layers);
  }

  /**
   * Decodes and applies patches a batch at a time: memory holds one batch of patches, not all of them, and
   * the next batch decodes (on sharp's threads) while this one is applied.
   */
  private async applyInBatches(base: Photo, layers: StoredLayer[]): Promise<Photo> {
    const BATCH = 8;
    let img = base;
    let next = layers.length > 0 ? this.patches(layers.slice(0, BATCH)) : null;
    const progress = this.opts.onFlattenProgress;
    if (progress && layers.length > 0) progress(0, layers.length);
    for (let i = 0; i < layers.length; i += BATCH) {
      const batch = await next!;
      next = i + BATCH < layers.length ? this.patches(layers.slice(i + BATCH, i + 2 * BATCH)) : null;
      // One copy (applyPatches never modifies its input, which may be the shared original or the cached
      // image), then in place: a 24 MP copy per batch would cost more than the patches themselves.
      if (img === base) img = applyPatches(base, batch);
      else for (const p of batch) applyPatchInPlace(img, p);
      progress?.(Math.min(layers.length, i + BATCH), layers.length);
    }
    return img;
  }

  /** Decodes patches a few at a time (sharp decodes on its thread pool), keeping their order. */
  private async patches(layers: StoredLayer[]): Promise<Patch[]> {
    const out: Patch[] = new Array<Patch>(layers.length);
    let next = 0;
    const worker = async () => {
      while (next < layers.length) {
        const i = next++;
        out[i] = await this.patchOf(layers[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, layers.length) }, worker));
    return out;
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
   * off and the cache holds another stack. Derived data: a crash while writing it loses nothing.
   */
  async persistCache(): Promise<boolean> {
    const visible = this.usableVisible().map((l) => l.id);
    if (this.store.readOnly || visible.length < (this.opts.diskCacheMinLayers ?? 8)) return false;
    if (this.diskKey === undefined) await this.diskCache();
    if (this.diskKey && sameIds(this.diskKey, visible)) return false;
    // A prefix a few layers short is nearly as good: rewriting the full frame after every edit is not.
    const refresh = this.opts.diskCacheRefreshLayers ?? 8;
    if (this.diskKey && this.diskKey.length > 0 && isPrefix(this.diskKey, visible)) {
      if (visible.length - this.diskKey.length < refresh) return false;
    }
    const photo = await this.current();
    if (
      !sameIds(
        this.usableVisible().map((l) => l.id),
        visible,
      )
    )
      return false;
    await this.store.writeCache(await encodeFlat(visible, photo));
    this.diskKey = visible;
    this.disk = Promise.resolve({ key: visible, photo });
    return true;
  }

  /** The current image: the original with the visible (undamaged) layers applied. Cached. */
  current(): Promise<Photo> {
    const visible = this.usableVisible();
    const key = visible.map((l) => l.id);
    if (this.flat && sameIds(this.flat.key, key)) return this.flat.photo;
    const photo = this.flatten(visible);
    const entry = { key, photo };
    this.flat = entry;
    photo.catch(() => {
      if (this.flat === entry) this.flat = null;
    });
    return photo;
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

/** The one-sentence error for a layer whose files cannot be used. */
function damagedLayerError(store: ProjectStore, layer: StoredLayer, reason: string): AppError {
  const n = store.layers().findIndex((l) => l.id === layer.id) + 1;
  return new AppError(
    'damaged-layer',
    `Layer ${n} ("${layer.prompt}", ${layer.id}) cannot be used because ${reason}; put the file back (for example, let the cloud folder finish syncing) or hide that layer.`,
  );
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
