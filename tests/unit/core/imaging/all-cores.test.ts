/**
 * useAllCores: libvips may then run one operation on every core the machine offers (sharp's own default on
 * glibc Linux is one thread an operation). The CLI calls it when it loads the imaging core.
 */
import os from 'node:os';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { useAllCores } from '../../../../electron/core/imaging';

describe('useAllCores', () => {
  const before = sharp.concurrency();
  afterEach(() => void sharp.concurrency(before));

  it("sets libvips' threads an operation to the number of cores", () => {
    sharp.concurrency(1);
    useAllCores();
    expect(sharp.concurrency()).toBe(os.availableParallelism());
  });
});
