/**
 * Undo and redo of the mask, pure TS: a stack of steps, each the before/after of the tiles it touched.
 * Bounded by a step count and a byte budget (the oldest steps go first, the newest always stays). Strokes
 * and region writes commit raw tiles: the mask's own buffers, by reference (tiles are never written in
 * place, tiles.ts), so a commit copies nothing; compact() packs them later in small slices.
 */
import { storedBytes } from './tile-bytes';
import type { Packed } from './tiles';

export interface TileChange {
  index: number;
  before: Packed;
  after: Packed;
  /** before/after are raw tile copies not yet packed. */
  raw?: boolean;
}

interface Step {
  changes: TileChange[];
  bytes: number;
}

export class MaskHistory {
  private undoStack: Step[] = [];
  private redoStack: Step[] = [];
  private bytes = 0;

  constructor(
    private readonly maxSteps: number,
    private readonly maxBytes: number,
  ) {}

  get undoDepth(): number {
    return this.undoStack.length;
  }
  get redoDepth(): number {
    return this.redoStack.length;
  }
  /** Bytes of tile diffs kept (packed or raw). */
  get byteSize(): number {
    return this.bytes;
  }

  /** A new step: drops the redo steps, then the oldest steps beyond the limits. */
  push(changes: TileChange[]): void {
    let bytes = 0;
    for (const c of changes) bytes += changeBytes(c);
    for (const r of this.redoStack) this.bytes -= r.bytes;
    this.redoStack = [];
    this.undoStack.push({ changes, bytes });
    this.bytes += bytes;
    while (
      this.undoStack.length > 1 &&
      (this.undoStack.length > this.maxSteps || this.bytes > this.maxBytes)
    ) {
      this.bytes -= this.undoStack.shift()!.bytes;
    }
  }

  /** The changes of the step to undo (moved to the redo stack), or null when there is none. */
  undo(): TileChange[] | null {
    return move(this.undoStack, this.redoStack);
  }

  /** The changes of the step to redo (moved back to the undo stack), or null when there is none. */
  redo(): TileChange[] | null {
    return move(this.redoStack, this.undoStack);
  }

  /** Packs raw tile copies with `pack`, newest first, for up to `budgetMs`. Returns true while work remains. */
  compact(budgetMs: number, pack: (index: number, t: Packed) => Packed): boolean {
    const t0 = performance.now();
    for (const stack of [this.undoStack, this.redoStack]) {
      for (let k = stack.length - 1; k >= 0; k--) {
        const step = stack[k]!;
        let bytes = 0;
        let packed = false;
        for (const c of step.changes) {
          if (c.raw) {
            c.before = pack(c.index, c.before);
            c.after = pack(c.index, c.after);
            c.raw = false;
            packed = true;
          }
          bytes += changeBytes(c);
        }
        if (packed) {
          this.bytes += bytes - step.bytes;
          step.bytes = bytes;
          if (performance.now() - t0 > budgetMs) return this.needsCompact();
        }
      }
    }
    return false;
  }

  needsCompact(): boolean {
    const raw = (st: Step) => st.changes.some((c) => c.raw);
    return this.undoStack.some(raw) || this.redoStack.some(raw);
  }
}

function move(from: Step[], to: Step[]): TileChange[] | null {
  const step = from.pop();
  if (!step) return null;
  to.push(step);
  return step.changes;
}

function changeBytes(c: TileChange): number {
  return storedBytes(c.before) + storedBytes(c.after) + 32;
}
