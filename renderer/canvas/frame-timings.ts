/**
 * Per-frame milliseconds for tests and benchmarks: the canvas's own drawing work in each frame, and the
 * input handling (stroke rasterisation) since the frame before. At most 10 000 frames are kept between reads.
 */
export class FrameTimings {
  private frame: number[] = [];
  private input: number[] = [];
  private inputAcc = 0;

  addInput(ms: number): void {
    this.inputAcc += ms;
  }

  endFrame(drawMs: number): void {
    if (this.frame.length < 10000) {
      this.frame.push(drawMs);
      this.input.push(this.inputAcc);
    }
    this.inputAcc = 0;
  }

  /** The timings since the last call. */
  take(): { frame: number[]; input: number[] } {
    const out = { frame: this.frame, input: this.input };
    this.frame = [];
    this.input = [];
    return out;
  }
}
