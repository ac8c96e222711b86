/**
 * A baseline TIFF writer (8 or 16 bit, RGB/RGBA, deflate + horizontal predictor, ICC profile tag).
 * Ours because sharp's TIFF output is always 8 bit; a 16-bit original must export as 16 bit.
 */
import zlib from 'node:zlib';

export interface TiffInput {
  width: number;
  height: number;
  channels: 3 | 4;
  depth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
  icc?: Uint8Array | null;
}

export function encodeTiff(img: TiffInput): Uint8Array {
  const { width, height, channels, depth, pixels } = img;
  const bps = depth / 8;
  const rowSamples = width * channels;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor((256 * 1024) / (rowSamples * bps)) || 1));
  const strips: Uint8Array[] = [];
  for (let y0 = 0; y0 < height; y0 += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, height - y0);
    const buf = new Uint8Array(rows * rowSamples * bps);
    const dv = new DataView(buf.buffer);
    for (let r = 0; r < rows; r++) {
      const base = (y0 + r) * rowSamples;
      for (let i = 0; i < rowSamples; i++) {
        // Horizontal predictor (2): each sample minus the same channel's previous sample, modulo 2^depth.
        const v = pixels[base + i]!;
        const prev = i >= channels ? pixels[base + i - channels]! : 0;
        if (depth === 8) buf[r * rowSamples + i] = (v - prev) & 0xff;
        else dv.setUint16((r * rowSamples + i) * 2, (v - prev) & 0xffff, true);
      }
    }
    strips.push(zlib.deflateSync(buf, { level: 6 }));
  }
  // Layout: header, pixel strips, then out-of-line values, then the IFD.
  type Entry = { tag: number; type: number; count: number; value: number[] | Uint8Array };
  const SHORT = 3;
  const LONG = 4;
  const UNDEFINED = 7;
  const entries: Entry[] = [
    { tag: 256, type: LONG, count: 1, value: [width] },
    { tag: 257, type: LONG, count: 1, value: [height] },
    { tag: 258, type: SHORT, count: channels, value: new Array<number>(channels).fill(depth) },
    { tag: 259, type: SHORT, count: 1, value: [8] }, // Adobe deflate
    { tag: 262, type: SHORT, count: 1, value: [2] }, // RGB
    { tag: 273, type: LONG, count: strips.length, value: [] }, // StripOffsets, filled below
    { tag: 277, type: SHORT, count: 1, value: [channels] },
    { tag: 278, type: LONG, count: 1, value: [rowsPerStrip] },
    { tag: 279, type: LONG, count: strips.length, value: strips.map((s) => s.length) },
    { tag: 284, type: SHORT, count: 1, value: [1] }, // chunky
    { tag: 317, type: SHORT, count: 1, value: [2] }, // horizontal predictor
  ];
  if (channels === 4) entries.push({ tag: 338, type: SHORT, count: 1, value: [2] }); // unassociated alpha
  entries.push({ tag: 339, type: SHORT, count: channels, value: new Array<number>(channels).fill(1) });
  if (img.icc) entries.push({ tag: 34675, type: UNDEFINED, count: img.icc.length, value: img.icc });
  entries.sort((a, b) => a.tag - b.tag);

  let off = 8;
  const stripOffsets: number[] = [];
  for (const s of strips) {
    stripOffsets.push(off);
    off += s.length;
  }
  entries.find((e) => e.tag === 273)!.value = stripOffsets;
  const size = (e: Entry) => e.count * (e.type === SHORT ? 2 : e.type === LONG ? 4 : 1);
  const extOffsets = new Map<Entry, number>();
  for (const e of entries) {
    if (size(e) > 4) {
      if (off % 2) off++;
      extOffsets.set(e, off);
      off += size(e);
    }
  }
  if (off % 2) off++;
  const ifd = off;
  const total = ifd + 2 + entries.length * 12 + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifd, true);
  for (let i = 0; i < strips.length; i++) out.set(strips[i]!, stripOffsets[i]!);
  const writeValues = (e: Entry, at: number) => {
    if (e.value instanceof Uint8Array) out.set(e.value, at);
    else
      e.value.forEach((v, i) => {
        if (e.type === SHORT) dv.setUint16(at + i * 2, v, true);
        else dv.setUint32(at + i * 4, v, true);
      });
  };
  dv.setUint16(ifd, entries.length, true);
  entries.forEach((e, i) => {
    const p = ifd + 2 + i * 12;
    dv.setUint16(p, e.tag, true);
    dv.setUint16(p + 2, e.type, true);
    dv.setUint32(p + 4, e.count, true);
    const ext = extOffsets.get(e);
    if (ext !== undefined) {
      dv.setUint32(p + 8, ext, true);
      writeValues(e, ext);
    } else writeValues(e, p + 8);
  });
  dv.setUint32(ifd + 2 + entries.length * 12, 0, true);
  return out;
}
