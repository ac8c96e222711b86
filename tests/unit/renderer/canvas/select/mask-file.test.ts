import { describe, expect, it } from 'vitest';
import { checkMaskSize, maskFromRgba, maskToRgba } from '../../../../../renderer/canvas/select/mask-file';
import { rng } from './rng';

describe('mask files', () => {
  it('an opaque image gives its luminance; exported grey comes back unchanged', () => {
    const rand = rng(17);
    const n = 500;
    const mask = new Uint8Array(n).map(() => Math.floor(rand() * 256));
    const rgba = maskToRgba(mask);
    expect(maskFromRgba({ width: n, height: 1, data: rgba })).toEqual(mask);
    // Colour: Rec. 601 luma.
    const c = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    expect([...maskFromRgba({ width: 3, height: 1, data: c })]).toEqual([76, 150, 29]);
  });

  it('an image with transparency gives its alpha, whatever its colours', () => {
    const rand = rng(19);
    const n = 300;
    const data = new Uint8Array(n * 4).map(() => Math.floor(rand() * 256));
    data[3] = 0;
    const m = maskFromRgba({ width: n, height: 1, data });
    for (let i = 0; i < n; i++) expect(m[i]).toBe(data[i * 4 + 3]);
  });

  it('a file of another size is refused with one sentence saying what to do', () => {
    expect(() => checkMaskSize(10, 10, 10, 10)).not.toThrow();
    expect(() => checkMaskSize(100, 80, 6000, 4000)).toThrow(
      /^The mask file is 100x80 pixels but the photo is 6000x4000; choose a mask made for this photo\.$/,
    );
  });
});
