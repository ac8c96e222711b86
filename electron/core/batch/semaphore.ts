/**
 * A weighted semaphore: holders take `n` units of a fixed capacity, served in arrival order (a large request
 * is not starved by small ones behind it). A request larger than the capacity takes the whole capacity.
 */
export class Semaphore {
  private free: number;
  private readonly waiting: Array<{ n: number; go: () => void }> = [];

  constructor(readonly capacity: number) {
    this.capacity = Math.max(1, capacity);
    this.free = this.capacity;
  }

  private clamp(n: number): number {
    return Math.min(this.capacity, Math.max(1, n));
  }

  acquire(n = 1): Promise<void> {
    const units = this.clamp(n);
    if (this.waiting.length === 0 && this.free >= units) {
      this.free -= units;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ n: units, go }));
  }

  release(n = 1): void {
    this.free = Math.min(this.capacity, this.free + this.clamp(n));
    while (this.waiting.length > 0 && this.free >= this.waiting[0]!.n) {
      const w = this.waiting.shift()!;
      this.free -= w.n;
      w.go();
    }
  }

  /** Units free now (for tests). */
  available(): number {
    return this.free;
  }
}
