/**
 * Runs object select's segmentation (segment.ts) in a Web Worker, so the canvas keeps drawing while it
 * works. One request at a time; cancel() terminates the worker (a new one starts with the next request),
 * and the pending request answers null.
 */
import type { SegmentInput } from './segment';

export interface SegmentRequest {
  id: number;
  input: SegmentInput;
}

export interface SegmentReply {
  id: number;
  mask: Uint8Array | null;
  error?: string;
}

interface Pending {
  id: number;
  resolve(mask: Uint8Array | null): void;
  reject(err: Error): void;
}

export class SegmentClient {
  private worker: Worker | null = null;
  private pending: Pending | null = null;
  private seq = 0;

  get running(): boolean {
    return this.pending !== null;
  }

  /** The mask over the crop (0/255), or null when cancelled. The input's pixel buffer is transferred. */
  run(input: SegmentInput): Promise<Uint8Array | null> {
    this.cancel();
    const worker = this.ensureWorker();
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({ id, input } satisfies SegmentRequest, [input.data.buffer as ArrayBuffer]);
    });
  }

  /** Stops the request in progress, if any: its promise answers null. */
  cancel(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.worker?.terminate();
    this.worker = null;
    p.resolve(null);
  }

  destroy(): void {
    this.cancel();
    this.worker?.terminate();
    this.worker = null;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./segment.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<SegmentReply>) => {
      const p = this.pending;
      if (!p || p.id !== e.data.id) return;
      this.pending = null;
      if (e.data.error) p.reject(new Error(e.data.error));
      else p.resolve(e.data.mask);
    };
    w.onerror = (e) => {
      const p = this.pending;
      this.pending = null;
      this.worker?.terminate();
      this.worker = null;
      p?.reject(new Error(e.message || 'the object selection stopped'));
    };
    this.worker = w;
    return w;
  }
}
