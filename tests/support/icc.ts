/** ICC profiles made for tests: small, exact, with known tone curves. */

/** A minimal ICC v2 grey display profile: a pure gamma tone curve, D50 white. */
export function greyProfile(gamma: number): Uint8Array {
  const s15 = (v: number) => Math.round(v * 65536);
  const text = 'Grey test gamma';
  const desc = Buffer.alloc(12 + text.length + 1 + 4 + 4 + 2 + 1 + 67);
  desc.write('desc', 0, 'latin1');
  desc.writeUInt32BE(text.length + 1, 8);
  desc.write(text, 12, 'latin1');
  const wtpt = Buffer.alloc(20);
  wtpt.write('XYZ ', 0, 'latin1');
  [0.9642, 1, 0.8249].forEach((v, i) => wtpt.writeInt32BE(s15(v), 8 + 4 * i));
  const curv = Buffer.alloc(16);
  curv.write('curv', 0, 'latin1');
  curv.writeUInt32BE(1, 8);
  curv.writeUInt16BE(Math.round(gamma * 256), 12);
  const tags: Array<[string, Buffer]> = [
    ['desc', desc],
    ['wtpt', wtpt],
    ['kTRC', curv],
  ];
  const pad = (n: number) => (n + 3) & ~3;
  let at = 128 + 4 + 12 * tags.length;
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  tags.forEach(([sig, body], i) => {
    table.write(sig, 4 + 12 * i, 'latin1');
    table.writeUInt32BE(at, 8 + 12 * i);
    table.writeUInt32BE(body.length, 12 + 12 * i);
    const padded = Buffer.alloc(pad(body.length));
    body.copy(padded);
    bodies.push(padded);
    at += padded.length;
  });
  const head = Buffer.alloc(128);
  head.writeUInt32BE(at, 0);
  head.writeUInt32BE(0x02100000, 8);
  head.write('mntrGRAYXYZ ', 12, 'latin1');
  head.write('acsp', 36, 'latin1');
  [0.9642, 1, 0.8249].forEach((v, i) => head.writeInt32BE(s15(v), 68 + 4 * i));
  return new Uint8Array(Buffer.concat([head, table, ...bodies]));
}
