/**
 * The stroke rasteriser visits only each row's run of the capsule and fills its core as a run; these tests
 * hold its pixels to the plain definition — every pixel of a segment's bounding box tested on its own, over
 * a whole-photo buffer with no tiles — on random strokes: sizes, hardness, pressure, paint and erase over
 * earlier strokes, dots, long and axis-aligned moves, fractional positions, strokes past the photo's
 * edges, several tile sizes. And capsuleRow against the distance it stands for.
 */
import { describe, expect, it } from 'vitest';
import { MaskEngine, type StrokeParams } from '../../../../../renderer/canvas/mask/engine';
import { capsuleRow, div255 } from '../../../../../renderer/canvas/mask/stroke';
import { pick, rng } from '../../../../support/prng';

type Pt = [number, number, number];

/** The rasteriser's definition: each pixel of each segment's box, coverage the max over the segments. */
function reference(mask: Uint8Array, W: number, H: number, params: StrokeParams, pts: Pt[]): void {
  const orig = mask.slice();
  const cover = new Uint8Array(W * H);
  const size = Math.max(1, params.size);
  const hardness = Math.min(1, Math.max(0, params.hardness));
  const erase = params.mode === 'erase';
  let last: { x: number; y: number; r: number } | null = null;
  for (const [x, y, pressure] of pts) {
    const r = (size / 2) * Math.min(1, Math.max(0.05, pressure));
    const l = last ?? { x, y, r };
    last = { x, y, r };
    const [ax, ay, bx, by] = [l.x, l.y, x, y];
    const ar = Math.max(0.5, l.r);
    const br = Math.max(0.5, r);
    const soft = 1 - hardness;
    const rMax = Math.max(ar, br);
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rMax));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rMax));
    const x1 = Math.min(W, Math.ceil(Math.max(ax, bx) + rMax));
    const y1 = Math.min(H, Math.ceil(Math.max(ay, by) + rMax));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const invLen2 = len2 > 1e-12 ? 1 / len2 : 0;
    const dr = br - ar;
    const constR = Math.abs(dr) < 1e-6;
    const cw = Math.max(1, ar * soft);
    const cInner = ar - cw;
    for (let py0 = y0; py0 < y1; py0++)
      for (let px0 = x0; px0 < x1; px0++) {
        const px = px0 + 0.5 - ax;
        const py = py0 + 0.5 - ay;
        let t = (px * dx + py * dy) * invLen2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = px - t * dx;
        const ey = py - t * dy;
        const d2 = ex * ex + ey * ey;
        if (d2 >= rMax * rMax) continue;
        let c: number;
        if (constR) {
          if (cInner > 0 && d2 <= cInner * cInner) c = 255;
          else {
            const f = (ar - Math.sqrt(d2)) / cw;
            if (f <= 0) continue;
            c = (255 * f * f * (3 - 2 * f) + 0.5) | 0;
          }
        } else {
          const R = ar + dr * t;
          const d = Math.sqrt(d2);
          if (d >= R) continue;
          const f = (R - d) / Math.max(1, R * soft);
          c = f >= 1 ? 255 : (255 * f * f * (3 - 2 * f) + 0.5) | 0;
        }
        const i = py0 * W + px0;
        if (c <= cover[i]!) continue;
        cover[i] = c;
        const o = orig[i]!;
        mask[i] = erase ? ((o * (255 - c) + 127) / 255) | 0 : (o + ((255 - o) * c + 127) / 255) | 0;
      }
  }
}

/** A random stroke: a walk of moves of every kind, some starting or running outside the photo. */
function randomStroke(r: () => number, W: number, H: number): { params: StrokeParams; pts: Pt[] } {
  const params: StrokeParams = {
    mode: r() < 0.3 ? 'erase' : 'paint',
    size: pick(r, [1, 2, 3, 5 + r() * 20, 20 + r() * 120, 150, 200 + r() * 200]),
    hardness: pick(r, [0, 1, 0.7, r()]),
  };
  const pen = r() < 0.4;
  let x = -40 + r() * (W + 80);
  let y = -40 + r() * (H + 80);
  const pts: Pt[] = [];
  const n = 1 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    pts.push([x, y, pen ? r() : 1]);
    const kind = r();
    const step = kind < 0.1 ? 0 : kind < 0.8 ? r() * 30 : r() * Math.max(W, H);
    const angle = r() < 0.3 ? (Math.floor(r() * 8) * Math.PI) / 4 : r() * 2 * Math.PI;
    x += Math.cos(angle) * step;
    y += Math.sin(angle) * step;
    if (r() < 0.3) [x, y] = [Math.round(x), Math.round(y)];
    if (r() < 0.1) [x, y] = [Math.round(x) + 0.5, Math.round(y) + 0.5];
  }
  return { params, pts };
}

describe('stroke rasteriser', () => {
  it('paints exactly the pixels of testing every pixel of each segment’s box', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const W = 20 + Math.floor(r() * 380);
      const H = 20 + Math.floor(r() * 380);
      const e = new MaskEngine(W, H, { tileSize: pick(r, [16, 32, 64, 256]) });
      const want = new Uint8Array(W * H);
      const strokes = 1 + Math.floor(r() * 5);
      for (let k = 0; k < strokes; k++) {
        const { params, pts } = randomStroke(r, W, H);
        e.beginStroke(params);
        for (const [x, y, p] of pts) e.strokeTo(x, y, p);
        e.endStroke();
        reference(want, W, H, params, pts);
        const got = e.toBytes();
        let diff = -1;
        for (let i = 0; i < want.length && diff < 0; i++) if (got[i] !== want[i]) diff = i;
        expect(
          diff,
          `seed ${seed} stroke ${k} ${JSON.stringify(params)}: first differing pixel (${diff % W}, ${Math.floor(diff / W)})`,
        ).toBe(-1);
      }
    }
  });

  it('capsuleRow gives the x where a row is within r of the segment', () => {
    const r = rng(99);
    const out = new Float64Array(2);
    const wrong: string[] = [];
    for (let n = 0; n < 2000 && wrong.length < 5; n++) {
      const dx = r() < 0.2 ? 0 : (r() - 0.5) * 200;
      const dy = r() < 0.2 ? 0 : (r() - 0.5) * 200;
      const len = Math.hypot(dx, dy);
      const rad = 0.5 + r() * 80;
      const py = (r() - 0.5) * (Math.abs(dy) + 2 * rad + 20);
      const dist = (x: number) => {
        const t = len > 0 ? Math.min(1, Math.max(0, (x * dx + py * dy) / (len * len))) : 0;
        return Math.hypot(x - t * dx, py - t * dy);
      };
      const hit = capsuleRow(py, dx, dy, len, rad, out);
      // Sample x across the whole reach; inside the interval means within r (away from its ends).
      for (let x = -Math.abs(dx) - rad - 5; x <= Math.abs(dx) + rad + 5; x += 0.37) {
        const d = dist(x);
        if (Math.abs(d - rad) < 1e-6) continue;
        const inside = hit && x > out[0]! && x < out[1]!;
        if (inside !== d < rad) wrong.push(`dx ${dx} dy ${dy} r ${rad} py ${py} x ${x}: distance ${d}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('div255', () => {
  it('is the floor of n / 255 for every n the blend can give (0 to 255 * 255 + 127, and up to 65534)', () => {
    let bad = -1;
    for (let n = 0; n < 65535 && bad < 0; n++) if (div255(n) !== Math.floor(n / 255)) bad = n;
    expect(bad).toBe(-1);
  });
});
