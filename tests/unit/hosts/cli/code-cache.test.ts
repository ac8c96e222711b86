/**
 * The compiled CLI loads its chunks through V8's code cache (bin/cli-loader.cjs): a first run of a command
 * writes the cache, later runs compile from it; data V8 rejects (damaged, or from another build) is compiled
 * afresh and written again; a cache folder that cannot be written, or MASKROOM_CODE_CACHE=0, changes nothing
 * but the speed. What the runs print is the same in every case.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers';

/** `maskroom: code cache DIR: H of N chunks from it, W written` (MASKROOM_DEBUG=1), as numbers. */
function cacheLine(stderr: string): { hits: number; chunks: number; written: number } | null {
  const m = /^maskroom: code cache .*: (\d+) of (\d+) chunks from it, (\d+) written$/m.exec(stderr);
  return m ? { hits: Number(m[1]), chunks: Number(m[2]), written: Number(m[3]) } : null;
}

async function run(args: string[], env: Record<string, string>) {
  const r = await runCli(args, { env: { MASKROOM_DEBUG: '1', ...env } });
  expect(r.code, r.stderr).toBe(args[0] === 'history' ? 1 : 0);
  return { out: r.stdout, err: r.stderr, cache: cacheLine(r.stderr) };
}

describe('the compiled CLI and its code cache', () => {
  it('writes the cache on a first run, compiles from it after, and keeps it per command', async () => {
    const dir = await tempDir();
    const cache = path.join(dir, 'cache');
    const env = { MASKROOM_CODE_CACHE_DIR: cache };
    const first = await run(['--version'], env);
    expect(first.cache!.chunks).toBeGreaterThan(0);
    expect(first.cache).toEqual({ hits: 0, chunks: first.cache!.chunks, written: first.cache!.chunks });
    const files = await fs.readdir(cache);
    expect(files.length).toBe(first.cache!.chunks);
    const second = await run(['--version'], env);
    expect(second.out).toBe(first.out);
    expect(second.cache).toEqual({ hits: first.cache!.chunks, chunks: first.cache!.chunks, written: 0 });
    // Another command has data of its own (it compiles other functions), beside the first one's.
    const missing = path.join(dir, 'no-project');
    const history = await run(['history', '--project', missing], env);
    expect(history.cache!.hits).toBe(0);
    expect(history.cache!.written).toBe(history.cache!.chunks);
    expect((await fs.readdir(cache)).length).toBe(files.length + history.cache!.chunks);
    expect((await run(['history', '--project', missing], env)).cache!.written).toBe(0);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('compiles afresh from damaged data, writes it again, and drops the data of an older build', async () => {
    const dir = await tempDir();
    const cache = path.join(dir, 'cache');
    const env = { MASKROOM_CODE_CACHE_DIR: cache };
    const first = await run(['--version'], env);
    const files = (await fs.readdir(cache)).sort();
    // Every file damaged differently: cut short, bytes flipped in the middle, emptied.
    for (const [i, f] of files.entries()) {
      const p = path.join(cache, f);
      const b = await fs.readFile(p);
      if (i % 3 === 0) await fs.writeFile(p, b.subarray(0, b.length >> 1));
      else if (i % 3 === 1) {
        for (let k = b.length >> 2; k < b.length >> 1; k++) b[k]! ^= 0x5a;
        await fs.writeFile(p, b);
      } else await fs.writeFile(p, '');
    }
    // And a file of an older build of the first chunk (another source hash), which a write replaces.
    const older = files[0]!.replace(/\.[0-9a-f]{16}$/, '.0123456789abcdef');
    await fs.writeFile(path.join(cache, older), 'old');
    const damaged = await run(['--version'], env);
    expect(damaged.out).toBe(first.out);
    expect(damaged.cache).toEqual({ hits: 0, chunks: files.length, written: files.length });
    expect((await fs.readdir(cache)).sort()).toEqual(files);
    const again = await run(['--version'], env);
    expect(again.cache).toEqual({ hits: files.length, chunks: files.length, written: 0 });
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs as before where the cache folder cannot be made, and not at all with MASKROOM_CODE_CACHE=0', async () => {
    const dir = await tempDir();
    const blocked = path.join(dir, 'a-file');
    await fs.writeFile(blocked, 'not a folder');
    const plain = await run(['--version'], { MASKROOM_CODE_CACHE: '0' });
    expect(plain.cache).toBeNull();
    const unwritable = await run(['--version'], { MASKROOM_CODE_CACHE_DIR: path.join(blocked, 'cache') });
    expect(unwritable.out).toBe(plain.out);
    expect(unwritable.cache).toMatchObject({ hits: 0, written: 0 });
    expect(unwritable.err).not.toMatch(/error|EEXIST|ENOTDIR/i);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
