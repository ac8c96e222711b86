/**
 * The composite's preparation during the wait: runEdit makes the blend weight, the seam field's sent image
 * and samples and the layer's mask file while the service works, and finish() uses them only when the
 * image is still the one they were made from.
 */
import { describe, expect, it, vi } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { runEdit } from '../../../../electron/core/pipeline';
import { compositeResult, type Mask, type Patch } from '../../../../electron/core/imaging';
import type { EditApi, EditResult } from '../../../../electron/core/edit-api/types';
import { catProject, ellipseOn } from './fixtures';
import { fakeApi } from './fake-api';

const params = EditParams.parse({ quality: 'low' });
const job = (prompt: string, mask: Mask) => ({
  prompt,
  params,
  feather: 3,
  colorMatch: true,
  mask,
  references: [],
});
const deps = (api: EditApi) => ({ api, transport: 'upload' as const, mode: 'async' as const });

/** The edit client with the result it answered kept, and a hook run while the service "works". */
function capturing(api: EditApi, during: () => Promise<void> | void) {
  const got: { result: EditResult | null } = { result: null };
  const wrapped: EditApi = {
    async edit(input, o) {
      const answer = api.edit(input, o);
      await during();
      got.result = await answer;
      return got.result;
    },
    resume: (id, o) => api.resume(id, o),
  };
  return { api: wrapped, got };
}

function samePatch(a: Patch, b: Patch): boolean {
  return (
    JSON.stringify(a.rect) === JSON.stringify(b.rect) &&
    Buffer.from(a.rgba.buffer, a.rgba.byteOffset, a.rgba.byteLength).equals(
      Buffer.from(b.rgba.buffer, b.rgba.byteOffset, b.rgba.byteLength),
    )
  );
}

describe('the composite prepared while the service works', () => {
  it('finish() does not decode the image again, and the layer is the one composited from scratch', async () => {
    const { store, session, photo } = await catProject('maskroom-prep-');
    const mask = await ellipseOn(photo, 200, 150, 60, 40);
    const current = vi.spyOn(session, 'current');
    // As a batch does while an edit waits: the decoded pixels are let go; only the preparation's region
    // buffers remain, so compositing must not need the image again.
    const c = capturing(fakeApi({ colour: [30, 160, 90] }).api, () => {
      session.forgetDecoded();
      current.mockClear();
    });
    const layer = await runEdit(session, job('green', mask), deps(c.api));
    expect(current).not.toHaveBeenCalled();
    current.mockRestore();
    const fromScratch = await compositeResult(photo, c.got.result!.image, mask, layer.sent.plan, {
      feather: 3,
      colorMatch: true,
    });
    expect(samePatch(await session.patchOf(layer), fromScratch)).toBe(true);
    await session.close();
    void store;
  });

  it('when another layer changes the image during the wait, finish() composites over the image as it is now', async () => {
    const { store, session, photo } = await catProject('maskroom-prep-');
    // A first layer over a larger area: the second edit's kept ring lies inside it.
    const first = await runEdit(
      session,
      job('blue', await ellipseOn(photo, 200, 150, 110, 80)),
      deps(fakeApi({ colour: [20, 40, 220] }).api),
    );
    const mask = await ellipseOn(photo, 200, 150, 50, 35);
    const withFirst = await session.current();
    const c = capturing(fakeApi({ colour: [230, 200, 30] }).api, () => store.setVisible(first.id, false));
    const layer = await runEdit(session, job('yellow', mask), deps(c.api));
    const opts = { feather: 3, colorMatch: true };
    const overNow = await compositeResult(photo, c.got.result!.image, mask, layer.sent.plan, opts);
    const overBefore = await compositeResult(withFirst, c.got.result!.image, mask, layer.sent.plan, opts);
    // The two images differ where the field is measured, so the test can tell which one was used.
    expect(samePatch(overNow, overBefore)).toBe(false);
    expect(samePatch(await session.patchOf(layer), overNow)).toBe(true);
    await session.close();
  });
});
