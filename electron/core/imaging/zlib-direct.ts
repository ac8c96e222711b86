/**
 * Node's zlib streams driven synchronously through their handle, into an output buffer of the caller's.
 *
 * A stream hands every piece of its output over in a buffer of its own, through libuv's pool; where much
 * output comes from little input (a mask, a patch's rows) the fresh buffers, their page faults and garbage
 * collections and the trips through the pool cost several times the inflate itself. The handle's
 * writeSync (what Node's own zlib.inflateSync uses, there since Node 10) writes into any buffer. It is not
 * part of Node's documented API, so every caller keeps a way that does without it (directWriter: null).
 */
import type zlib from 'node:zlib';

interface ZlibInternals {
  _handle?: { writeSync?: unknown };
  _writeState?: unknown;
}

type HandleWriteSync = (
  flush: number,
  input: Uint8Array,
  inOff: number,
  inLen: number,
  out: Uint8Array,
  outOff: number,
  outLen: number,
) => void;

/**
 * One synchronous step of the stream: inflates from input[inOff, inOff + inLen) into out[outOff, outOff +
 * outLen) with zlib flush mode `flush`, giving [output room left, input left], or null for a damaged stream
 * (the stream is then destroyed and of no further use).
 */
export type DirectWrite = (...args: Parameters<HandleWriteSync>) => [room: number, left: number] | null;

/** The direct step of stream `z` (just made, not yet written to), or null where this Node has none. */
export function directWriter(z: zlib.Inflate | zlib.InflateRaw): DirectWrite | null {
  const inner = z as unknown as ZlibInternals;
  const handle = inner._handle;
  const state = inner._writeState;
  if (
    !handle ||
    typeof handle.writeSync !== 'function' ||
    !(state instanceof Uint32Array) ||
    state.length < 2
  )
    return null;
  const writeSync = handle.writeSync as HandleWriteSync;
  // On a damaged stream the handle destroys the stream during the call and leaves the write state as it
  // was; the stream's 'error' event follows on the next tick, heard here so that it is not an uncaught one.
  z.on('error', () => undefined);
  return (flush, input, inOff, inLen, out, outOff, outLen) => {
    try {
      writeSync.call(handle, flush, input, inOff, inLen, out, outOff, outLen);
    } catch {
      return null;
    }
    return z.destroyed ? null : [state[0]!, state[1]!];
  };
}
