/**
 * History compaction: after each committed change, packs the raw tile copies strokes leave in the undo
 * history, a few milliseconds at a time while nothing is being painted (a gesture in progress postpones it).
 * The history is correct either way; packing only makes it smaller.
 */
import type { CanvasContext, CanvasModule } from '../module';

const DELAY_MS = 120;
const SLICE_MS = 6;

export class HistoryCompactionModule implements CanvasModule {
  readonly name = 'history-compaction';
  private timer = 0;
  private destroyed = false;

  constructor(
    private readonly ctx: CanvasContext,
    private readonly painting: () => boolean,
  ) {}

  maskChanged(): void {
    this.schedule();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer || this.destroyed) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      const e = this.ctx.engine;
      if (!e || this.destroyed) return;
      if (this.painting() || e.compact(SLICE_MS)) this.schedule();
    }, DELAY_MS);
  }
}
