/**
 * Reads of items 0..n-1 taken in order, some of them started ahead of the one being taken: at most `ahead`
 * started and not yet taken at once, however many items that read nothing (`read(j)` null) lie between
 * them, and, with `bound`, none started while those held would then come to more than `bound.budget` bytes
 * (`bound.cost(j)`: what item j holds once read, 0 for an item that reads nothing). When nothing is held a
 * read always starts, so an item larger than the budget is read on its own. `take(i)` waits for item i's
 * read (null for none) and starts the next ones; its bytes are the caller's from then on. A read that fails
 * rejects its own take only: one started ahead must not go unhandled when an earlier failure ends the loop
 * taking them.
 */
export function readAhead<T>(
  n: number,
  ahead: number,
  read: (j: number) => Promise<T> | null,
  bound?: { cost: (j: number) => number; budget: number },
): (i: number) => Promise<T | null> {
  const started = new Array<Promise<T> | null>(n).fill(null);
  const held = new Float64Array(n);
  let next = 0;
  let reading = 0;
  let bytes = 0;
  const fill = () => {
    for (; next < n && reading < ahead; next++) {
      const c = bound ? Math.max(0, bound.cost(next)) : 0;
      if (bound && reading > 0 && bytes + c > bound.budget) break;
      const p = read(next);
      p?.catch(() => undefined);
      started[next] = p;
      if (p) {
        reading++;
        bytes += c;
        held[next] = c;
      }
    }
  };
  fill();
  return async (i) => {
    const p = started[i] ?? null;
    started[i] = null;
    // A failed read throws here, and nothing more is started: the caller's loop ends with it.
    const got = await p;
    if (p) {
      reading--;
      bytes -= held[i]!;
      held[i] = 0;
    }
    fill();
    return got;
  };
}
