/**
 * The Electron IPC binding of the shared handler table. Two channels only (shared/ipc-channels.ts): one
 * for every call (the call's name travels with it) and one for drag-out. Every message is checked before
 * anything runs: it must come from the main frame of one of our windows showing the app's own page; the
 * call must exist in the contract and its payload must match the contract's schema (dispatch.ts). Every
 * answer is a WireResult: nothing a renderer sends can throw in main.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { CallName, ProjectState, WireResult } from '../../shared/contract';
import { isCallName } from '../../shared/contract';
import { toWireError } from '../../shared/errors';
import { CALL_CHANNEL, DRAG_CHANNEL, SAVE_CHANNEL } from '../../shared/ipc-channels';
import type { HandlerTable } from '../core/handlers';
import { dispatch } from '../core/dispatch';
import { isAppUrl } from './protocol';
import type { ShellLog } from './window';

/** The parts of an IPC event the sender check reads. */
export interface SenderLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Trusted: a window we made (its webContents id is in `windowIds`), from its top frame (not an iframe),
 * while it shows the app's own page (not something it was navigated to).
 */
export function checkSender(event: SenderLike, windowIds: ReadonlySet<number>): SenderVerdict {
  if (!windowIds.has(event.sender.id)) return { ok: false, reason: 'not a Maskroom window' };
  const frame = event.senderFrame;
  if (!frame) return { ok: false, reason: 'the sending frame is gone' };
  if (frame.parent !== null) return { ok: false, reason: 'a sub-frame' };
  if (!isAppUrl(frame.url))
    return { ok: false, reason: `a page that is not Maskroom (${frame.url.slice(0, 80)})` };
  return { ok: true };
}

export const FORBIDDEN: WireResult<never> = {
  ok: false,
  error: {
    code: 'forbidden',
    message: 'Maskroom refused a request from a page that is not its own; restart Maskroom.',
  },
};

export interface CallObserver {
  /** After a call succeeded: the shell tracks the open project per window and the recent projects. */
  (senderId: number, name: CallName, request: unknown, value: unknown): void;
}

/** One call: sender check, then the contract's validation and the handler, always a WireResult. */
export async function handleCall(
  table: HandlerTable,
  windowIds: ReadonlySet<number>,
  event: SenderLike,
  name: unknown,
  request: unknown,
  log: ShellLog,
  observe?: CallObserver,
): Promise<WireResult<unknown>> {
  const verdict = checkSender(event, windowIds);
  if (!verdict.ok) {
    log(`refused an IPC call from ${verdict.reason}`);
    return FORBIDDEN;
  }
  if (typeof name !== 'string') {
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'Maskroom received a call without a name; reload the window.',
      },
    };
  }
  const res = await dispatch(table, name, request);
  if (res.ok && observe && isCallName(name)) {
    try {
      observe(event.sender.id, name, request, res.value);
    } catch (e) {
      log(`call observer failed: ${toWireError(e).message}`);
    }
  }
  return res;
}

export interface IpcBindingOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  table: HandlerTable;
  /** The webContents ids of our windows (live: windows come and go). */
  windowIds: ReadonlySet<number>;
  dragOut: (event: IpcMainInvokeEvent, request: unknown) => Promise<WireResult<unknown>>;
  /** Save As: main's save dialog, then main writes the exported file. */
  saveAs: (event: IpcMainInvokeEvent, request: unknown) => Promise<WireResult<unknown>>;
  log: ShellLog;
  observe?: CallObserver;
}

/** Registers the channels; returns a function that removes them. */
export function bindIpc(o: IpcBindingOptions): () => void {
  o.ipcMain.handle(CALL_CHANNEL, (event, name: unknown, request: unknown) =>
    handleCall(o.table, o.windowIds, event, name, request, o.log, o.observe).catch((e: unknown) => ({
      ok: false as const,
      error: toWireError(e),
    })),
  );
  // The shell's own channels get the same sender check; their handlers validate their payloads.
  const shellChannels: [string, string, IpcBindingOptions['dragOut']][] = [
    [DRAG_CHANNEL, 'drag-out', o.dragOut],
    [SAVE_CHANNEL, 'save-as', o.saveAs],
  ];
  for (const [channel, what, handler] of shellChannels) {
    o.ipcMain.handle(channel, async (event, request: unknown) => {
      const verdict = checkSender(event, o.windowIds);
      if (!verdict.ok) {
        o.log(`refused a ${what} from ${verdict.reason}`);
        return FORBIDDEN;
      }
      try {
        return await handler(event, request);
      } catch (e) {
        return { ok: false as const, error: toWireError(e) };
      }
    });
  }
  return () => {
    for (const channel of [CALL_CHANNEL, ...shellChannels.map(([c]) => c)]) o.ipcMain.removeHandler(channel);
  };
}

/** What a successful call did to the window's open project, if anything. */
export function projectFromCall(
  name: CallName,
  request: unknown,
  value: unknown,
): { open: string } | { closed: string } | null {
  if ((name === 'project:open' || name === 'project:create') && value && typeof value === 'object') {
    const id = (value as Partial<ProjectState>).id;
    return typeof id === 'string' ? { open: id } : null;
  }
  if (name === 'project:close' && request && typeof request === 'object') {
    const id = (request as { projectId?: unknown }).projectId;
    return typeof id === 'string' ? { closed: id } : null;
  }
  return null;
}
