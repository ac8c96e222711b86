/**
 * The upload's body is built as bytes: for any images (any length, so every base64 padding; PNG, JPEG, WebP
 * or unknown bytes; one to several), it is byte for byte the JSON text JSON.stringify gives for
 * `{ data_urls: [data URL, ...] }`, and it parses back to the images.
 */
import { describe, expect, it } from 'vitest';
import { uploadBody } from '../../../../electron/core/edit-api/client';
import { rng } from '../../../support/prng';

const heads: Array<[string, number[]]> = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff, 0xe0]],
  ['image/webp', [...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')]],
  ['application/octet-stream', [1, 2, 3]],
];

function image(next: () => number): { bytes: Uint8Array; mime: string } {
  const [mime, head] = heads[Math.floor(next() * heads.length)]!;
  const bytes = new Uint8Array(head.length + Math.floor(next() * 5000));
  bytes.set(head);
  for (let i = head.length; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  // Sometimes a view into a larger buffer, as the imaging core hands them over.
  if (next() < 0.3) {
    const host = new Uint8Array(bytes.length + 17);
    host.set(bytes, 9);
    return { bytes: host.subarray(9, 9 + bytes.length), mime };
  }
  return { bytes, mime };
}

describe('uploadBody', () => {
  it('is the JSON text of the data URLs, byte for byte, for any images', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = rng(seed);
      const images = Array.from({ length: 1 + Math.floor(next() * 4) }, () => image(next));
      const body = uploadBody(images.map((i) => i.bytes));
      const urls = images.map(
        (i) =>
          `data:${i.mime};base64,${Buffer.from(i.bytes.buffer, i.bytes.byteOffset, i.bytes.byteLength).toString('base64')}`,
      );
      const want = Buffer.from(JSON.stringify({ data_urls: urls }), 'utf8');
      expect(Buffer.isBuffer(body), `seed ${seed}`).toBe(true);
      expect(body.equals(want), `seed ${seed}`).toBe(true);
      const back = (JSON.parse(body.toString('utf8')) as { data_urls: string[] }).data_urls.map((u) =>
        Buffer.from(u.slice(u.indexOf(',') + 1), 'base64'),
      );
      back.forEach((b, i) => expect(b.equals(Buffer.from(images[i]!.bytes)), `seed ${seed}`).toBe(true));
    }
  });
});
