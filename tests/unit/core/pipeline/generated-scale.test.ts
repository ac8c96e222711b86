/** Each layer records the scale its pixels were generated at, and the contract layer carries it. */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { EditParams } from '../../../../shared/contract';
import { ProjectStore, toContractLayer } from '../../../../electron/core/project';
import { ProjectSession, runEdit } from '../../../../electron/core/pipeline';
import { loadPhoto, maskFromFile } from '../../../../electron/core/imaging';
import { ellipseMask } from './fixtures';
import { fakeApi } from './fake-api';

async function editOn(width: number, height: number, rx: number, ry: number) {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'maskroom-scale-')), 'p');
  const photoBytes = new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 200 } } })
      .png()
      .toBuffer(),
  );
  const photo = await loadPhoto(photoBytes);
  const store = await ProjectStore.create(dir, {
    photo: photoBytes,
    name: 'scale',
    width,
    height,
    format: photo.format,
  });
  const session = new ProjectSession(store);
  const mask = await maskFromFile(
    await ellipseMask(width, height, width / 2, height / 2, rx, ry),
    width,
    height,
  );
  const { api } = fakeApi();
  const params = EditParams.parse({ quality: 'low' });
  const stored = await runEdit(
    session,
    { prompt: 'p', params, feather: 2, colorMatch: true, mask, references: [] },
    { api, transport: 'upload', mode: 'async' },
    {},
  );
  return { stored, store };
}

describe('generated scale', () => {
  it('is the plan scale capped at 1, recorded on the layer and in the contract', async () => {
    const big = await editOn(3000, 2000, 1400, 900);
    expect(big.stored.sent.plan.scale).toBeLessThan(1);
    expect(big.stored.generatedScale).toBe(big.stored.sent.plan.scale);
    expect(toContractLayer(big.stored).generatedScale).toBe(big.stored.sent.plan.scale);
    const small = await editOn(600, 400, 60, 40);
    expect(small.stored.sent.plan.scale).toBeGreaterThan(1);
    expect(small.stored.generatedScale).toBe(1);
  });

  it('an older manifest without it reads the scale from the plan by the same rule', async () => {
    const { stored } = await editOn(3000, 2000, 1400, 900);
    const old = { ...stored, generatedScale: null };
    expect(toContractLayer(old).generatedScale).toBe(Math.min(1, stored.sent.plan.scale));
  });
});
