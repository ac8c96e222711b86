/** Electron IPC channel names: one channel for every call (the call's name travels with it), one per event. */
import type { EventName } from './contract';

export const CALL_CHANNEL = 'maskroom:call';
export const DRAG_CHANNEL = 'maskroom:drag-out';
export const SAVE_CHANNEL = 'maskroom:save-as';
export const eventChannel = (event: EventName): string => `maskroom:event:${event}`;
