/**
 * The record of a synthetic layer, as the pipeline would store it for a patch at `rect`, for tests and
 * benchmarks that build deep projects without running edits.
 */
import { EditParams, type Rect } from '../../shared/contract';
import type { NewLayer } from '../../electron/core/project';

export function syntheticLayer(
  rect: Rect,
  opts: { prompt: string; requestId: string | null; feather?: number; colorMatch?: boolean },
): NewLayer {
  return {
    prompt: opts.prompt,
    params: EditParams.parse({}),
    sent: {
      apiSize: '1024x1024',
      plan: { crop: rect, pad: { left: 0, top: 0, right: 0, bottom: 0 }, apiSize: '1024x1024', scale: 1 },
      references: 0,
      transport: 'upload',
      mode: 'async',
    },
    rect,
    feather: opts.feather ?? 4,
    colorMatch: opts.colorMatch ?? true,
    requestId: opts.requestId,
    model: 'gpt-image-1.5-edit',
    timings: {},
    creditsLeft: null,
    groupId: null,
  };
}
