/** Milliseconds each selection took to compute and write (read by the debug hook, for the benchmark). */
export interface SelectionTiming {
  tool: string;
  /** From the release (or click) to the mask written, including the wand's first read of the photo. */
  ms: number;
}

const log: SelectionTiming[] = [];

export function recordSelection(tool: string, ms: number): void {
  log.push({ tool, ms });
  if (log.length > 1000) log.shift();
}

export function takeSelectionTimings(): SelectionTiming[] {
  return log.splice(0, log.length);
}
