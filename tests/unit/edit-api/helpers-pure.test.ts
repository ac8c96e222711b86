/** The small pure pieces: Retry-After, backoff, redaction, parameter defaults. */
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_PARAMS, redact, validateParams } from '../../../electron/services/edit-api';
import { parseRetryAfter } from '../../../electron/services/edit-api/http';

describe('edit-api helpers', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
  });

  it('backs off exponentially with jitter, capped', () => {
    const env = { retryBaseMs: 100, retryMaxMs: 1000 };
    expect(backoffMs(1, { ...env, random: () => 0 })).toBe(50);
    expect(backoffMs(1, { ...env, random: () => 1 })).toBe(100);
    expect(backoffMs(3, { ...env, random: () => 1 })).toBe(400);
    expect(backoffMs(10, { ...env, random: () => 1 })).toBe(1000);
  });

  it('redacts the key and any x-api-key value', () => {
    expect(redact('bad key sk-12345 here', 'sk-12345')).toBe('bad key [redacted] here');
    expect(redact('{"x-api-key": "other"}', 'sk-12345')).toBe('{"x-api-key": "[redacted]"}');
  });

  it('fills in the documented defaults', () => {
    expect(DEFAULT_PARAMS).toEqual({
      size: 'auto',
      quality: 'high',
      background: 'opaque',
      outputFormat: 'png',
      outputCompression: 95,
      moderation: 'auto',
    });
    expect(validateParams({ size: '1024x1536' })).toMatchObject({
      size: '1024x1536',
      quality: 'high',
      outputCompression: 95,
    });
    expect(() => validateParams({ size: '1024x1024', outputCompression: -1 })).toThrow(/outputCompression/);
  });
});
