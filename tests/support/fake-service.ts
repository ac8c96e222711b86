/**
 * The fake Segmind service for a file of tests: one instance for the file, and the edit-client settings that
 * point at it (upload transport, async mode, a 20 ms poll so waits stay short).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { EditApiConfig } from '../../electron/core/edit-api';
import { startFakeSegmind, type FakeSegmind, type FakeSegmindOptions } from '../fake-segmind/server';

/**
 * Registers the hooks of a file (or describe block) that shares one fake: started before all its tests
 * (with `options`) and handed to `use`, closed after them, and before each test `reset`.
 */
export function useFakeSegmind(
  use: (fake: FakeSegmind) => void,
  reset: (fake: FakeSegmind) => void,
  options: FakeSegmindOptions = {},
): void {
  let fake: FakeSegmind;
  beforeAll(async () => {
    fake = await startFakeSegmind(options);
    use(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => reset(fake));
}

/** The client settings that reach `fake`: its key and bases, upload transport, async mode, 20 ms polls. */
export function fakeServiceConfig(fake: FakeSegmind) {
  return {
    apiKey: fake.apiKey,
    apiBase: fake.apiBase,
    storageBase: fake.storageBase,
    transport: 'upload',
    mode: 'async',
    pollIntervalMs: 20,
  } satisfies EditApiConfig;
}
