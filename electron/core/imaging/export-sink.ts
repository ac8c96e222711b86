/**
 * Where a streamed export writes its file: in memory (what `exportImage` returns) or a file on disk
 * (`exportImageToFile`, which then never holds the encoded file at all). Encoders write pieces in order and
 * may fill in a few bytes already written once the layout is known (a TIFF's first-IFD offset).
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface ExportSink {
  /** Appends bytes. The sink is done with `chunk` when the promise resolves: the caller may reuse it. */
  write(chunk: Uint8Array): Promise<void>;
  /** Overwrites bytes written earlier, at `at` from the start of the file. */
  patch(at: number, bytes: Uint8Array): Promise<void>;
}

/**
 * The file in memory: pieces are copied into blocks, joined once at the end. When the size is known in
 * advance, one buffer of that size is filled in place and returned without the join.
 */
export class MemorySink implements ExportSink {
  private readonly blocks: Uint8Array[] = [];
  private last: Uint8Array | null = null;
  private used = 0;
  length = 0;

  constructor(private readonly exactSize?: number) {
    if (exactSize !== undefined) {
      this.last = new Uint8Array(exactSize);
      this.blocks.push(this.last);
    }
  }

  write(chunk: Uint8Array): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      if (!this.last || this.used === this.last.length) {
        if (this.exactSize !== undefined) throw new Error('MemorySink: more bytes than its exact size');
        // Blocks of 8 MB, or the piece's size when larger: few blocks, little slack.
        this.last = new Uint8Array(Math.max(8 * 1024 * 1024, chunk.length - from));
        this.blocks.push(this.last);
        this.used = 0;
      }
      const n = Math.min(chunk.length - from, this.last.length - this.used);
      this.last.set(chunk.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
    }
    this.length += chunk.length;
    return Promise.resolve();
  }

  patch(at: number, bytes: Uint8Array): Promise<void> {
    let off = 0;
    for (const b of this.blocks) {
      const lo = Math.max(at, off);
      const hi = Math.min(at + bytes.length, off + b.length);
      if (lo < hi) b.set(bytes.subarray(lo - at, hi - at), lo - off);
      off += b.length;
    }
    return Promise.resolve();
  }

  /** The whole file, as one buffer of exactly its length. */
  bytes(): Uint8Array {
    if (this.blocks.length === 1 && this.blocks[0]!.length === this.length) return this.blocks[0]!;
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const b of this.blocks) {
      const n = Math.min(b.length, this.length - off);
      out.set(b.subarray(0, n), off);
      off += n;
    }
    this.blocks.length = 0;
    return out;
  }
}

/** A file being written: pieces go to disk as they come (positional writes, so patches land in place). */
export class FileSink implements ExportSink {
  private at = 0;
  private constructor(private readonly fh: FileHandle) {}

  /** Opens `file` with `flags` (default: create or truncate) and `mode` (default 0644). */
  static async create(file: string, flags: string | number = 'w', mode = 0o644): Promise<FileSink> {
    return new FileSink(await fs.open(file, flags, mode));
  }

  async write(chunk: Uint8Array): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, from, chunk.length - from, this.at);
      from += bytesWritten;
      this.at += bytesWritten;
    }
  }

  async patch(at: number, bytes: Uint8Array): Promise<void> {
    let from = 0;
    while (from < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, from, bytes.length - from, at + from);
      from += bytesWritten;
    }
  }

  get length(): number {
    return this.at;
  }

  /** Flushes the file to disk and closes it. */
  async finish(): Promise<void> {
    try {
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file without flushing it (the caller removes it). */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
