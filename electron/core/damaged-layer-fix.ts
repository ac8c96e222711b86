/**
 * What to do about a damaged layer, chosen by its reason (the store's open check, or a read that failed).
 * Imports nothing, so the CLI can word its messages without loading the core.
 */

/** The advice for putting back missing or cut-short layer files. */
const PUT_BACK = 'put the file back (for example, let the cloud folder finish syncing)';

/**
 * The "what to do" clause for a damaged layer's `reason`: a rectangle project.json gives outside the photo
 * is the manifest's fault (the layer's files may be intact), so project.json is restored from a backup; a
 * missing, cut-short or unreadable file under layers/ is put back; a layer with both faults needs both.
 */
export function damagedLayerFix(reason: string): string {
  const manifest = reason.includes('project.json');
  const files = reason.includes('layers/');
  if (manifest && files)
    return 'restore project.json from a backup and put the layer files back (for example, let the cloud folder finish syncing)';
  return manifest ? 'restore project.json from a backup' : PUT_BACK;
}
