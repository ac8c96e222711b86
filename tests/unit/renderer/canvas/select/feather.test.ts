import { describe, expect, it } from 'vitest';
import { featherMask, growMask } from '../../../../../electron/core/imaging/mask';
import { featherWeight } from '../../../../../renderer/canvas/select/feather';
import { rng } from './rng';

describe('feather preview', () => {
  it('is exactly the compositor’s blend weight (grow by the feather, then feather) for any mask and radius', () => {
    const rand = rng(23);
    for (let round = 0; round < 40; round++) {
      const w = 1 + Math.floor(rand() * 80);
      const h = 1 + Math.floor(rand() * 80);
      const data = new Uint8Array(w * h);
      // A few blobs, some touching the border, grey levels too.
      for (let b = 0; b < 1 + Math.floor(rand() * 4); b++) {
        const x0 = Math.floor(rand() * w);
        const y0 = Math.floor(rand() * h);
        const x1 = Math.min(w, x0 + 1 + Math.floor(rand() * 30));
        const y1 = Math.min(h, y0 + 1 + Math.floor(rand() * 30));
        const v = rand() < 0.6 ? 255 : 1 + Math.floor(rand() * 254);
        for (let y = y0; y < y1; y++) data.fill(v, y * w + x0, y * w + x1);
      }
      const feather = [0, 1, 2.5, 4, 7, 16][round % 6]!;
      const core =
        feather > 0
          ? featherMask(growMask({ width: w, height: h, data }, Math.ceil(feather)), feather).data
          : data;
      const got = featherWeight(data, w, h, feather);
      expect(Buffer.from(got).equals(Buffer.from(core))).toBe(true);
    }
  });
});
