/** The project store: layer history on disk (docs/project-format.md). */
export {
  ProjectStore,
  readManifest,
  toContractLayer,
  newId,
  JournalEntry,
  JournalResult,
  referenceFilesOf,
  DroppedEntry,
  DROPPED_DIR,
  LAYERS_DIR,
  JOURNAL_DIR,
  CACHE_DIR,
} from './project-store';
export type {
  NewLayer,
  LayerFiles,
  OpenReport,
  CreateOptions,
  OpenOptions,
  NewJournalEntry,
} from './project-store';
export {
  Manifest,
  StoredLayer,
  MANIFEST_FILE,
  SCHEMA_VERSION,
  FORMAT_NAME,
  RegionPlanSchema,
} from './manifest';
export { acquireLock, LOCK_FILE, type ProjectLock } from './lock';
export { crashPoint, CRASH_POINTS, SOURCE_CRASH_POINTS, type CrashPoint } from './crash';
