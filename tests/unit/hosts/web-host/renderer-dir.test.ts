/** The web host serves the renderer the build writes: <repository>/dist/renderer, wherever the host file lives. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDERER_DIR } from '../../../../electron/hosts/web-host';

describe('web host renderer folder', () => {
  it('is dist/renderer at the repository root', () => {
    const repoRoot = path.resolve(import.meta.dirname, '../../../..');
    expect(DEFAULT_RENDERER_DIR).toBe(path.join(repoRoot, 'dist', 'renderer'));
  });
});
