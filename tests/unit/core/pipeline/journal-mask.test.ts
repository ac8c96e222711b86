/**
 * The edit mask in the journal: a mask read from a PNG file is journaled as that file (no full-frame encode
 * on the way to the upload), any other mask as an encoded PNG; either way resume reads back the very mask
 * that was sent.
 */
import { describe, expect, it } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { resumeJob, runEdit } from '../../../../electron/core/pipeline';
import { maskFromFile, maskFromPayload, type Mask } from '../../../../electron/core/imaging';
import { catProject, ellipseMask } from './fixtures';
import { fakeApi } from './fake-api';

const params = EditParams.parse({ quality: 'low' });
const deps = (api: ReturnType<typeof fakeApi>['api']) => ({
  api,
  transport: 'upload' as const,
  mode: 'async' as const,
});

/** Runs an edit that the service accepts and then times out on, so its journal entry stays; returns it. */
async function journaled(mask: Mask) {
  const p = await catProject('maskroom-journal-mask-');
  const { api } = fakeApi({
    failAfterId: new AppError('timeout', 'The service took too long; resume later.'),
  });
  await expect(
    runEdit(
      p.session,
      { prompt: 'p', params, feather: 2, colorMatch: true, mask, references: [] },
      deps(api),
    ),
  ).rejects.toMatchObject({ code: 'timeout' });
  const [entry] = await p.store.pendingJobs();
  return { ...p, entry: entry!, bytes: await p.store.readJobMask(entry!) };
}

describe('the journaled edit mask', () => {
  it('is the PNG file the mask was read from, byte for byte, and resume reads the same mask from it', async () => {
    const file = await ellipseMask(451, 300, 200, 150, 60, 40);
    const mask = await maskFromFile(file, 451, 300);
    const { session, store, entry, bytes } = await journaled(mask);
    expect(Buffer.from(bytes).equals(Buffer.from(file))).toBe(true);
    expect((await maskFromFile(bytes, store.width, store.height)).data).toEqual(mask.data);
    const layer = await resumeJob(session, entry, deps(fakeApi().api));
    expect(layer.id).toBe(entry.layerId);
    await session.close();
  });

  it('is an encoded PNG of the mask when the mask came as raw bytes', async () => {
    const file = await ellipseMask(451, 300, 120, 100, 50, 30);
    const data = (await maskFromFile(file, 451, 300)).data;
    const mask = await maskFromPayload(
      { kind: 'raw', width: 451, height: 300, data: new Uint8Array(data) },
      451,
      300,
    );
    const { session, store, bytes } = await journaled(mask);
    expect(Buffer.from(bytes).equals(Buffer.from(file))).toBe(false);
    expect((await maskFromFile(bytes, store.width, store.height)).data).toEqual(mask.data);
    await session.close();
  });
});
