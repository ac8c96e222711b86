/**
 * The numeric limits of an edit, declared once: the contract's schemas, the CLI's checks and the UI's fields
 * all read them here, so a limit cannot differ between the window, the CLI and what main accepts.
 */
export const limits = {
  /** Reference images sent with one edit (the service's limit, docs/edit-service.md). */
  references: { max: 15 },
  /** Soft edge of the blend, in photo pixels. */
  feather: { min: 0, max: 200 },
  /** Variations of one edit run side by side. */
  variations: { min: 1, max: 4 },
  /** Characters in a prompt. */
  prompt: { max: 32000 },
  /** The service's output compression (JPEG and WebP answers). */
  outputCompression: { min: 0, max: 100 },
  /** Seconds to wait for the service before giving up. */
  timeoutSeconds: { min: 10, max: 3600 },
  /** Export quality for JPEG and WebP files. */
  exportQuality: { min: 1, max: 100 },
  /** Brush diameter in screen pixels and hardness in percent. */
  brushSize: { min: 1, max: 1000 },
  hardness: { min: 0, max: 100 },
  /** How far one Grow or Shrink moves the mask's edge, in photo pixels. */
  maskStepPx: 8,
} as const;

/** The whole numbers from `min` to `max` (the variations a user can pick). */
export function range(r: { min: number; max: number }): number[] {
  return Array.from({ length: r.max - r.min + 1 }, (_, i) => r.min + i);
}
