import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'export-memory-child.ts');
const MB = 1024 * 1024;

function measure(args: string[]): Promise<{ before: number; peak: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VIPS_CONCURRENCY: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as { before: number; peak: number; bytes: number });
    });
  });
}

// Peak resident memory is read from /proc (Linux); the bound is on memory, never on time.
describe.runIf(fs.existsSync('/proc/self/clear_refs'))('export memory', () => {
  it('exports a 40 MP 8-bit photo to JPEG holding little beyond the photo (peak RSS, child process)', async () => {
    // 7700x5200x3 = 120 MB of pixels. The earlier path (tagged PNG, decoded again, optimised Huffman
    // tables over the whole image) peaked about 500 MB above the photo; streaming stays near the file size.
    const r = await measure(['jpeg', '7700', '5200']);
    expect(r.bytes).toBeGreaterThan(1 * MB);
    expect((r.peak - r.before) / MB).toBeLessThan(200);
  }, 120_000);

  it('exports a 40 MP 16-bit photo to PNG holding the file at most twice, not a filtered copy of the frame', async () => {
    // 240 MB of samples. Filtering the whole frame first (480 MB of big-endian rows), then deflating it and
    // assembling the file peaked about 830 MB above the photo; streamed, it is the file (its pieces, joined
    // once at the end) plus one strip.
    const r = await measure(['png', '7700', '5200', '16']);
    expect(r.bytes).toBeGreaterThan(10 * MB);
    expect(r.peak - r.before).toBeLessThan(2 * r.bytes + 100 * MB);
  }, 120_000);

  it('exports a 40 MP 8-bit layered PSD holding the file once and no canvas', async () => {
    // ag-psd built an RGBA canvas of the original and of the composite and grew the file as it wrote it:
    // about 1 GB above the photo and its composite. The streamed writer fills one buffer of the file's size.
    const r = await measure(['psd', '7700', '5200', '8']);
    expect(r.bytes).toBeGreaterThan(100 * MB);
    expect(r.peak - r.before).toBeLessThan(r.bytes + 100 * MB);
  }, 120_000);
});
