/**
 * A 16-bit greyscale photo's own profile, applied on open. libvips (through sharp) converts an 8-bit grey
 * photo to sRGB through its embedded profile but leaves a 16-bit one's samples as they are (sharp skips its
 * input transform for 16-bit grey), which would show a grey file with, say, a linear or gamma 1.8 profile
 * with the wrong tones. So the loader takes the 16-bit samples as stored and maps them through a table,
 * built here once per profile by the same colour engine (libvips' lcms) that converts the 8-bit ones: the
 * grey profile's tone curve (its kTRC tag, copied byte for byte, whatever its type) becomes the three curves
 * of an RGB profile whose primaries add up to the PCS white, so a neutral R = G = B = s is converted to sRGB
 * exactly as the grey sample s would be; every one of the 65536 levels goes through it in a 256x256 ramp.
 */
import sharp from 'sharp';
import { encodePng, iccpChunk } from './png';
import { SHARP_TIMEOUT_SECONDS, bufToU16, sha256 } from './util';

/** The tag data of `sig` in an ICC profile, or null. */
function tag(icc: Uint8Array, sig: string): Uint8Array | null {
  if (icc.length < 132) return null;
  const dv = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const count = dv.getUint32(128);
  for (let i = 0; i < count && 132 + 12 * (i + 1) <= icc.length; i++) {
    const at = 132 + 12 * i;
    const name = String.fromCharCode(...icc.subarray(at, at + 4));
    if (name !== sig) continue;
    const off = dv.getUint32(at + 4);
    const len = dv.getUint32(at + 8);
    return off + len <= icc.length ? icc.subarray(off, off + len) : null;
  }
  return null;
}

function xyz(v: readonly [number, number, number]): Uint8Array {
  const b = new Uint8Array(20);
  const dv = new DataView(b.buffer);
  b.set([0x58, 0x59, 0x5a, 0x20], 0); // 'XYZ '
  v.forEach((c, i) => dv.setInt32(8 + 4 * i, Math.round(c * 65536)));
  return b;
}

const D50 = [0.9642, 1, 0.8249] as const;
// sRGB's primaries adapted to D50 (Bradford): they add up to the D50 white, so R = G = B maps to the
// neutral axis of the PCS, as a grey sample does.
const PRIMARIES = [
  [0.4360747, 0.2225045, 0.0139322],
  [0.3850649, 0.7168786, 0.0971045],
  [0.1430804, 0.0606169, 0.7141733],
] as const;

/**
 * The RGB matrix/TRC profile with the grey profile's tone curve on all three channels, its white point and
 * version; null when the grey profile has no kTRC (a profile built on a lookup table instead).
 */
function neutralRgbProfile(grey: Uint8Array): Uint8Array | null {
  const trc = tag(grey, 'kTRC');
  if (!trc) return null;
  const wtpt = tag(grey, 'wtpt') ?? xyz(D50);
  const bodies: Array<[string[], Uint8Array]> = [
    [['wtpt'], wtpt],
    [['rXYZ'], xyz(PRIMARIES[0])],
    [['gXYZ'], xyz(PRIMARIES[1])],
    [['bXYZ'], xyz(PRIMARIES[2])],
    // One copy of the curve's data, shared by the three tags (ICC allows tags to share their data).
    [['rTRC', 'gTRC', 'bTRC'], trc],
  ];
  const entries = bodies.reduce((n, [sigs]) => n + sigs.length, 0);
  const pad = (n: number) => (n + 3) & ~3;
  let at = 128 + 4 + 12 * entries;
  const table = new Uint8Array(4 + 12 * entries);
  const tdv = new DataView(table.buffer);
  tdv.setUint32(0, entries);
  const parts: Uint8Array[] = [];
  let e = 0;
  for (const [sigs, body] of bodies) {
    for (const sig of sigs) {
      for (let k = 0; k < 4; k++) table[4 + 12 * e + k] = sig.charCodeAt(k);
      tdv.setUint32(8 + 12 * e, at);
      tdv.setUint32(12 + 12 * e, body.length);
      e++;
    }
    const padded = new Uint8Array(pad(body.length));
    padded.set(body);
    parts.push(padded);
    at += padded.length;
  }
  const head = new Uint8Array(128);
  const hdv = new DataView(head.buffer);
  hdv.setUint32(0, at);
  head.set(grey.subarray(8, 12), 8); // the grey profile's version (a v4 curve type reads as in v4)
  head.set(new TextEncoder().encode('mntrRGB XYZ '), 12);
  head.set(new TextEncoder().encode('acsp'), 36);
  D50.forEach((c, i) => hdv.setInt32(68 + 4 * i, Math.round(c * 65536)));
  const out = new Uint8Array(at);
  out.set(head, 0);
  out.set(table, 128);
  let o = 128 + table.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const tables = new Map<string, Promise<Uint16Array | null>>();

/**
 * For each 16-bit grey sample, the sRGB level (16 bit) it shows through `icc`, or null when the profile
 * cannot be read that way (the sample is then taken as it is, as before). Built once per profile.
 */
export function greyToSrgbTable(icc: Uint8Array): Promise<Uint16Array | null> {
  const key = sha256(icc);
  let t = tables.get(key);
  if (!t) {
    t = build(icc).catch(() => null);
    tables.set(key, t);
  }
  return t;
}

async function build(icc: Uint8Array): Promise<Uint16Array | null> {
  const rgb = neutralRgbProfile(icc);
  if (!rgb) return null;
  const ramp = new Uint16Array(65536 * 3);
  for (let v = 0; v < 65536; v++) ramp[3 * v] = ramp[3 * v + 1] = ramp[3 * v + 2] = v;
  const png = encodePng(
    { width: 256, height: 256, channels: 3, depth: 16, pixels: ramp },
    { level: 1, chunks: [iccpChunk(rgb)] },
  );
  // Default sharp behaviour for a tagged RGB file: converted to sRGB through its profile, here at 16 bit.
  const { data, info } = await sharp(png, { failOn: 'error' })
    .timeout({ seconds: SHARP_TIMEOUT_SECONDS })
    .toColourspace('rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width * info.height !== 65536) return null;
  const px = bufToU16(data);
  const out = new Uint16Array(65536);
  for (let v = 0; v < 65536; v++) out[v] = Math.round((px[3 * v]! + px[3 * v + 1]! + px[3 * v + 2]!) / 3);
  return out;
}
