/** Main -> renderer events, fanned out to every connected window (Electron) or event stream (web host). */
import type { EventName, EventPayload } from '../../shared/contract';
import type { WorkspaceEvents } from './workspace-types';

export type AnyEventListener = (event: EventName, payload: unknown) => void;

export class EventBus implements WorkspaceEvents {
  private readonly listeners = new Set<AnyEventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of [...this.listeners]) {
      try {
        l(event, payload);
      } catch {
        // One broken subscriber (a closed window, a dropped stream) must not stop the others.
      }
    }
  }

  subscribe(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
