/**
 * History compaction: after each committed change, packs the raw tile copies strokes leave in the undo
 * history, a few milliseconds at a time while nothing is being painted (a gesture in progress postpones it).
 * The history is correct either way; packing only makes it smaller.
 *
 * While a gesture is in progress it does not poll at the pace of its slices: it waits for the gesture's end
 * (a pointer released or cancelled, an interrupt, or the next committed change) and only looks again after
 * IDLE_CHECK_MS in case a gesture ends without any of those (an object selection cancelled by Esc). A timer
 * task every 120 ms of a stroke was one more task in one frame out of seven, for nothing.
 */
import type { CanvasContext, CanvasModule } from '../module';

const DELAY_MS = 120;
const SLICE_MS = 6;
/** While a gesture postpones the packing: how long before looking again without an end of gesture. */
export const IDLE_CHECK_MS = 2000;

export class HistoryCompactionModule implements CanvasModule {
  readonly name = 'history-compaction';
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Packing was postponed by a gesture: resume at its end. */
  private postponed = false;
  private destroyed = false;

  constructor(
    private readonly ctx: CanvasContext,
    private readonly painting: () => boolean,
  ) {}

  maskChanged(): void {
    this.resume();
  }

  pointerUp(): void {
    if (this.postponed) this.resume();
  }

  pointerCancel(): void {
    if (this.postponed) this.resume();
  }

  interrupt(): void {
    if (this.postponed) this.resume();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Packs again DELAY_MS from now (sooner than a postponed check). */
  private resume(): void {
    this.postponed = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.schedule(DELAY_MS);
  }

  private schedule(delay: number): void {
    if (this.timer !== null || this.destroyed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const e = this.ctx.engine;
      if (!e || this.destroyed) return;
      if (this.painting()) {
        this.postponed = true;
        this.schedule(IDLE_CHECK_MS);
      } else if (e.compact(SLICE_MS)) this.schedule(DELAY_MS);
    }, delay);
  }
}
