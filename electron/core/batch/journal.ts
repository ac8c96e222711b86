/**
 * The batch journal, DIR/.maskroom/batch.json: what the batch is (prompt, parameters, masks, photos) and,
 * per photo, where it stands. Written atomically (fs-atomic) after every change that matters for money: a
 * photo's job id before anything is sent, its request id the moment the service accepts it, its result.
 * Each photo's own project journal (project-format.md) stays the authority on an accepted edit; this file
 * lets `maskroom batch --resume` find the photos and their jobs after a kill or a crash.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EditParams } from '../../../shared/contract';
import { AppError, environmentError } from '../../../shared/errors';
import { makeDir } from '../make-dir';
import { writeFileAtomic } from '../fs-atomic';

export const BATCH_DIR = '.maskroom';
export const BATCH_FILE = 'batch.json';
const FORMAT = 'maskroom-batch';

export const RowStatus = z.enum(['pending', 'accepted', 'done', 'failed']);
export type RowStatus = z.infer<typeof RowStatus>;

export const BatchRow = z.object({
  /** The photo's file name (unique within the batch): names its project and its result. */
  name: z.string(),
  image: z.string(),
  /** The mask file used for this photo (the shared one, or its own). */
  mask: z.string(),
  project: z.string(),
  out: z.string(),
  jobId: z.string(),
  layerId: z.string(),
  status: RowStatus,
  requestId: z.string().nullable(),
  cost: z.number().nullable(),
  error: z.string().nullable(),
  code: z.string().nullable(),
});
export type BatchRow = z.infer<typeof BatchRow>;

export const BatchSpec = z.object({
  prompt: z.string(),
  params: EditParams,
  feather: z.number(),
  colorMatch: z.boolean(),
  references: z.array(z.string()),
  /** One mask for every photo, or a folder of <photo name>.png. */
  mask: z.union([
    z.object({ kind: z.literal('one'), file: z.string() }),
    z.object({ kind: z.literal('folder'), dir: z.string() }),
  ]),
  concurrency: z.number().int().min(1).max(16),
});
export type BatchSpec = z.infer<typeof BatchSpec>;

const File = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  createdAt: z.string(),
  spec: BatchSpec,
  rows: z.array(BatchRow),
});
type File = z.infer<typeof File>;

export function batchFile(outDir: string): string {
  return path.join(outDir, BATCH_DIR, BATCH_FILE);
}

export class BatchJournal {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    readonly outDir: string,
    private readonly file: File,
  ) {}

  get spec(): BatchSpec {
    return this.file.spec;
  }

  get rows(): BatchRow[] {
    return this.file.rows;
  }

  static async read(outDir: string): Promise<BatchJournal | null> {
    let text: string;
    try {
      text = await fs.readFile(batchFile(outDir), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let parsed: ReturnType<typeof File.safeParse>;
    try {
      parsed = File.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as ReturnType<typeof File.safeParse>;
    }
    if (!parsed.success)
      throw new AppError(
        'corrupt-project',
        `The batch file ${batchFile(outDir)} is damaged; the photos' projects beside it are intact, so move it away and run the batch again (accepted edits are collected from the projects).`,
      );
    return new BatchJournal(outDir, parsed.data);
  }

  static async create(outDir: string, spec: BatchSpec, rows: BatchRow[]): Promise<BatchJournal> {
    const j = new BatchJournal(outDir, {
      format: FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      spec,
      rows,
    });
    // The --out folder may be new: a disk fault making or writing it is said as such (makeDir finds the real
    // fault behind the ENOENT a recursive mkdir reports on a read-only disk).
    try {
      await makeDir(path.join(outDir, BATCH_DIR));
      await j.save();
    } catch (e) {
      throw (
        environmentError(e, `Starting the batch in ${outDir}`, {
          where: outDir,
          next: {
            readOnly: 'choose an --out on a writable disk (nothing was sent)',
            full: 'free some space there or choose another --out (nothing was sent)',
            denied: 'check that you may write there or choose another --out (nothing was sent)',
          },
        }) ?? e
      );
    }
    return j;
  }

  /** Adds photos that the file did not list yet (the same command run again with more photos). */
  addRows(rows: BatchRow[]): void {
    this.file.rows.push(...rows);
  }

  update(name: string, change: Partial<BatchRow>): BatchRow {
    const row = this.file.rows.find((r) => r.name === name);
    if (!row) throw new Error(`no batch row ${name}`);
    Object.assign(row, change);
    return row;
  }

  /**
   * Writes the file atomically. Saves are serialised; a save asked for while one is being written is
   * folded into one more write carrying every change made meanwhile.
   */
  save(): Promise<void> {
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await writeFileAtomic(batchFile(this.outDir), `${JSON.stringify(this.file, null, 2)}\n`);
    });
    return this.writing;
  }
}
