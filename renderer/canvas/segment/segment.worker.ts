/**
 * The worker object select runs in (client.ts starts it): one request at a time, the crop's pixels in, the
 * mask over the crop out (both transferred, not copied). Cancelling terminates the worker, so the
 * segmentation itself needs no way to be interrupted.
 */
import { segmentObject } from './segment';
import type { SegmentReply, SegmentRequest } from './client';

interface WorkerScope {
  onmessage: ((e: MessageEvent<SegmentRequest>) => void) | null;
  postMessage(message: SegmentReply, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const { id, input } = e.data;
  try {
    const mask = segmentObject(input);
    scope.postMessage({ id, mask }, mask ? [mask.buffer] : []);
  } catch (err) {
    scope.postMessage({ id, mask: null, error: err instanceof Error ? err.message : String(err) }, []);
  }
};
