import { describe, expect, it } from 'vitest';
import { MaskEngine } from '../../../../../renderer/canvas/mask/engine';
import { SpanBuilder, type SpanMode, type Spans } from '../../../../../renderer/canvas/mask/spans';
import { rng } from '../select/rng';

const modes: SpanMode[] = ['add', 'subtract', 'intersect'];

/** Random spans over rows y..y+rows of a w-wide photo: empty rows, full rows, many small runs, wide runs. */
function randomSpans(rand: () => number, w: number, h: number): Spans {
  const y = Math.floor(rand() * h);
  const rows = 1 + Math.floor(rand() * (h - y));
  const b = new SpanBuilder(y, rows, 4);
  const style = Math.floor(rand() * 4); // 0 full rows, 1 one wide run, 2 many runs, 3 a mix
  for (let j = 0; j < rows; j++) {
    const s = style === 3 ? Math.floor(rand() * 3) : style;
    if (rand() < 0.05) continue; // an empty row
    if (s === 0) b.add(j, 0, w);
    else if (s === 1) {
      const a = Math.floor(rand() * w);
      b.add(j, a, a + 1 + Math.floor(rand() * (w - a)));
    } else {
      let x = Math.floor(rand() * 4);
      while (x < w) {
        const e = Math.min(w, x + 1 + Math.floor(rand() * 40));
        b.add(j, x, e);
        x = e + Math.floor(rand() * 30);
      }
    }
  }
  return b.done();
}

/** The reference: the spans as a whole-photo 0/255 buffer, written pixel by pixel. */
function selectionBytes(s: Spans, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let j = 0; j < s.rows; j++)
    for (let k = s.start[j]!; k < s.start[j + 1]!; k += 2)
      for (let x = s.xs[k]!; x < s.xs[k + 1]!; x++) out[(s.y + j) * w + x] = 255;
  return out;
}

function combined(cur: Uint8Array, sel: Uint8Array, mode: SpanMode): Uint8Array {
  return cur.map((c, i) => {
    const s = sel[i]!;
    return mode === 'add' ? Math.max(c, s) : mode === 'subtract' ? Math.min(c, 255 - s) : Math.min(c, s);
  });
}

function randomMask(rand: () => number, w: number, h: number): Uint8Array {
  const kind = Math.floor(rand() * 3); // empty, blocks of 0/255/grey, noise
  if (kind === 0) return new Uint8Array(w * h);
  const cell = 1 + Math.floor(rand() * 40);
  const vals = Array.from({ length: 64 }, () => [0, 255, Math.floor(rand() * 256)][Math.floor(rand() * 3)]!);
  return new Uint8Array(w * h).map((_, i) =>
    kind === 1
      ? vals[(Math.floor((i % w) / cell) * 7 + Math.floor(i / w / cell) * 13) % 64]!
      : Math.floor(rand() * 256),
  );
}

describe('MaskEngine.writeSpans (span selections straight into the tiles)', () => {
  it('meets the mask as max / min(255 − s) / min over the whole photo, one undo step, exactly undone', () => {
    const rand = rng(77);
    for (let round = 0; round < 150; round++) {
      const tileSize = [16, 32, 64, 256][round % 4]!;
      const w = 1 + Math.floor(rand() * 220);
      const h = 1 + Math.floor(rand() * 220);
      const e = new MaskEngine(w, h, { tileSize });
      const start = randomMask(rand, w, h);
      e.load(start);
      const spans = randomSpans(rand, w, h);
      const mode = modes[round % 3]!;
      const want = combined(start, selectionBytes(spans, w, h), mode);
      const label = `round ${round}: ${w}x${h} tiles ${tileSize} ${mode}`;
      const depth = e.undoDepth;
      let events = 0;
      e.onChange(() => events++);
      const changed = e.writeSpans(spans, mode);
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(want)), label).toBe(true);
      const differs = !Buffer.from(want).equals(Buffer.from(start));
      expect(changed, label).toBe(differs);
      expect(e.undoDepth, label).toBe(depth + (differs ? 1 : 0));
      expect(events, label).toBe(differs ? 1 : 0);
      e.tiles.forEach((t, i) => {
        if (!t) return;
        // All-zero tiles are freed; nothing is written beyond the photo's edge.
        expect(
          t.some((v) => v !== 0),
          label,
        ).toBe(true);
        const r = e.tileRect(i);
        let outside = 0;
        for (let y = 0; y < tileSize; y++)
          for (let x = 0; x < tileSize; x++)
            if ((x >= r.width || y >= r.height) && t[y * tileSize + x]) outside++;
        expect(outside, label).toBe(0);
      });
      if (!differs) continue;
      e.undo();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(start)), label).toBe(true);
      e.redo();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(want)), label).toBe(true);
    }
  });

  it('a fully covered tile becomes the one shared all-255 tile, and the history holds it for a byte', () => {
    const e = new MaskEngine(1000, 700, { tileSize: 64 });
    const b = new SpanBuilder(0, 700);
    for (let j = 0; j < 700; j++) b.add(j, 0, 1000);
    e.writeSpans(b.done(), 'add');
    // 16 × 11 tiles: edge tiles share one buffer per shape, the inner ones one buffer.
    expect(new Set(e.tiles).size).toBe(4);
    e.tiles.forEach((t, i) => expect(t).toBe(e.fullTile(i)));
    expect(e.historyByteSize).toBeLessThan(e.tiles.length * 64);
    expect(e.stats().nonZero).toBe(700_000);
  });

  it('shared tiles stay shared: a stroke, an undo or another selection never changes a tile in place', () => {
    // Every buffer the mask or its history ever held is checked against a snapshot taken when it was seen.
    const rand = rng(5);
    for (let round = 0; round < 12; round++) {
      const w = 60 + Math.floor(rand() * 200);
      const h = 60 + Math.floor(rand() * 200);
      const e = new MaskEngine(w, h, { tileSize: [16, 32][round % 2]! });
      const seen = new Map<Uint8Array, Uint8Array>();
      const snapshots: Uint8Array[] = [e.toBytes()];
      const look = () => e.tiles.forEach((t) => t && !seen.has(t) && seen.set(t, t.slice()));
      for (let step = 0; step < 30; step++) {
        const depth = e.undoDepth;
        const k = rand();
        if (k < 0.4) e.writeSpans(randomSpans(rand, w, h), modes[Math.floor(rand() * 3)]!);
        else if (k < 0.75) {
          e.beginStroke({ mode: rand() < 0.7 ? 'paint' : 'erase', size: 2 + rand() * 40, hardness: rand() });
          for (let p = 0; p < 4; p++) e.strokeTo(rand() * w, rand() * h);
          e.endStroke();
        } else if (k < 0.85) e.invert();
        else {
          const x = Math.floor(rand() * w);
          const y = Math.floor(rand() * h);
          const r = {
            x,
            y,
            width: 1 + Math.floor(rand() * (w - x)),
            height: 1 + Math.floor(rand() * (h - y)),
          };
          e.writeRegion(r, new Uint8Array(r.width * r.height).fill(rand() < 0.5 ? 0 : 255));
        }
        look();
        // A step that changed nothing adds no undo step.
        if (e.undoDepth > depth) snapshots.push(e.toBytes());
        else expect(Buffer.from(e.toBytes()).equals(Buffer.from(snapshots.at(-1)!))).toBe(true);
        if (rand() < 0.2) e.compact(50);
      }
      // Walk the whole history back and forth: each state is exactly the one recorded.
      expect(e.undoDepth).toBe(snapshots.length - 1);
      for (let i = snapshots.length - 1; i > 0; i--) {
        expect(e.undo()).toBe(true);
        look();
        expect(Buffer.from(e.toBytes()).equals(Buffer.from(snapshots[i - 1]!))).toBe(true);
      }
      while (e.redo()) look();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(snapshots.at(-1)!))).toBe(true);
      for (const [t, copy] of seen) expect(Buffer.from(t).equals(Buffer.from(copy))).toBe(true);
    }
  });
});
