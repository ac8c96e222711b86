/** Batch: one edit across a set of photos (see run.ts). */
export {
  runBatch,
  planRows,
  listPhotos,
  rowsToRun,
  knownCostPerEdit,
  resultPath,
  stemOf,
  MAX_CONCURRENCY,
  HEAVY_PIXELS,
  DEFAULT_CONCURRENCY,
  PHOTO_EXTENSIONS,
  type BatchDeps,
  type BatchEvent,
  type BatchSummary,
} from './run';
export { BatchJournal, BatchSpec, BatchRow, batchFile, BATCH_DIR, BATCH_FILE } from './journal';
export { fitMask, sameShape, maskSize, MASK_ASPECT_TOLERANCE } from './masks';
export { Semaphore } from './semaphore';
export { BatchService, type BatchApi, type BatchServiceOptions } from './service';
