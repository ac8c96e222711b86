/**
 * The feather preview: the blend weight the edit will use, computed by the compositor's own code
 * (shared/mask-feather.ts: the mask grown by ⌈feather⌉ pixels with a disc, then softened by three box blurs
 * of radius round(feather / 2), the photo's border repeating its edge), and laid out as overlay tiles.
 */
import { MaskTiles } from '../mask/tiles';

export { featherWeight } from '../../../shared/mask-feather';

/** Bytes of a whole photo (W·H) as tiles the overlay can draw (all-zero tiles left out). */
export function tilesOf(bytes: Uint8Array, W: number, H: number, tileSize = 256): MaskTiles {
  const t = new MaskTiles(W, H, tileSize);
  for (let index = 0; index < t.tiles.length; index++) {
    const r = t.tileRect(index);
    const tile = new Uint8Array(tileSize * tileSize);
    let any = false;
    for (let y = 0; y < r.height; y++) {
      const row = bytes.subarray((r.y + y) * W + r.x, (r.y + y) * W + r.x + r.width);
      tile.set(row, y * tileSize);
      if (!any && row.some((v) => v !== 0)) any = true;
    }
    if (any) t.tiles[index] = tile;
  }
  return t;
}
