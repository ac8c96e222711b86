/**
 * The layered PSD writer, 8 or 16 bits per channel (the original's depth), streamed: every size is known
 * before the first byte, so the file is written front to back into an `ExportSink` a strip of samples at a
 * time, holding no canvas of its own (in memory, the sink is one buffer of the file's exact size). The
 * layout is the one in Adobe's Photoshop File Formats Specification, every section uncompressed:
 *
 * - header: '8BPS', version 1, six zero bytes, channels (3, or 4 when the composite has alpha), height,
 *   width, depth 8 or 16, colour mode 3 (RGB);
 * - colour mode data: empty (length 0);
 * - image resources: the ICC profile as resource 1039, when the original has one;
 * - layer and mask information: the layer info (a layer count, negative when the composite's fourth
 *   channel is its transparency; one record per layer with its rectangle, channel list, blend mode 'norm',
 *   opacity 255, its layer mask's rectangle, its name as a Pascal string padded to 4 and the same name in
 *   full as a 'luni' block; then every layer's channel data, compression 0, big-endian samples),
 *   and an empty global layer mask;
 * - the composite: compression 0, planar R, G, B (and A), big-endian samples; with an alpha channel the
 *   colours are blended over white, as Photoshop writes them.
 *
 * Every channel has the document's depth, the layer mask (channel -2) included. The layer info sits in the
 * plain layer info section (not in the 'Lr16' block Photoshop itself writes for 16-bit documents);
 * Photoshop, GIMP, Affinity and ImageMagick read either.
 */
import type { PsdEdit } from './export-psd';
import type { ExportSink } from './export-sink';
import type { Photo } from './types';
import { to8 } from './util';

/** Image resource id of the ICC profile. */
export const ICC_PROFILE_RESOURCE = 1039;

/** A growable big-endian writer for the small parts of the file (headers and records, not pixels). */
class Bytes {
  private buf = new Uint8Array(256);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    const next = new Uint8Array(Math.max(this.buf.byteLength * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 255;
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16((v >>> 16) & 0xffff).u16(v & 0xffff);
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
    return this;
  }
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Where a channel's samples come from: `channel` of interleaved `src`, or a constant when src is null. */
interface Plane {
  src: Uint8Array | Uint16Array | null;
  /** Samples per pixel in src. */
  stride: number;
  channel: number;
  /** The source's depth (the document's may differ: 8-bit samples are widened by 257, 16-bit ones rounded). */
  depth: 8 | 16;
  /** The sample when src is null. */
  constant: number;
  /** Pixels in the plane. */
  count: number;
}

interface LayerPlan {
  name: string;
  rect: { x: number; y: number; width: number; height: number };
  /** [channel id, plane]: -1 transparency, 0..2 RGB, -2 the layer mask. */
  channels: [number, Plane][];
  /** The layer mask's rectangle, when the layer has one. */
  mask: { x: number; y: number; width: number; height: number } | null;
}

/** Samples per strip handed to the sink (bounds the strip buffer, not the file). */
const STRIP_SAMPLES = 1 << 21;

function plane(
  src: Uint8Array | Uint16Array,
  depth: 8 | 16,
  stride: number,
  channel: number,
  count: number,
): Plane {
  return { src, stride, channel, depth, constant: 0, count };
}

function solid(constant: number, count: number): Plane {
  return { src: null, stride: 0, channel: 0, depth: 16, constant, count };
}

/**
 * Writes the file's samples front to back: each plane in strips through one reused buffer, progress counted
 * in samples written of all the file's samples.
 */
class SampleWriter {
  private readonly strip: Uint8Array;
  private readonly bytes: 1 | 2;
  done = 0;

  constructor(
    private readonly sink: ExportSink,
    readonly depth: 8 | 16,
    private readonly total: number,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.bytes = depth === 16 ? 2 : 1;
    this.strip = new Uint8Array(STRIP_SAMPLES * this.bytes);
  }

  /** The sample `v` of a `from`-bit source at the document's depth. */
  private at(v: number, from: 8 | 16): number {
    if (from === this.depth) return v;
    return this.depth === 16 ? v * 257 : to8(v);
  }

  private async flush(n: number): Promise<void> {
    await this.sink.write(this.strip.subarray(0, n * this.bytes));
    this.done += n;
    this.onProgress?.(this.done, this.total);
  }

  /** One plane's samples, big-endian at 16 bits; `sample(i)` gives the i-th at the document's depth. */
  private async samples(count: number, sample: (i: number) => number): Promise<void> {
    const out = this.strip;
    for (let i0 = 0; i0 < count; i0 += STRIP_SAMPLES) {
      const n = Math.min(STRIP_SAMPLES, count - i0);
      if (this.bytes === 1) for (let k = 0; k < n; k++) out[k] = sample(i0 + k);
      else
        for (let k = 0, o = 0; k < n; k++) {
          const v = sample(i0 + k);
          out[o++] = v >>> 8;
          out[o++] = v & 255;
        }
      await this.flush(n);
    }
  }

  plane(p: Plane): Promise<void> {
    const { src, stride, channel, depth } = p;
    if (!src) return this.samples(p.count, () => p.constant);
    if (depth === this.depth) return this.samples(p.count, (i) => src[channel + i * stride]!);
    return this.samples(p.count, (i) => this.at(src[channel + i * stride]!, depth));
  }

  /**
   * A colour channel of an RGBA composite blended over white, as Photoshop stores a transparent document's
   * composite (readers take the white back out by the alpha): v*a + max*(1 - a), rounded.
   */
  onWhite(image: Photo, c: number): Promise<void> {
    const { pixels } = image;
    const max = this.depth === 16 ? 0xffff : 0xff;
    return this.samples(image.width * image.height, (i) => {
      const a = this.at(pixels[i * 4 + 3]!, image.depth);
      const v = this.at(pixels[i * 4 + c]!, image.depth);
      return Math.round(max - ((max - v) * a) / max);
    });
  }
}

/** The layer name as a Pascal string (Latin-1 where it can, '?' elsewhere, at most 255 bytes) padded to 4. */
function pascalName(w: Bytes, name: string): void {
  const chars = Array.from(name)
    .slice(0, 255)
    .map((c) => {
      const code = c.codePointAt(0)!;
      return code >= 0x20 && code < 0x7f ? code : 0x3f;
    });
  w.u8(chars.length);
  for (const c of chars) w.u8(c);
  w.zeros((4 - ((1 + chars.length) % 4)) % 4);
}

/** The 'luni' additional layer info: the full name as UTF-16, its length padded to 4. */
function unicodeName(w: Bytes, name: string): void {
  const units = name.length;
  const body = 4 + units * 2;
  const padded = body + ((4 - (body % 4)) % 4);
  w.ascii('8BIM').ascii('luni').u32(padded).u32(units);
  for (let i = 0; i < units; i++) w.u16(name.charCodeAt(i));
  w.zeros(padded - body);
}

function layerRecord(w: Bytes, l: LayerPlan, bytesPerSample: number): void {
  const { x, y, width, height } = l.rect;
  w.u32(y)
    .u32(x)
    .u32(y + height)
    .u32(x + width);
  w.u16(l.channels.length);
  // Each channel's data is a 2-byte compression tag then its samples.
  for (const [id, p] of l.channels) w.u16(id & 0xffff).u32(2 + p.count * bytesPerSample);
  w.ascii('8BIM').ascii('norm');
  w.u8(255); // opacity
  w.u8(0); // clipping: base
  w.u8(0x08); // flags: visible, bit 4 (pixel data irrelevant) is meaningful and clear
  w.u8(0); // filler
  const extra = new Bytes();
  if (l.mask) {
    const m = l.mask;
    extra
      .u32(20)
      .u32(m.y)
      .u32(m.x)
      .u32(m.y + m.height)
      .u32(m.x + m.width);
    // Default colour 0: outside the mask's rectangle nothing of the layer shows. Flags 0: positioned
    // relative to the layer, enabled, not inverted.
    extra.u8(0).u8(0).zeros(2);
  } else {
    extra.u32(0);
  }
  extra.u32(0); // no blending ranges
  pascalName(extra, l.name);
  unicodeName(extra, l.name);
  w.u32(extra.length).bytes(extra.view());
}

function layerPlans(base: Photo, edits: PsdEdit[], maskAs: 'mask' | 'alpha'): LayerPlan[] {
  const { width, height } = base;
  const OPAQUE = base.depth === 16 ? 0xffff : 0xff;
  const n = width * height;
  const original: LayerPlan = {
    name: 'Original',
    rect: { x: 0, y: 0, width, height },
    channels: [
      [-1, base.channels === 4 ? plane(base.pixels, base.depth, 4, 3, n) : solid(OPAQUE, n)],
      [0, plane(base.pixels, base.depth, base.channels, 0, n)],
      [1, plane(base.pixels, base.depth, base.channels, 1, n)],
      [2, plane(base.pixels, base.depth, base.channels, 2, n)],
    ],
    mask: null,
  };
  const layers = edits.map(({ name, patch }): LayerPlan => {
    const { rect, rgba, depth } = patch;
    const count = rect.width * rect.height;
    const alpha = plane(rgba, depth, 4, 3, count);
    const channels: [number, Plane][] = [
      [-1, maskAs === 'alpha' ? alpha : solid(OPAQUE, count)],
      [0, plane(rgba, depth, 4, 0, count)],
      [1, plane(rgba, depth, 4, 1, count)],
      [2, plane(rgba, depth, 4, 2, count)],
    ];
    if (maskAs === 'mask') channels.push([-2, alpha]);
    return { name, rect, channels, mask: maskAs === 'mask' ? rect : null };
  });
  return [original, ...layers];
}

export interface PsdWriteOptions {
  maskAs?: 'mask' | 'alpha';
  /** Samples written of all the file's samples (every layer channel and the composite). */
  onProgress?: (done: number, total: number) => void;
}

/** The head (header, colour mode data, image resources) and the layer records of the PSD, and its size. */
function plan(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  maskAs: 'mask' | 'alpha',
): { head: Bytes; records: Bytes; layers: LayerPlan[]; infoLen: number; samples: number; size: number } {
  const { width, height, depth } = base;
  const bps = depth / 8;
  const head = new Bytes();
  head.ascii('8BPS').u16(1).zeros(6).u16(composite.channels).u32(height).u32(width).u16(depth).u16(3);
  head.u32(0); // colour mode data
  if (base.icc) {
    const icc = base.icc;
    const padded = icc.byteLength + (icc.byteLength & 1);
    // 8BIM, id, an empty Pascal name padded to even, the data's length, the data padded to even.
    head
      .u32(12 + padded)
      .ascii('8BIM')
      .u16(ICC_PROFILE_RESOURCE)
      .u16(0)
      .u32(icc.byteLength)
      .bytes(icc);
    head.zeros(padded - icc.byteLength);
  } else {
    head.u32(0);
  }
  const layers = layerPlans(base, edits, maskAs);
  const records = new Bytes();
  // A negative count says the composite's alpha channel is its transparency.
  records.u16((composite.channels === 4 ? -layers.length : layers.length) & 0xffff);
  for (const l of layers) layerRecord(records, l, bps);
  let samples = 0;
  let channels = 0;
  for (const l of layers)
    for (const [, p] of l.channels) {
      samples += p.count;
      channels++;
    }
  const infoBody = records.length + channels * 2 + samples * bps;
  const infoLen = infoBody + ((4 - (infoBody % 4)) % 4);
  samples += width * height * composite.channels;
  // Layer and mask information (its length, the layer info's length and body, an empty global layer
  // mask), then the composite (compression tag and samples).
  const size = head.length + 4 + 4 + infoLen + 4 + 2 + width * height * composite.channels * bps;
  return { head, records, layers, infoLen, samples, size };
}

/** The file size of the layered PSD encodePsdTo would write. */
export function psdSize(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  maskAs: 'mask' | 'alpha' = 'mask',
): number {
  return plan(base, edits, composite, maskAs).size;
}

/**
 * Writes the layered PSD of `base` with `edits` (bottom to top) and `composite` (the flattened image, the
 * base's size) into `sink`, at the base's depth. Limits are the caller's to check.
 */
export async function writePsd(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  sink: ExportSink,
  opts: PsdWriteOptions = {},
): Promise<void> {
  const maskAs = opts.maskAs ?? 'mask';
  const { width, height, depth } = base;
  const p = plan(base, edits, composite, maskAs);
  const w = new SampleWriter(sink, depth, p.samples, opts.onProgress);
  const u32 = (v: number) => new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  const RAW = new Uint8Array(2); // compression 0
  await sink.write(p.head.view());
  await sink.write(u32(4 + p.infoLen + 4)); // the layer and mask information's length
  await sink.write(u32(p.infoLen));
  await sink.write(p.records.view());
  let infoBody = p.records.length;
  for (const l of p.layers)
    for (const [, pl] of l.channels) {
      await sink.write(RAW);
      await w.plane(pl);
      infoBody += 2 + pl.count * (depth / 8);
    }
  await sink.write(new Uint8Array(p.infoLen - infoBody)); // padding to 4
  await sink.write(u32(0)); // global layer mask info: length 0
  await sink.write(RAW);
  const n = width * height;
  for (let c = 0; c < composite.channels; c++)
    if (composite.channels === 4 && c < 3) await w.onWhite(composite, c);
    else await w.plane(plane(composite.pixels, composite.depth, composite.channels, c, n));
  if (w.done !== p.samples) throw new Error(`PSD writer: wrote ${w.done} of ${p.samples} samples`);
}
