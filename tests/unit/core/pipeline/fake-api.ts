import sharp from 'sharp';
import type { AppError } from '../../../../shared/errors';
import type {
  EditApi,
  EditCallOptions,
  EditInput,
  EditResult,
} from '../../../../electron/core/edit-api/types';

/**
 * An in-process EditApi: answers with a flat colour at the requested size, after `delayMs` and, when given,
 * once `gate` has resolved (so a test can fix the order in which concurrent edits finish).
 */
export function fakeApi(
  opts: {
    colour?: [number, number, number];
    delayMs?: number;
    gate?: Promise<unknown>;
    /** Called when an edit reaches the service. */
    onEdit?: () => void;
    fail?: AppError;
    failAfterId?: AppError;
  } = {},
) {
  const calls: EditInput[] = [];
  let n = 0;
  const respond = async (size: string, o: EditCallOptions, requestId: string): Promise<EditResult> => {
    o.onProgress?.({ stage: 'processing', elapsedSeconds: 0, requestId });
    await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
    await opts.gate;
    if (opts.failAfterId) throw opts.failAfterId;
    const [w, h] = size.split('x').map(Number);
    const [r, g, b] = opts.colour ?? [250, 10, 10];
    const image = new Uint8Array(
      await sharp({ create: { width: w!, height: h!, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
    o.onCredits?.(42);
    return {
      image,
      mime: 'image/png',
      requestId,
      creditsLeft: 42,
      timings: { total: 5, inference_time: 1.5 },
    };
  };
  const api: EditApi = {
    async edit(input, o = {}) {
      calls.push(input);
      opts.onEdit?.();
      o.onProgress?.({ stage: 'uploading', elapsedSeconds: 0 });
      if (opts.fail) throw opts.fail;
      const id = `req${++n}`;
      await o.onRequestId?.(id);
      return respond(input.params.size, o, id);
    },
    async resume(requestId, o = {}) {
      return respond('1024x1024', o, requestId);
    },
  };
  return { api, calls };
}
