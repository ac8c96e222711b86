import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EditParams } from '../../../../shared/contract';
import type { NewLayer } from '../../../../electron/core/project';

export async function tempDir(prefix = 'maskroom-history-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function fakeLayer(prompt: string, extra: Partial<NewLayer> = {}): NewLayer {
  return {
    prompt,
    params: EditParams.parse({ quality: 'low' }),
    sent: {
      apiSize: '1024x1024',
      plan: {
        crop: { x: 0, y: 0, width: 10, height: 10 },
        pad: { left: 0, top: 0, right: 0, bottom: 0 },
        apiSize: '1024x1024',
        scale: 102.4,
      },
      references: 0,
      transport: 'upload',
      mode: 'async',
    },
    rect: { x: 1, y: 2, width: 3, height: 4 },
    feather: 4,
    colorMatch: true,
    requestId: `req-${prompt}`,
    model: 'gpt-image-1.5-edit',
    timings: { total: 1234 },
    creditsLeft: 99,
    groupId: null,
    ...extra,
  };
}

export function fakeFiles(seed: string) {
  const b = (s: string) => new TextEncoder().encode(`${seed}:${s}`);
  return { patch: b('patch'), mask: b('mask'), thumb: b('thumb') };
}

export const PHOTO = new TextEncoder().encode('not really a jpeg, but bytes the store must keep as they are');

/** A journal entry for layer `layerId`: prompt "p", default parameters. */
export const fakeJob = (jobId: string, layerId: string) => ({
  jobId,
  layerId,
  groupId: null,
  prompt: 'p',
  params: EditParams.parse({}),
  sent: fakeLayer('x').sent,
  feather: 4,
  colorMatch: true,
  model: 'gpt-image-1.5-edit',
});
