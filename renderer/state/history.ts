/** The history panel's model: layers grouped by variation group, newest first. */
import type { Layer } from '../../shared/contract';

export interface HistoryEntry {
  /** The group id, or the layer id for a layer that belongs to no group. */
  key: string;
  groupId: string | null;
  layers: Layer[];
  /** The layer the entry shows: the visible one of the group, else the first. */
  shown: Layer;
  shownIndex: number;
  /** Position of the entry's first layer in the project's stack (0 = bottom). */
  stackIndex: number;
}

export function groupLayers(layers: readonly Layer[]): HistoryEntry[] {
  const byKey = new Map<string, { layers: Layer[]; stackIndex: number; groupId: string | null }>();
  layers.forEach((layer, i) => {
    const key = layer.groupId ?? `layer:${layer.id}`;
    const e = byKey.get(key);
    if (e) e.layers.push(layer);
    else byKey.set(key, { layers: [layer], stackIndex: i, groupId: layer.groupId });
  });
  const entries: HistoryEntry[] = [];
  for (const [key, e] of byKey) {
    let shownIndex = e.layers.findIndex((l) => l.visible);
    if (shownIndex < 0) shownIndex = 0;
    entries.push({
      key,
      groupId: e.groupId,
      layers: e.layers,
      shown: e.layers[shownIndex] as Layer,
      shownIndex,
      stackIndex: e.stackIndex,
    });
  }
  return entries.sort((a, b) => b.stackIndex - a.stackIndex);
}

/** The sibling `step` places away in a variation group, wrapping around. */
export function cycle(entry: HistoryEntry, step: 1 | -1): Layer {
  const n = entry.layers.length;
  return entry.layers[(((entry.shownIndex + step) % n) + n) % n] as Layer;
}

export function formatTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${hm}`;
}
