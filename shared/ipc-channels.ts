/** Electron IPC channel names: one channel for every call (the call's name travels with it), one per event. */
import type { EventName } from './contract';

export const CALL_CHANNEL = 'maskroom:call';
export const DRAG_CHANNEL = 'maskroom:drag-out';
export const SAVE_CHANNEL = 'maskroom:save-as';
/**
 * The web host's counterpart of drag-out and Save As (not a contract call: only the web bridge sends it, as
 * POST /api/<this>): an 'export:image' request, answered with a link the page downloads the file from
 * (electron/hosts/web-downloads.ts).
 */
export const WEB_DOWNLOAD_CALL = 'web:download';
export const eventChannel = (event: EventName): string => `maskroom:event:${event}`;
