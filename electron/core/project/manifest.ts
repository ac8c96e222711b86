/**
 * The project manifest (docs/project-format.md): one JSON file, `project.json`, that is the commit point of
 * every change. It names the original photo and every layer with its files and the full record of how it was
 * made. Versioned: a newer schema is refused with a clear error, never rewritten.
 */
import { z } from 'zod';
import { ApiSize, EditParams, Id, Rect } from '../../../shared/contract';

export const MANIFEST_FILE = 'project.json';
export const FORMAT_NAME = 'maskroom-project';
/** Bump on any change old code could misread; older manifests are migrated on read, never newer ones. */
export const SCHEMA_VERSION = 1;

export const RegionPlanSchema = z.object({
  crop: Rect,
  pad: z.object({
    left: z.number().int().nonnegative(),
    top: z.number().int().nonnegative(),
    right: z.number().int().nonnegative(),
    bottom: z.number().int().nonnegative(),
  }),
  apiSize: ApiSize,
  scale: z.number().positive(),
});

/** A file name inside a project folder: one component, no separators, never . or .. (no way out of it). */
export const FileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+$/, 'file names are letters, digits, ., - and _')
  .refine((s) => s !== '.' && s !== '..', 'not a file name');

/** A layer's rectangle as project.json may hold it; ProjectStore.open checks it against the photo. */
const StoredRect = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

/** Everything a layer records: what was asked, what was sent, what came back, how it is stored. */
export const StoredLayer = z.object({
  id: Id,
  createdAt: z.string(),
  prompt: z.string(),
  /** The parameters as the user chose them (size may be 'auto'). */
  params: EditParams,
  /** What was actually sent: the API size, the region plan, how many reference images, transport/mode. */
  sent: z.object({
    apiSize: ApiSize,
    plan: RegionPlanSchema,
    references: z.number().int().nonnegative(),
    transport: z.enum(['upload', 'inline']),
    mode: z.enum(['async', 'sync']),
  }),
  /**
   * The changed rectangle in photo pixels (the patch's extent). Read as any numbers, not as the contract's
   * Rect: a rectangle outside the photo makes only its layer damaged (checked on open), not the project
   * unreadable, and is kept as it was.
   */
  rect: StoredRect,
  feather: z.number().nonnegative(),
  colorMatch: z.boolean(),
  requestId: z.string().nullable(),
  model: z.string(),
  /** Milliseconds per stage as the client measured them, plus the service's inference_time (s). */
  timings: z.record(z.string(), z.number()),
  creditsLeft: z.number().nullable(),
  /** What the service reported the edit cost (USD), or null. Absent in older manifests: read as null. */
  cost: z.number().nullable().default(null),
  /**
   * API pixels per photo pixel the layer was generated at, capped at 1. Absent in older manifests: read as
   * null, and then taken from `sent.plan.scale` by the same rule.
   */
  generatedScale: z.number().positive().max(1).nullable().default(null),
  visible: z.boolean(),
  /** Variations of one edit share a group; null for a single edit. */
  groupId: Id.nullable(),
  files: z.object({ patch: FileName, mask: FileName, thumb: FileName }),
  bytes: z.object({
    patch: z.number().int().nonnegative(),
    mask: z.number().int().nonnegative(),
    thumb: z.number().int().nonnegative(),
  }),
});
export type StoredLayer = z.infer<typeof StoredLayer>;

export const Manifest = z.object({
  format: z.literal(FORMAT_NAME),
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: Id,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Incremented on every write. */
  revision: z.number().int().nonnegative(),
  original: z.object({
    file: FileName,
    /** Upright size (EXIF orientation applied), the size of every mask and of the exported image. */
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.string(),
  }),
  layers: z.array(StoredLayer),
});
export type Manifest = z.infer<typeof Manifest>;
