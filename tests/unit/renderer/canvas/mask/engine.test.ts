import { describe, expect, it } from 'vitest';
import { MaskEngine, type StrokeParams } from '../../../../../renderer/canvas/mask/engine';

const brush = (size: number, hardness = 1): StrokeParams => ({ mode: 'paint', size, hardness });
const eraser = (size: number, hardness = 1): StrokeParams => ({ mode: 'erase', size, hardness });

function paint(e: MaskEngine, pts: [number, number][], params: StrokeParams = brush(20)): void {
  e.beginStroke(params);
  for (const [x, y] of pts) e.strokeTo(x, y);
  e.endStroke();
}

describe('MaskEngine', () => {
  it('is empty at first, allocates no tiles, and gives width·height bytes', () => {
    const e = new MaskEngine(1000, 700);
    expect(e.isEmpty()).toBe(true);
    expect(e.tiles.every((t) => t === null)).toBe(true);
    expect(e.tilesX).toBe(4);
    expect(e.tilesY).toBe(3);
    const b = e.toBytes();
    expect(b.length).toBe(700_000);
    expect(b.every((v) => v === 0)).toBe(true);
  });

  it('stamps a hard disc at photo coordinates, 1:1 with the pixels', () => {
    const e = new MaskEngine(600, 400);
    paint(e, [[300.5, 200.5]], brush(41, 1));
    expect(e.getPixel(300, 200)).toBe(255);
    expect(e.getPixel(300 + 19, 200)).toBe(255);
    expect(e.getPixel(300 + 22, 200)).toBe(0);
    expect(e.getPixel(300, 200 - 22)).toBe(0);
    const s = e.stats();
    // Area of a disc of radius 20.5 ≈ 1320 px.
    expect(s.nonZero).toBeGreaterThan(1250);
    expect(s.nonZero).toBeLessThan(1400);
    expect(s.bbox).toEqual({ x: 280, y: 180, width: 41, height: 41 });
    // Only the tile under the stamp was allocated.
    expect(e.tiles.filter(Boolean).length).toBe(1);
  });

  it('soft brush falls off from the centre to the edge, monotonically', () => {
    const e = new MaskEngine(300, 300);
    paint(e, [[150, 150]], brush(100, 0));
    const row = Array.from({ length: 50 }, (_, i) => e.getPixel(150 + i, 150));
    expect(row[0]).toBeGreaterThan(240);
    expect(row[49]).toBeLessThan(10);
    for (let i = 1; i < row.length; i++) expect(row[i]!).toBeLessThanOrEqual(row[i - 1]!);
    expect(row[25]).toBeGreaterThan(60);
    expect(row[25]).toBeLessThan(200);
  });

  it('hardness keeps a full core out to hardness·radius', () => {
    const e = new MaskEngine(300, 300);
    paint(e, [[150, 150]], brush(100, 0.6));
    expect(e.getPixel(150 + 28, 150)).toBe(255);
    expect(e.getPixel(150 + 40, 150)).toBeLessThan(255);
    expect(e.getPixel(150 + 40, 150)).toBeGreaterThan(0);
  });

  it('a stroke interpolates between points without gaps and does not build up where its stamps overlap', () => {
    const e = new MaskEngine(600, 200);
    paint(
      e,
      [
        [50, 100],
        [550, 100],
      ],
      brush(40, 0.2),
    );
    for (let x = 60; x < 540; x++) expect(e.getPixel(x, 100)).toBe(255);
    // Across the stroke, a point 15 px off centre has the same value everywhere along it (max, not sum).
    const off = new Set<number>();
    for (let x = 100; x < 500; x += 7) off.add(e.getPixel(x, 115));
    expect(Math.max(...off) - Math.min(...off)).toBeLessThanOrEqual(3);
  });

  it('pressure scales the brush size', () => {
    const e = new MaskEngine(400, 200);
    e.beginStroke(brush(60, 1));
    e.strokeTo(100, 100, 1);
    e.endStroke();
    e.beginStroke(brush(60, 1));
    e.strokeTo(300, 100, 0.25);
    e.endStroke();
    expect(e.getPixel(100, 100 + 25)).toBe(255);
    expect(e.getPixel(300, 100 + 25)).toBe(0);
    expect(e.getPixel(300, 100 + 5)).toBe(255);
  });

  it('commits a stroke once on release: one undo step, onChange fires once', () => {
    const e = new MaskEngine(500, 500);
    let changes = 0;
    e.onChange(() => changes++);
    e.beginStroke(brush(30));
    for (let i = 0; i < 100; i++) e.strokeTo(100 + i * 3, 100 + i * 2);
    expect(changes).toBe(0);
    expect(e.getPixel(250, 200)).toBe(255); // visible while in progress
    expect(e.undoDepth).toBe(0);
    e.endStroke();
    expect(changes).toBe(1);
    expect(e.undoDepth).toBe(1);
  });

  it('the eraser removes paint and erasing nothing allocates nothing', () => {
    const e = new MaskEngine(800, 300);
    paint(e, [[400, 150]], eraser(100));
    expect(e.tiles.every((t) => t === null)).toBe(true);
    expect(e.undoDepth).toBe(0);
    paint(
      e,
      [
        [100, 150],
        [700, 150],
      ],
      brush(60),
    );
    paint(
      e,
      [
        [400, 100],
        [400, 200],
      ],
      eraser(40),
    );
    expect(e.getPixel(400, 150)).toBe(0);
    expect(e.getPixel(300, 150)).toBe(255);
  });

  it('undo and redo every stroke and action exactly, for well over 100 steps', () => {
    const e = new MaskEngine(1024, 768);
    const snapshots: Uint8Array[] = [e.toBytes()];
    for (let i = 0; snapshots.length <= 130; i++) {
      const x = (i * 37) % 1000;
      const y = (i * 53) % 740;
      const depth = e.undoDepth;
      if (i % 10 === 9) e.invert();
      else
        paint(
          e,
          [
            [x, y],
            [x + 40, y + 20],
          ],
          i % 5 === 4 ? eraser(50, 0.5) : brush(30, (i % 3) / 2),
        );
      if (e.undoDepth === depth + 1) snapshots.push(e.toBytes());
    }
    expect(e.undoDepth).toBe(130);
    for (let k = 129; k >= 0; k--) {
      expect(e.undo()).toBe(true);
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(snapshots[k]!)), `after undo to step ${k}`).toBe(
        true,
      );
    }
    expect(e.canUndo).toBe(false);
    expect(e.isEmpty()).toBe(true);
    for (let k = 1; k <= 130; k++) {
      expect(e.redo()).toBe(true);
      if (k % 13 === 0 || k === 130)
        expect(Buffer.from(e.toBytes()).equals(Buffer.from(snapshots[k]!)), `after redo to step ${k}`).toBe(
          true,
        );
    }
    expect(e.canRedo).toBe(false);
  });

  it('packs raw stroke diffs when compacted, without changing what undo restores', () => {
    const e = new MaskEngine(1500, 1000);
    const snaps = [e.toBytes()];
    for (let i = 0; i < 6; i++) {
      paint(
        e,
        [
          [100 + i * 200, 100],
          [150 + i * 200, 900],
        ],
        brush(120, 0.5),
      );
      snaps.push(e.toBytes());
    }
    expect(e.needsCompact()).toBe(true);
    const rawBytes = e.historyByteSize;
    e.undo(); // one step moves to the redo stack while still raw
    while (e.compact(1000));
    expect(e.needsCompact()).toBe(false);
    expect(e.historyByteSize).toBeLessThan(rawBytes / 4);
    e.redo();
    for (let k = 5; k >= 0; k--) {
      e.undo();
      expect(Buffer.from(e.toBytes()).equals(Buffer.from(snaps[k]!))).toBe(true);
    }
  });

  it('a new change after undo drops the redo steps', () => {
    const e = new MaskEngine(300, 300);
    paint(e, [[100, 100]]);
    paint(e, [[200, 200]]);
    e.undo();
    expect(e.canRedo).toBe(true);
    paint(e, [[50, 250]]);
    expect(e.canRedo).toBe(false);
    expect(e.getPixel(200, 200)).toBe(0);
  });

  it('bounds the history by steps and by bytes', () => {
    const e = new MaskEngine(512, 512, { maxUndoSteps: 150 });
    for (let i = 0; i < 400; i++) paint(e, [[(i * 13) % 500, (i * 29) % 500]], brush(10));
    expect(e.undoDepth).toBe(150);
    // Inverting whole tiles packs to almost nothing: 200 of them fit a small budget.
    const small = new MaskEngine(1000, 1000, { maxUndoBytes: 1_000_000 });
    for (let i = 0; i < 200; i++) small.invert();
    expect(small.undoDepth).toBe(200);
    expect(small.historyByteSize).toBeLessThanOrEqual(200 * 16 * 2 * 40);
    // Soft strokes across the whole width pack poorly: the budget drops the oldest steps.
    for (let i = 0; i < 60; i++)
      paint(
        small,
        [
          [0, i * 16],
          [999, i * 16 + 10],
        ],
        brush(300, 0),
      );
    expect(small.historyByteSize).toBeLessThanOrEqual(1_000_000);
    expect(small.undoDepth).toBeLessThan(60);
    expect(small.undoDepth).toBeGreaterThan(0);
  });

  it('invert is undoable and only inverts the photo area', () => {
    const e = new MaskEngine(300, 200);
    paint(e, [[150, 100]], brush(50));
    e.invert();
    expect(e.getPixel(150, 100)).toBe(0);
    expect(e.getPixel(5, 5)).toBe(255);
    expect(e.getPixel(299, 199)).toBe(255);
    expect(e.stats().nonZero).toBe(300 * 200 - new MaskEngine(300, 200).stats().nonZero - countDisc(50));
    e.undo();
    expect(e.getPixel(150, 100)).toBe(255);
    expect(e.getPixel(5, 5)).toBe(0);
  });

  it('clear empties the mask, frees tiles, and can be undone', () => {
    const e = new MaskEngine(600, 600);
    paint(
      e,
      [
        [100, 100],
        [500, 500],
      ],
      brush(80, 0.5),
    );
    const before = e.toBytes();
    e.clear();
    expect(e.isEmpty()).toBe(true);
    expect(e.tiles.every((t) => t === null)).toBe(true);
    e.undo();
    expect(Buffer.from(e.toBytes()).equals(Buffer.from(before))).toBe(true);
  });

  it('grow and shrink move a hard edge by the given pixels, undoably', () => {
    const e = new MaskEngine(800, 600);
    paint(e, [[400.5, 300.5]], brush(101, 1)); // radius 50.5
    const r0 = radiusAlong(e, 400, 300);
    // The octagon reaches a little past the disc between its axes, so the antialiased edge may move one more pixel.
    e.grow(20);
    expect(Math.abs(radiusAlong(e, 400, 300) - (r0 + 20))).toBeLessThanOrEqual(1);
    e.undo();
    expect(radiusAlong(e, 400, 300)).toBe(r0);
    e.shrink(20);
    expect(Math.abs(radiusAlong(e, 400, 300) - (r0 - 20))).toBeLessThanOrEqual(1);
    e.shrink(1000);
    expect(e.isEmpty()).toBe(true);
  });

  it('shrink does not eat a mask from the photo border', () => {
    const e = new MaskEngine(300, 300);
    e.invert();
    e.shrink(10);
    expect(e.getPixel(0, 0)).toBe(255);
    expect(e.getPixel(299, 150)).toBe(255);
  });

  it('loads a mask back from bytes as an undoable step, and rejects the wrong size', () => {
    const e = new MaskEngine(333, 222);
    const data = new Uint8Array(333 * 222);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
    e.load(data);
    expect(Buffer.from(e.toBytes()).equals(Buffer.from(data))).toBe(true);
    expect(e.getPixel(10, 3)).toBe(((3 * 333 + 10) * 7) % 256);
    e.undo();
    expect(e.isEmpty()).toBe(true);
    expect(() => e.load(new Uint8Array(10))).toThrow(/needs 73926/);
  });

  it('cancelStroke restores the mask as it was', () => {
    const e = new MaskEngine(400, 400);
    paint(e, [[100, 100]]);
    const before = e.toBytes();
    e.beginStroke(brush(100));
    e.strokeTo(200, 200);
    e.strokeTo(300, 300);
    e.cancelStroke();
    expect(Buffer.from(e.toBytes()).equals(Buffer.from(before))).toBe(true);
    expect(e.undoDepth).toBe(1);
  });

  it('reports dirty rectangles covering each change', () => {
    const e = new MaskEngine(2000, 2000);
    e.takeDirty();
    e.beginStroke(brush(20));
    e.strokeTo(1000, 1000);
    const d = e.takeDirty()!;
    expect(d.x).toBeLessThanOrEqual(990);
    expect(d.x + d.width).toBeGreaterThanOrEqual(1010);
    expect(d.width).toBeLessThan(30);
    expect(e.takeDirty()).toBeNull();
    e.endStroke();
    e.undo();
    const u = e.takeDirty()!;
    expect(u).toEqual({ x: 768, y: 768, width: 256, height: 256 });
  });
});

function countDisc(size: number): number {
  const e = new MaskEngine(300, 200);
  e.beginStroke(brush(size));
  e.strokeTo(150, 100);
  e.endStroke();
  // Pixels that were partly covered are inverted to partial values, still non-zero: count only fully masked ones.
  return e.toBytes().filter((v) => v === 255).length;
}

/** Last x (relative to cx) along the row through (cx, cy) with value >= 128. */
function radiusAlong(e: MaskEngine, cx: number, cy: number): number {
  let r = 0;
  while (e.getPixel(cx + r + 1, cy) >= 128) r++;
  return r;
}
