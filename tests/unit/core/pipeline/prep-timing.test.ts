/**
 * When the composite's preparation runs: once the service has the request (queued or processing), never
 * while the inputs are still being uploaded and submitted. Its CPU work on the event loop would otherwise
 * hold up the upload and the submit, and the service's own wait only starts with the submit.
 */
import { describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { EditParams } from '../../../../shared/contract';
import { runEdit } from '../../../../electron/core/pipeline';
import type { EditApi, EditCallOptions, EditResult } from '../../../../electron/core/edit-api/types';
import { catProject, ellipseOn } from './fixtures';
import type * as Composite from '../../../../electron/core/imaging/composite';

const events = vi.hoisted(() => [] as string[]);

vi.mock('../../../../electron/core/imaging/composite', async (importOriginal) => {
  const m = await importOriginal<typeof Composite>();
  return {
    ...m,
    prepareComposite: (...a: Parameters<typeof m.prepareComposite>) => {
      events.push('prep');
      return m.prepareComposite(...a);
    },
    compositePrepared: (...a: Parameters<typeof m.compositePrepared>) => {
      events.push('composite-prepared');
      return m.compositePrepared(...a);
    },
  };
});

const params = EditParams.parse({ quality: 'low' });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answer(size: string, requestId: string): Promise<EditResult> {
  const [w, h] = size.split('x').map(Number);
  const image = new Uint8Array(
    await sharp({ create: { width: w!, height: h!, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toBuffer(),
  );
  return { image, mime: 'image/png', requestId, creditsLeft: 1, timings: { total: 1 } };
}

/**
 * A client that takes its time over the upload and the submit (event-loop turns an early preparation would
 * run in), then reports the request as the async or the sync flow does, or reports nothing at all.
 */
function slowSubmit(report: 'async' | 'sync' | 'silent'): EditApi {
  return {
    async edit(input, o: EditCallOptions = {}) {
      if (report !== 'silent') o.onProgress?.({ stage: 'uploading', elapsedSeconds: 0 });
      for (let i = 0; i < 5; i++) await tick(5);
      if (report === 'sync') o.onProgress?.({ stage: 'processing', elapsedSeconds: 0 });
      events.push('submitted');
      if (report === 'async') {
        await o.onRequestId?.('req1');
        o.onProgress?.({ stage: 'queued', elapsedSeconds: 0, requestId: 'req1' });
      }
      for (let i = 0; i < 5; i++) await tick(5);
      events.push('answered');
      return answer(input.params.size, 'req1');
    },
    resume: () => Promise.reject(new Error('not used')),
  };
}

describe('the preparation during the wait', () => {
  for (const report of ['async', 'sync', 'silent'] as const) {
    it(`starts after the submit (${report} client) and is what finish() composites from`, async () => {
      const { session, photo } = await catProject('maskroom-prep-timing-');
      events.length = 0;
      const mask = await ellipseOn(photo, 200, 150, 60, 40);
      await runEdit(
        session,
        { prompt: 'red', params, feather: 3, colorMatch: true, mask, references: [] },
        { api: slowSubmit(report), transport: 'upload', mode: 'async' },
      );
      const at = (e: string) => events.indexOf(e);
      expect(at('submitted')).toBeGreaterThanOrEqual(0);
      expect(at('prep')).toBeGreaterThan(at('submitted'));
      // A client that reports the request starts it during the wait, before the answer.
      if (report !== 'silent') expect(at('prep')).toBeLessThan(at('answered'));
      expect(at('composite-prepared')).toBeGreaterThan(at('prep'));
      await session.close();
    });
  }
});
