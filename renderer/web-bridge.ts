/**
 * window.maskroom over HTTP, for the web host: calls go as POST /api/<name> with a binary-safe wire body,
 * events arrive over server-sent events. The web host injects this script before the app, so the renderer
 * sees the same object as under Electron's preload and cannot tell which host it runs in.
 */
import { createBridge } from '../shared/bridge';
import type { CallName, EventName, SaveAsRequest, WireResult } from '../shared/contract';
import { AppError } from '../shared/errors';
import { eventNames } from '../shared/contract';
import { decodeWire, encodeWire, WIRE_CONTENT_TYPE } from '../shared/wire';
import { WEB_DOWNLOAD_CALL } from '../shared/ipc-channels';

const token = new URLSearchParams(location.search).get('token') ?? '';
const headers = { 'content-type': WIRE_CONTENT_TYPE, 'x-maskroom-token': token };

async function invoke(
  name: CallName | typeof WEB_DOWNLOAD_CALL,
  request: unknown,
): Promise<WireResult<unknown>> {
  let res: Response;
  try {
    res = await fetch(`./api/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers,
      // As a Blob: the same bytes on the wire, but a DevTools client (the e2e tests' and benches'
      // Playwright) is not sent them inside its request event. Sent as an array, an edit's 24 MB raw mask
      // reaches it as 32 MB of base64 JSON, which Chromium and the client's process (the web host's, in a
      // test) spend seconds encoding and parsing.
      body: new Blob([encodeWire(request) as Uint8Array<ArrayBuffer>]),
    });
  } catch {
    return {
      ok: false,
      error: {
        code: 'offline',
        message: 'Maskroom lost contact with its web host; check that it is still running and reload.',
      },
    };
  }
  if (res.headers.get('content-type') !== WIRE_CONTENT_TYPE) {
    return {
      ok: false,
      error: {
        code: 'internal',
        message: `The web host answered ${res.status} ${res.statusText}; reload the page with its token.`,
      },
    };
  }
  return decodeWire(new Uint8Array(await res.arrayBuffer())) as WireResult<unknown>;
}

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();
let source: EventSource | null = null;

function ensureSource(): void {
  if (source) return;
  source = new EventSource(`./events?token=${encodeURIComponent(token)}`);
  for (const name of eventNames) {
    source.addEventListener(name, (ev) => {
      const payload: unknown = JSON.parse((ev as MessageEvent<string>).data);
      for (const l of listeners.get(name) ?? []) l(payload);
    });
  }
}

function subscribe(event: EventName, listener: Listener): () => void {
  ensureSource();
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Both drag-out and Save As end in a download here: a browser page cannot write files or start native drags.
 * The host encodes the export into a file of its own and answers a link to it (electron/hosts/
 * web-downloads.ts); the browser downloads from that link, so neither the page nor the host holds the file.
 */
async function download(req: SaveAsRequest): Promise<void> {
  const res = await invoke(WEB_DOWNLOAD_CALL, req);
  if (!res.ok) throw new AppError(res.error.code, res.error.message);
  const file = res.value as { href: string; fileName: string };
  const a = document.createElement('a');
  a.href = file.href;
  a.download = file.fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

window.maskroom = createBridge({
  host: 'web',
  invoke,
  subscribe,
  dragOut: download,
  saveAs: async (req) => {
    await download(req);
    return { saved: true };
  },
});
