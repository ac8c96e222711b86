/**
 * A 400 from the service (a request it cannot use that the client's own checks let through) surfaces the
 * service's message and is not retried. The client now refuses every unreadable image itself, so to reach
 * the service with one its reference check is bypassed here: validateInput checks the rest of the input as
 * always, without the references.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as Params from '../../../../electron/core/edit-api/params';
import type { FakeSegmind } from '../../../fake-segmind/server';
import { baseInput, clientSuite, failure } from './helpers';

vi.mock('../../../../electron/core/edit-api/params', async (importOriginal) => {
  const real = await importOriginal<typeof Params>();
  return {
    ...real,
    validateInput: (input: Parameters<typeof real.validateInput>[0]) =>
      real.validateInput({ ...input, references: [] }),
  };
});

let fake: FakeSegmind;

const client = clientSuite((f) => (fake = f), { latencyMs: 0, outputAsArray: false, retentionMs: 3_600_000 });

describe('a 400 from the service', () => {
  it('surfaces its message and is not retried', { timeout: 5000 }, async () => {
    // An inline reference the fake cannot read.
    const c = client(fake, { transport: 'inline' });
    const webpish = new Uint8Array([...Buffer.from('RIFF0000WEBPVP8 '), 0, 0, 0, 0]);
    const err = await failure(c.edit(await baseInput({ references: [webpish] })));
    expect(err.code).toBe('invalid-input');
    expect(err.message).toMatch(/image_urls\[1\] is not a readable image/);
    expect(err.attempts).toBe(1);
    expect(fake.count('submit')).toBe(1);
  });
});
