/**
 * When the host guard refuses a connection, nothing was sent: the client reports the guard's own sentence at
 * once (no retries, never "could not reach" and never "the service may have charged it").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  installNodeNetworkGuard,
  type HostPolicy,
  type NetworkGuard,
} from '../../../../electron/core/network-guard';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { baseInput, clientFor, failure } from './helpers';

let fake: FakeSegmind;
let guard: NetworkGuard | null = null;

beforeAll(async () => {
  fake = await startFakeSegmind();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  guard?.uninstall();
  guard = null;
});

/** A policy that refuses every host but the one named (by origin). */
function only(allowedOrigin: string | null): HostPolicy {
  return {
    allows: (url) => allowedOrigin !== null && new URL(url).origin === allowedOrigin,
    describe: () => (allowedOrigin ? [allowedOrigin] : []),
  };
}

describe('a connection the host guard refuses', () => {
  it('fails the upload at once with the guard sentence, and the service sees nothing', async () => {
    guard = installNodeNetworkGuard(only(null), () => undefined);
    fake.clearLog();
    const err = await failure(clientFor(fake).edit(await baseInput()));
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/blocked a connection/);
    expect(err.attempts).toBe(1);
    expect(fake.requests).toHaveLength(0);
  }, 15_000);

  it('is not an unknown outcome when the submit itself is refused', async () => {
    // Storage is allowed (a different origin in the fake), the API host is not.
    const storage = new URL(fake.storageBase).origin;
    const api = new URL(fake.apiBase).origin;
    if (storage === api) {
      // Same origin for both: the refusal happens at the upload, covered above.
      guard = installNodeNetworkGuard(only(null), () => undefined);
    } else {
      guard = installNodeNetworkGuard(only(storage), () => undefined);
    }
    fake.clearLog();
    const err = await failure(clientFor(fake, { transport: 'inline' }).edit(await baseInput()));
    expect(err.code).toBe('forbidden');
    expect(err.code).not.toBe('outcome-unknown');
    expect(err.attempts).toBe(1);
    expect(fake.requests.filter((r) => r.endpoint === 'submit')).toHaveLength(0);
  }, 15_000);
});
