/** The small pure pieces: Retry-After, backoff, redaction, parameter defaults. */
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_PARAMS, redact, validateParams } from '../../../../electron/core/edit-api';
import { serviceReason, waitWords } from '../../../../electron/core/edit-api/errors';
import { parseRetryAfter, rateLimitWaitMs } from '../../../../electron/core/edit-api/http';

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

  it('reads x-rate-limit-reset-at-utc when Retry-After is absent, and prefers Retry-After', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    for (const s of [0, 1, 59, 61, 3600, 86_400]) {
      const at = new Date(now + s * 1000).toISOString();
      expect(rateLimitWaitMs({ 'x-rate-limit-reset-at-utc': at }, now)).toBe(s * 1000);
      // Without a zone the time is UTC, as the header's name says.
      expect(rateLimitWaitMs({ 'x-rate-limit-reset-at-utc': at.replace('Z', '') }, now)).toBe(s * 1000);
      expect(rateLimitWaitMs({ 'retry-after': '7', 'x-rate-limit-reset-at-utc': at }, now)).toBe(7000);
    }
    expect(rateLimitWaitMs({ 'x-rate-limit-reset-at-utc': '2024-12-31T23:00:00Z' }, now)).toBe(0);
    expect(rateLimitWaitMs({ 'x-rate-limit-reset-at-utc': 'soon' }, now)).toBeNull();
    expect(rateLimitWaitMs({}, now)).toBeNull();
  });

  it('says waits in words, never "a minute" for an hour', () => {
    expect(waitWords(3_600_000)).toBe('60 minutes');
    expect(waitWords(30_000)).toBe('30 seconds');
    expect(waitWords(1000)).toBe('1 second');
    expect(waitWords(5 * 3_600_000)).toBe('5 hours');
    for (let s = 1; s < 100_000; s = Math.ceil(s * 1.7)) {
      const words = waitWords(s * 1000);
      const [n, unit] = words.split(' ');
      const factor = unit?.startsWith('second') ? 1 : unit?.startsWith('minute') ? 60 : 3600;
      // Within the rounding of its unit.
      expect(Math.abs(Number(n) * factor - s), words).toBeLessThanOrEqual(factor / 2);
    }
  });

  it('redacts the key as is, URL-encoded and base64, before trimming to 300 characters', () => {
    const key = 'sk-A1/b2+C3=d4&E5';
    const forms = [
      key,
      encodeURIComponent(key),
      Buffer.from(key).toString('base64'),
      Buffer.from(key).toString('base64url'),
    ];
    expect(new Set(forms).size).toBe(4);
    for (const form of forms) {
      expect(redact(`echo ${form}!`, key)).toBe('echo [redacted]!');
      for (let offset = 270; offset <= 300; offset++) {
        const out = serviceReason(`${'.'.repeat(offset)}${form} more text`, key);
        expect(out.length).toBeLessThanOrEqual(301);
        expect(out, `${form} at ${offset}`).not.toContain(form.slice(0, 5));
      }
    }
  });
});
