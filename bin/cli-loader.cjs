'use strict';
/**
 * Loads the compiled CLI (dist/cli/cli.cjs and its chunks, CommonJS) with V8's code cache, so that a command
 * does not parse and compile the same megabyte and a half of JavaScript on every run.
 *
 * Each chunk's module code is compiled as a vm.Script with the cached data of an earlier run, when there is
 * one; V8 checks that data against its own version, its flags and the source, and compiles afresh whenever it
 * does not fit (`cachedDataRejected`). A chunk compiled without usable data gets it written when the process
 * exits, after the command ran, so that it holds every function the command compiled, not only the chunk's
 * top level. Data is kept per command (an edit compiles other functions than --version) in a per-user cache
 * folder (derived data: deleting it only costs the next run its compile):
 *   MASKROOM_CODE_CACHE_DIR, or $XDG_CACHE_HOME/maskroom/code-cache (~/.cache/… on Linux),
 *   ~/Library/Caches/Maskroom/code-cache on macOS, %LOCALAPPDATA%\Maskroom\code-cache on Windows;
 *   MASKROOM_CODE_CACHE=0 turns it off. A folder that cannot be made or written is passed over silently.
 * Files are named by chunk, command, Node version and architecture and a hash of the chunk's source; writing
 * one removes that chunk's files of other sources (earlier builds), so the folder holds one set per command.
 * Each file carries its data's length and CRC-32, checked before V8 sees the data (see MAGIC).
 * MASKROOM_DEBUG=1 prints on exit how many chunks came from the cache.
 */
const Module = require('node:module');
const vm = require('node:vm');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');

/**
 * A cache file: MAGIC, the data's length and CRC-32 (u32, little-endian), then V8's data. V8 checks its data
 * against its version, flags and the source, but not against damage in this Node (a flipped byte can abort
 * the process): data whose length or CRC does not match is never handed to it.
 */
const MAGIC = Buffer.from('MRCODE1\n', 'latin1');

/** CRC-32 of `b` (zlib.crc32 where this Node has it, else the first 4 bytes of its SHA-256). */
function checksum(b) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(b) >>> 0;
  return createHash('sha256').update(b).digest().readUInt32LE(0);
}

function framed(data) {
  const head = Buffer.alloc(MAGIC.length + 8);
  MAGIC.copy(head);
  head.writeUInt32LE(data.length, MAGIC.length);
  head.writeUInt32LE(checksum(data), MAGIC.length + 4);
  return Buffer.concat([head, data]);
}

/** V8's data in a cache file, or undefined when the file is not one or is damaged. */
function unframed(file) {
  const at = MAGIC.length + 8;
  if (file.length < at || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = file.subarray(at);
  if (data.length !== file.readUInt32LE(MAGIC.length)) return undefined;
  return checksum(data) === file.readUInt32LE(MAGIC.length + 4) ? data : undefined;
}

function cacheRoot(env) {
  if (env.MASKROOM_CODE_CACHE === '0') return null;
  if (env.MASKROOM_CODE_CACHE_DIR) return env.MASKROOM_CODE_CACHE_DIR;
  if (process.platform === 'win32') {
    const base = env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local');
    return path.join(base, 'Maskroom', 'code-cache');
  }
  if (process.platform === 'darwin')
    return path.join(os.homedir(), 'Library', 'Caches', 'Maskroom', 'code-cache');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'maskroom', 'code-cache');
}

/** The CLI's commands (electron/hosts/cli.ts); any other run keeps its data as 'other'. */
const COMMANDS = new Set(['edit', 'history', 'export', 'resume', 'batch']);

/** The command a run's data is kept for. */
function commandOf(argv) {
  return argv.find((a) => COMMANDS.has(a)) ?? 'other';
}

/** Writes `data` to `file` whole or not at all (a temporary file renamed over it); whether it was written. */
function writeWhole(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing more can be done: the file is derived data.
    }
    return false;
  }
}

/**
 * Requires `<dir>/cli.cjs` with the chunks under `dir` compiled through the code cache; `argv` are the CLI's
 * arguments (they pick the command the data is kept for). Returns the entry's exports.
 */
function loadCli(dir, argv, env = process.env) {
  const root = cacheRoot(env);
  const bundle = path.resolve(dir) + path.sep;
  const command = commandOf(argv);
  const tag = `${command}.${process.version}-${process.arch}`;
  const stats = { chunks: 0, cached: 0 };
  const pending = [];
  const compile = Module.prototype._compile;
  if (root) {
    Module.prototype._compile = function compileCached(content, filename) {
      if (!filename.startsWith(bundle)) return compile.call(this, content, filename);
      stats.chunks++;
      const name = path.basename(filename).replace(/[^\w.-]/g, '_');
      const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
      const file = path.join(root, `${name}.${tag}.${hash}`);
      let cachedData;
      try {
        cachedData = unframed(fs.readFileSync(file));
      } catch {
        cachedData = undefined;
      }
      const script = new vm.Script(Module.wrap(content), { filename, cachedData });
      if (cachedData && !script.cachedDataRejected) stats.cached++;
      else pending.push({ script, file, prefix: `${name}.${tag}.` });
      const fn = script.runInThisContext({ displayErrors: true });
      const req = (id) => this.require(id);
      req.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
      req.cache = Module._cache;
      req.main = require.main;
      return fn.call(this.exports, this.exports, req, this, filename, path.dirname(filename));
    };
    process.once('exit', () => {
      let written = 0;
      if (pending.length > 0) {
        try {
          fs.mkdirSync(root, { recursive: true });
          const others = fs.readdirSync(root);
          for (const { script, file, prefix } of pending) {
            for (const other of others) {
              if (other.startsWith(prefix) && path.join(root, other) !== file) {
                fs.rmSync(path.join(root, other), { force: true });
              }
            }
            if (writeWhole(file, framed(script.createCachedData()))) written++;
          }
        } catch {
          // An unwritable cache folder: the next run compiles again, as without it.
        }
      }
      if (env.MASKROOM_DEBUG) {
        process.stderr.write(
          `maskroom: code cache ${root}: ${stats.cached} of ${stats.chunks} chunks from it, ${written} written\n`,
        );
      }
    });
  }
  return require(path.join(dir, 'cli.cjs'));
}

module.exports = { loadCli, cacheRoot, commandOf };
