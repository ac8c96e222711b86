/**
 * The layered PSD at 16 bits per channel, written here because ag-psd writes 8 bits only. The layout is the
 * one in Adobe's Photoshop File Formats Specification, every section uncompressed:
 *
 * - header: '8BPS', version 1, six zero bytes, channels (3, or 4 when the composite has alpha), height,
 *   width, depth 16, colour mode 3 (RGB);
 * - colour mode data: empty (length 0);
 * - image resources: the ICC profile as resource 1039, when the original has one;
 * - layer and mask information: the layer info (a layer count, negative when the composite's fourth
 *   channel is its transparency; one record per layer with its rectangle, channel list, blend mode 'norm',
 *   opacity 255, its layer mask's rectangle, its name as a Pascal string padded to 4 and the same name in
 *   full as a 'luni' block; then every layer's channel data, compression 0, big-endian 16-bit samples),
 *   and an empty global layer mask;
 * - the composite: compression 0, planar R, G, B (and A), big-endian 16-bit samples; with an alpha channel
 *   the colours are blended over white, as Photoshop writes them.
 *
 * In a 16-bit document every channel is 16-bit, the layer mask (channel -2) included. The layer info sits
 * in the plain layer info section (not in the 'Lr16' block Photoshop itself writes for 16-bit documents);
 * Photoshop, GIMP, Affinity and ImageMagick read either.
 */
import type { PsdEdit } from './export-psd';
import type { Photo } from './types';

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
  /** 257 for 8-bit sources (0..255 to 0..65535), 1 for 16-bit ones. */
  scale: number;
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

const OPAQUE = 0xffff;

function plane(
  src: Uint8Array | Uint16Array,
  depth: 8 | 16,
  stride: number,
  channel: number,
  count: number,
): Plane {
  return { src, stride, channel, scale: depth === 8 ? 257 : 1, constant: 0, count };
}

function solid(constant: number, count: number): Plane {
  return { src: null, stride: 0, channel: 0, scale: 1, constant, count };
}

/** Writes a plane's samples as big-endian 16-bit at `at`; returns the offset after them. */
function writePlane(out: Uint8Array, at: number, p: Plane): number {
  const { src, stride, channel, scale, count } = p;
  if (!src) {
    const hi = p.constant >>> 8;
    const lo = p.constant & 255;
    for (let i = 0; i < count; i++) {
      out[at++] = hi;
      out[at++] = lo;
    }
    return at;
  }
  for (let i = 0, s = channel; i < count; i++, s += stride) {
    const v = src[s]! * scale;
    out[at++] = v >>> 8;
    out[at++] = v & 255;
  }
  return at;
}

/**
 * A colour channel of an RGBA composite blended over white, as Photoshop stores a transparent document's
 * composite (readers take the white back out by the alpha): v*a + max*(1 - a), rounded.
 */
function writeOnWhite(out: Uint8Array, at: number, image: Photo, c: number): number {
  const { pixels } = image;
  const scale = image.depth === 8 ? 257 : 1;
  const n = image.width * image.height;
  for (let i = 0, s = 0; i < n; i++, s += 4) {
    const a = pixels[s + 3]! * scale;
    const v = Math.round(OPAQUE - ((OPAQUE - pixels[s + c]! * scale) * a) / OPAQUE);
    out[at++] = v >>> 8;
    out[at++] = v & 255;
  }
  return at;
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

function layerRecord(w: Bytes, l: LayerPlan): void {
  const { x, y, width, height } = l.rect;
  w.u32(y)
    .u32(x)
    .u32(y + height)
    .u32(x + width);
  w.u16(l.channels.length);
  // Each channel's data is a 2-byte compression tag then its samples.
  for (const [id, p] of l.channels) w.u16(id & 0xffff).u32(2 + p.count * 2);
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

/**
 * The 16-bit layered PSD of `base` with `edits` (bottom to top) and `composite` (the flattened image, the
 * base's size). Sources of 8 bits are widened (v * 257). Limits are the caller's to check.
 */
export function encodePsd16(
  base: Photo,
  edits: PsdEdit[],
  composite: Photo,
  maskAs: 'mask' | 'alpha' = 'mask',
): Uint8Array {
  const { width, height } = base;
  const head = new Bytes();
  head.ascii('8BPS').u16(1).zeros(6).u16(composite.channels).u32(height).u32(width).u16(16).u16(3);
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
  for (const l of layers) layerRecord(records, l);
  let channelBytes = 0;
  for (const l of layers) for (const [, p] of l.channels) channelBytes += 2 + p.count * 2;
  const infoBody = records.length + channelBytes;
  const infoLen = infoBody + ((4 - (infoBody % 4)) % 4);
  // Layer and mask information: the layer info (length + body), then an empty global layer mask.
  const sectionLen = 4 + infoLen + 4;

  const pixels = width * height;
  const compositeBytes = 2 + pixels * 2 * composite.channels;
  const total = head.length + 4 + sectionLen + compositeBytes;
  const out = new Uint8Array(total);
  out.set(head.view(), 0);
  let at = head.length;
  const dv = new DataView(out.buffer);
  dv.setUint32(at, sectionLen);
  dv.setUint32(at + 4, infoLen);
  at += 8;
  out.set(records.view(), at);
  at += records.length;
  for (const l of layers) {
    for (const [, p] of l.channels) {
      at += 2; // compression 0: raw
      at = writePlane(out, at, p);
    }
  }
  at += infoLen - infoBody; // padding
  at += 4; // global layer mask info: length 0
  at += 2; // composite compression 0: raw
  for (let c = 0; c < composite.channels; c++)
    at =
      composite.channels === 4 && c < 3
        ? writeOnWhite(out, at, composite, c)
        : writePlane(out, at, plane(composite.pixels, composite.depth, composite.channels, c, pixels));
  if (at !== total) throw new Error(`PSD writer: wrote ${at} of ${total} bytes`);
  return out;
}
