/**
 * The stage's box for each pointer with a button down, pure TS (pointer-routing.ts wires it to the events).
 * The box is read at the press and kept for that pointer's moves until it is released or everything is
 * dropped (window resize or scroll): reading it on every move would make the browser bring style and layout
 * up to date inside the event. A move with no button down reads it every time (and ends any press the
 * release of which was never seen).
 */
export class PressedBoxes<B> {
  private readonly boxes = new Map<number, B>();

  /** A press: the box now, kept for the pointer. */
  press(id: number, read: () => B): B {
    const b = read();
    this.boxes.set(id, b);
    return b;
  }

  /** A move: the box kept since the pointer's press while a button is down, else the box now. */
  move(id: number, buttons: number, read: () => B): B {
    const kept = buttons ? this.boxes.get(id) : undefined;
    if (kept !== undefined) return kept;
    const b = read();
    if (buttons) this.boxes.set(id, b);
    else this.boxes.delete(id);
    return b;
  }

  /** A release or cancel of the pointer. */
  release(id: number): void {
    this.boxes.delete(id);
  }

  /** The stage may have moved (window resized or scrolled): read the box again at each pointer's next move. */
  clear(): void {
    this.boxes.clear();
  }
}
